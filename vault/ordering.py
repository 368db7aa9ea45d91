"""The order of text in lists (titles, fields, clients): ignoring case, numbers by value.

"Printer 2" comes before "Printer 10", and "10.0.0.9" before "10.0.0.10", as
people count, not as characters compare ("10" < "2"). KeePassXC users have
asked for this for years; it sorts digit by digit on Linux.

:func:`text_order` gives one string per text so that lists sort with plain
string comparison (fast in C, and a row's id can follow after ``"\\0"``): the
text case-folded, with every run of digits written as its length (two
digits) followed by the number without leading zeros. A longer number is a
larger one, so the length decides first and equal lengths compare digit by
digit, which is by value. Equal numbers written with and without leading
zeros ("srv-01", "srv-1") tie, and the caller's tie-break decides (a list
breaks ties by record id). Numbers of 100 digits or more count as 99 long.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"[0-9]+")


_LENGTHS = [f"{n:02d}" for n in range(100)]


def _counted(match: re.Match[str]) -> str:
    digits = match[0]
    if digits[0] == "0":
        digits = digits.lstrip("0") or "0"
    size = len(digits)
    return (_LENGTHS[size] if size < 100 else "99") + digits


def text_order(text: str) -> str:
    """The sort key of ``text``: case-folded, each number written to compare by value."""
    return _RUN.sub(_counted, text.casefold())
