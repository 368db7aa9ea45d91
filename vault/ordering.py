"""The order of text in every list (titles, clients, fields): ignoring case, numbers by value.

"Printer 2" comes before "Printer 10", and "10.0.0.9" before "10.0.0.10", as
people count, not as characters compare ("10" < "2"). KeePassXC users have
asked for this for years; it sorts digit by digit on Linux.

:func:`text_order` gives one string per text so that lists sort with plain
string comparison (fast in C, and a row's id can follow after ``"\\0"``): the
title case-folded, with every run of digits left-padded with zeros to
:data:`DIGITS`. Longer runs (serial numbers) keep their length and compare
digit by digit after the shorter ones that share their first digits. Equal
numbers written with and without leading zeros ("srv-01", "srv-1") tie, and
the caller's tie-break decides (a list breaks ties by record id).
"""

from __future__ import annotations

import re

DIGITS = 12
"""Numbers up to this many digits compare by value (a trillion less one)."""

_RUN = re.compile(r"[0-9]+")


def _padded(match: re.Match[str]) -> str:
    return match[0].rjust(DIGITS, "0")


def text_order(text: str) -> str:
    """The sort key of ``text``: case-folded, each number padded to compare by value."""
    return _RUN.sub(_padded, text.casefold())
