"""Date filters: what ``updated:`` and ``created:`` values mean, as half-open ISO ranges.

A value is a period, optionally after an operator: ``2026`` (the year),
``2026-03`` (the month), ``2026-03-01`` (the day), ``today``, ``yesterday``,
``7d``/``2w``/``3m``/``1y`` (that many days, weeks, months of 30 days or years
of 365 days ago, as a day). ``>P`` is after the period, ``>=P`` from its start,
``<P`` before it, ``<=P`` up to its end, ``=P`` or ``P`` within it; ``A..B``
runs from the start of A to the end of B, either side may be left open.
Records store ISO 8601 UTC timestamps, so comparing with ``YYYY-MM-DD`` strings
is exact.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class DateRange:
    """A half-open range of ISO dates; None means unbounded."""

    start: str | None
    end: str | None


_PERIOD = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_RELATIVE = re.compile(r"(\d{1,5})([dwmy])")


def _period(text: str, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The [start, end) dates of ``2026``, ``2026-03``, ``2026-03-01``, ``today``, ``7d``."""
    text = text.strip().lower()
    if text == "today":
        return today, today + datetime.timedelta(days=1)
    if text == "yesterday":
        return today - datetime.timedelta(days=1), today
    relative = _RELATIVE.fullmatch(text.lstrip("-"))
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        days = count * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
        try:
            day = today - datetime.timedelta(days=days)
        except OverflowError:
            return None
        return day, day + datetime.timedelta(days=1)
    match = _PERIOD.fullmatch(text)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
        if day is None:
            start = datetime.date(year, month, 1)
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            return start, following
        start = datetime.date(year, month, day)
        return start, start + datetime.timedelta(days=1)
    except (ValueError, OverflowError):
        return None


def date_range(value: str, today: datetime.date | None = None) -> DateRange | None:
    """The range an ``updated:``/``created:`` value means, or None if it cannot be read."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    value = value.strip()
    if ".." in value:
        low, _, high = value.partition("..")
        start = _period(low, today) if low.strip() else None
        end = _period(high, today) if high.strip() else None
        if (low.strip() and start is None) or (high.strip() and end is None):
            return None
        return DateRange(
            start[0].isoformat() if start else None, end[1].isoformat() if end else None
        )
    for op in (">=", "<=", ">", "<", "="):
        if value.startswith(op):
            rest = value[len(op) :]
            break
    else:
        op, rest = "=", value
    period = _period(rest, today)
    if period is None:
        return None
    start, end = (d.isoformat() for d in period)
    return {
        ">": DateRange(end, None),
        ">=": DateRange(start, None),
        "<": DateRange(None, start),
        "<=": DateRange(None, end),
        "=": DateRange(start, end),
    }[op]


def period_tokens(kind: str, start: str, end: str) -> list[str]:
    """Facet tokens covering the days from ``start`` to before ``end`` (``YYYY-MM-DD``).

    Whole years become one token (``=u=2025``), whole months one token
    (``=u=2026-02``), and the remaining days a token each (``=u=2026-03-14``),
    so a range of several years needs fewer than a hundred tokens.
    """
    day = datetime.date.fromisoformat(start)
    stop = datetime.date.fromisoformat(end)
    out: list[str] = []
    while day < stop:
        next_year = datetime.date(day.year + 1, 1, 1)
        following = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        if day.month == 1 and day.day == 1 and next_year <= stop:
            out.append(f"={kind}={day.year:04d}")
            day = next_year
        elif day.day == 1 and following <= stop:
            out.append(f"={kind}={day.isoformat()[:7]}")
            day = following
        else:
            out.append(f"={kind}={day.isoformat()}")
            day += datetime.timedelta(days=1)
    return out
