"""A company's next AGM at a date: the announced one, else an estimate from its past AGMs.

The one rule, used by the agenda, batch selection, the index, ``engage list``, the brief
and the letter:

- an announced ``agm`` on or after the as-of date is the next AGM, as a fact;
- otherwise (no ``agm``, or one already past) the next AGM is *expected*: the latest
  recorded past AGM (``agms``) held on or before the as-of date, with a source known then,
  moved to the same month and the same ordinal weekday (the second Wednesday of May stays
  the second Wednesday of May) in the first later year whose date falls after the as-of
  date. A fifth weekday reads as the last such weekday of the month, so a year whose month
  has only four moves to the fourth;
- no past AGM known at the date: no next AGM.

An estimate is only a pattern of past meetings, never a date to state as fact: every
document that shows one labels it as expected.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .asof import agm_known
from .records import Company

__all__ = ["NextAgm", "estimate_agm", "next_agm", "past_agms"]


@dataclass(frozen=True)
class NextAgm:
    """The next AGM: its date, whether it is an estimate, and (if so) the past AGM it follows."""

    date: dt.date
    expected: bool = False
    basis: dt.date | None = None

    def days_from(self, as_of: dt.date) -> int:
        """Return the days from ``as_of`` to the meeting."""
        return (self.date - as_of).days

    def label(self) -> str:
        """Return the date for a table: '2027-05-05', or '2027-05-12 (expected)' for an estimate."""
        return f"{self.date.isoformat()} (expected)" if self.expected else self.date.isoformat()


def past_agms(company: Company, as_of: dt.date) -> tuple[dt.date, ...]:
    """Return the dates of the company's AGMs held on or before ``as_of`` with a source known then, oldest first."""
    return tuple(sorted(m.date for m in company.agms if agm_known(m, as_of)))


def _ordinal_weekday(year: int, month: int, weekday: int, ordinal: int) -> dt.date:
    """Return the ``ordinal``-th ``weekday`` (0 = Monday) of a month; 5 means the last one."""
    first = dt.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (ordinal - 1)
    last = calendar.monthrange(year, month)[1]
    while day > last:
        day -= 7
    return dt.date(year, month, day)


def estimate_agm(past: Iterable[dt.date], as_of: dt.date) -> dt.date | None:
    """Return the expected next AGM after ``as_of`` from past AGM dates (see the module rule), or None when none."""
    latest = max((d for d in past if d <= as_of), default=None)
    if latest is None:
        return None
    ordinal = (latest.day - 1) // 7 + 1
    year = latest.year + 1
    while True:
        day = _ordinal_weekday(year, latest.month, latest.weekday(), ordinal)
        if day > as_of:
            return day
        year += 1


def next_agm(company: Company, as_of: dt.date) -> NextAgm | None:
    """Return the company's next AGM at ``as_of``: the announced one, else the estimate, else None."""
    if company.agm is not None and company.agm >= as_of:
        return NextAgm(company.agm)
    past = past_agms(company, as_of)
    expected = estimate_agm(past, as_of)
    if expected is None:
        return None
    return NextAgm(expected, expected=True, basis=past[-1])
