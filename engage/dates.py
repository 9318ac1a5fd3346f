"""Dates as people type them in records: a year, a month or a day, plus as-of and durations."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day; unknown parts are 0 and sort first."""

    year: int
    month: int = 0
    day: int = 0

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Return the PartialDate for ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raises ValueError."""
        match = _PARTIAL.match(text.strip())
        if not match:
            raise ValueError(f"'{text}' is not a date; expected YYYY, YYYY-MM or YYYY-MM-DD")
        year = int(match.group(1))
        month = int(match.group(2) or 0)
        day = int(match.group(3) or 0)
        if year < 1900 or year > 2100:
            raise ValueError(f"'{text}' has an implausible year {year}; expected 1900 to 2100")
        if match.group(2) is not None and not 1 <= month <= 12:
            raise ValueError(f"'{text}' is not a date: month {month} does not exist")
        if match.group(3) is not None:
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                raise ValueError(f"'{text}' is not a date: {calendar.month_name[month]} {year} has {last} days")
        return cls(year, month, day)

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        """Return a day-precision PartialDate for a ``datetime.date``."""
        return cls(value.year, value.month, value.day)

    @property
    def precision(self) -> str:
        """Return 'year', 'month' or 'day'."""
        if not self.month:
            return "year"
        return "day" if self.day else "month"

    def first_day(self) -> dt.date:
        """Return the earliest calendar day the value can mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """Return the latest calendar day the value can mean."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def label(self) -> str:
        """Return the value as prose: '2023', 'November 2023' or '20 November 2023'."""
        if not self.month:
            return str(self.year)
        name = calendar.month_name[self.month]
        return f"{self.day} {name} {self.year}" if self.day else f"{name} {self.year}"

    def __str__(self) -> str:
        if not self.month:
            return f"{self.year:04d}"
        if not self.day:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


MAX_DAYS = 100 * 365
AS_OF_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))


def parse_as_of(text: str | None, today: dt.date | None = None) -> dt.date:
    """Return the as-of date for ``--as-of`` (YYYY-MM-DD, 'today'); raises ValueError."""
    if text is None or text.strip().lower() in ("", "today"):
        return today or dt.date.today()
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date; expected YYYY-MM-DD, for example 2026-11-01") from None
    if not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
        # Profiles look 24 months back and letters weeks ahead; the calendar's ends are not dates anyone means.
        first, last = (d.isoformat() for d in AS_OF_RANGE)
        raise ValueError(f"'{text}' is outside the dates engage works with ({first} to {last})")
    return day


def parse_days(text: str) -> int:
    """Return a duration in days from '60d', '8w', '3m', '1y' or a bare number; raises ValueError."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a duration; expected a number of days like 60d, 8w or 3m")
    days = int(match.group(1)) * _UNIT_DAYS[match.group(2).lower()]
    if days > MAX_DAYS:
        raise ValueError(f"'{text}' is too long a span; give at most {MAX_DAYS // 365} years")
    return days


def months_between(earlier: dt.date, later: dt.date) -> float:
    """Return the (fractional) number of months from ``earlier`` to ``later``; negative if reversed."""
    return (later - earlier).days / 30.4375
