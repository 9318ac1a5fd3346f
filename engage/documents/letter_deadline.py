"""A letter's response deadline: working days, the deadline rule, and the warnings a sender should see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

__all__ = [
    "CLOSED_DAYS",
    "DEFAULT_RESPOND_BEFORE_AGM_DAYS",
    "DEFAULT_RESPOND_WITHIN_DAYS",
    "LUNAR_NEW_YEAR",
    "LUNAR_NEW_YEAR_COUNTRIES",
    "MIN_RESPONSE_DAYS",
    "Deadline",
    "after_agm_warning",
    "closed_for",
    "is_working_day",
    "lunar_new_year_warning",
    "no_agm_warning",
    "response_deadline",
    "weekend_warning",
]

#: Eight weeks: a board can gather, check and approve an answer in that time; readers set six weeks as the
#: floor and compared six with the about ten weeks of the Investor Alliance for Human Rights' 2020 letters.
DEFAULT_RESPOND_WITHIN_DAYS = 56
DEFAULT_RESPOND_BEFORE_AGM_DAYS = 21
#: A deadline before the AGM is used only when it leaves the company at least this long to answer.
MIN_RESPONSE_DAYS = 14
#: The year-end break no deadline falls in, whatever the country: 24 December to 2 January. Weekends neither.
CLOSED_DAYS: frozenset[tuple[int, int]] = frozenset({(12, d) for d in range(24, 32)} | {(1, 1), (1, 2)})
#: Lunar New Year's day (the Chinese calendar's) by year, from Fact Monster's table of Chinese New Year
#: dates (factmonster.com/id/A0192339, "2027 | Feb. 6 |"). A year not listed closes no days.
LUNAR_NEW_YEAR: dict[int, dt.date] = {
    y: dt.date(y, m, d)
    for y, m, d in ((2025, 1, 29), (2026, 2, 17), (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3))
}
#: Where Lunar New Year closes offices for days: companies based there get no deadline from its eve
#: to the seventh day after it. That covers China's usual Spring Festival holiday and Korea's three days
#: of Seollal, which can fall a day after China's New Year (as in 2027); a year's official holiday can
#: start earlier (Taiwan's has), which a deadline a week after the New Year still clears.
LUNAR_NEW_YEAR_COUNTRIES = frozenset({"CN", "HK", "TW", "KR"})


@dataclass(frozen=True)
class Deadline:
    """The response deadline and the rule that set it ('respond-by', 'before-agm' or 'after-letter')."""

    date: dt.date
    rule: str
    explanation: str


def no_agm_warning(
    company_id: str, file_name: str, recorded: dt.date | None = None, expected: dt.date | None = None
) -> str:
    """Return the warning for a pre-AGM letter to a company without an announced upcoming AGM.

    ``recorded``: an announced AGM that has passed; ``expected``: the AGM estimated from past ones.
    """
    had = f" (the recorded one, {recorded.isoformat()}, has passed)" if recorded else ""
    if expected is not None:
        return (
            f"{company_id}: no upcoming AGM is announced{had}; one is expected in {expected.strftime('%B %Y')} "
            "from past meetings, so the pre-AGM letter names that month as an expectation, not a date; "
            f"add 'agm: YYYY-MM-DD' to {file_name} once it is announced"
        )
    return (
        f"{company_id}: no upcoming AGM is recorded{had}, so the pre-AGM letter names no meeting date; "
        f"add 'agm: YYYY-MM-DD' to {file_name} to name it"
    )


def closed_for(day: dt.date, country: str | None = None) -> str | None:
    """Return the break ``day`` falls in for a company based in ``country`` ('the year-end break',
    'Lunar New Year'), else None (weekends are not breaks)."""
    if (day.month, day.day) in CLOSED_DAYS:
        return "the year-end break"
    if country in LUNAR_NEW_YEAR_COUNTRIES:
        new_year = LUNAR_NEW_YEAR.get(day.year)
        if new_year is not None and -1 <= (day - new_year).days <= 7:
            return "Lunar New Year"
    return None


def is_working_day(day: dt.date, country: str | None = None) -> bool:
    """Return False for Saturdays, Sundays, 24 December to 2 January and, for a company based in a
    Lunar New Year country, the eve of Lunar New Year to its seventh day; True otherwise."""
    return day.weekday() < 5 and closed_for(day, country) is None


def _working_day_on_or_before(day: dt.date, country: str | None = None) -> dt.date:
    while not is_working_day(day, country):
        day -= dt.timedelta(days=1)
    return day


def _working_day_on_or_after(day: dt.date, country: str | None = None) -> dt.date:
    while not is_working_day(day, country):
        day += dt.timedelta(days=1)
    return day


def _moved(rule_text: str, wanted: dt.date, got: dt.date, country: str | None = None) -> str:
    if wanted == got:
        return rule_text
    way = "forward" if got > wanted else "back"
    reason = closed_for(wanted, country)
    within = f" (in {reason})" if reason else ""
    return f"{rule_text}, moved {way} from {wanted.strftime('%A')} {wanted.isoformat()}{within} to a working day"


def weekend_warning(respond_by: dt.date) -> str | None:
    """Return a warning when an explicit response date is not a working day (it is kept as given), else None."""
    if is_working_day(respond_by):
        return None
    what = "a " + respond_by.strftime("%A") if respond_by.weekday() >= 5 else "in the year-end break (24 Dec-2 Jan)"
    return (
        f"--respond-by {respond_by.isoformat()} is {what}; the letter asks for a response on that day as given "
        f"(the last working day before it is {_working_day_on_or_before(respond_by).isoformat()})"
    )


def lunar_new_year_warning(company_id: str, respond_by: dt.date, country: str | None) -> str | None:
    """Return a company's warning when an explicit response date falls in its Lunar New Year week, else None.

    ``weekend_warning`` speaks for the whole run (weekends and the year-end break); this week
    depends on where each company is based.
    """
    if closed_for(respond_by, country) != "Lunar New Year":
        return None
    return (
        f"{company_id}: --respond-by {respond_by.isoformat()} is in the Lunar New Year week where the company "
        f"is based ({country}); the letter asks for a response on that day as given (the last working day "
        f"before it is {_working_day_on_or_before(respond_by, country).isoformat()})"
    )


def after_agm_warning(respond_by: dt.date, agm: dt.date | None, expected: dt.date | None = None) -> str | None:
    """Return a warning when an explicit response date falls on or after the (expected) AGM, else None."""
    if agm is not None and respond_by >= agm:
        return (
            f"--respond-by {respond_by.isoformat()} is on or after the AGM on {agm.isoformat()}: "
            "a reply then is no use to a vote"
        )
    if agm is None and expected is not None and respond_by >= expected.replace(day=1):
        return (
            f"--respond-by {respond_by.isoformat()} is after the start of {expected.strftime('%B %Y')}, "
            "when the AGM is expected: a reply then may come too late for the vote"
        )
    return None


def response_deadline(
    letter_date: dt.date,
    agm: dt.date | None,
    letter_settings: Mapping[str, Any] | None = None,
    respond_by: dt.date | None = None,
    expected_agm: dt.date | None = None,
    country: str | None = None,
) -> Deadline:
    """Return the response deadline; raises UsageError when ``respond_by`` is not after the letter date.

    The rule: an explicit ``respond_by`` wins, as given (``after_agm_warning`` says when it
    falls after the AGM). Otherwise ``respond_within_days`` (default 56, eight weeks) after the
    letter date, not counting the days of the 24 December-2 January break (nor, for a company
    based in ``LUNAR_NEW_YEAR_COUNTRIES`` (``country``), of the Lunar New Year week), moved
    forward off weekends and breaks, so a company always has that many days outside them; but
    no later than ``respond_before_agm_days`` (default 21) before a recorded AGM, moved back
    to a working day, when that still leaves at least ``MIN_RESPONSE_DAYS`` (14); else the
    last working day before the AGM.

    An AGM only *expected* from past meetings (``expected_agm``, used when ``agm`` is None)
    counts conservatively: as if the meeting were on the first day of its expected month.
    """
    cfg = letter_settings or {}
    if respond_by is not None:
        if respond_by <= letter_date:
            raise UsageError(
                f"the response date {respond_by.isoformat()} is not after the letter date {letter_date.isoformat()}"
            )
        return Deadline(respond_by, "respond-by", f"given explicitly ({respond_by.isoformat()})")
    before = int(cfg.get("respond_before_agm_days", DEFAULT_RESPOND_BEFORE_AGM_DAYS))
    within = int(cfg.get("respond_within_days", DEFAULT_RESPOND_WITHIN_DAYS))
    # A break is no time to answer in: the window runs until it holds ``within`` days outside any
    # break, so one that spans a break (or runs into a second one) is longer by the closed days.
    closed: dict[str, int] = {}
    wanted, open_days = letter_date, 0
    while open_days < within:
        wanted += dt.timedelta(days=1)
        reason = closed_for(wanted, country)
        if reason is None:
            open_days += 1
        else:
            closed[reason] = closed.get(reason, 0) + 1
    candidate = _working_day_on_or_after(wanted, country)
    meeting, what = None, ""
    if agm is not None and agm > letter_date:
        meeting, what = agm, f"the AGM on {agm.isoformat()}"
    elif agm is None and expected_agm is not None and expected_agm.replace(day=1) > letter_date:
        meeting = expected_agm.replace(day=1)
        what = f"the start of {expected_agm.strftime('%B %Y')}, when the AGM is expected from past meetings"
    if meeting is not None and candidate > meeting - dt.timedelta(days=before):
        cap_wanted = meeting - dt.timedelta(days=before)
        cap = _working_day_on_or_before(cap_wanted, country)
        if cap >= letter_date + dt.timedelta(days=MIN_RESPONSE_DAYS):
            return Deadline(cap, "before-agm", _moved(f"{before} days before {what}", cap_wanted, cap, country))
        last = _working_day_on_or_before(meeting - dt.timedelta(days=1), country)
        if last > letter_date:
            return Deadline(last, "before-agm", f"the last working day before {what}")
        # An AGM just after the year-end break leaves no working day: the last weekday before it.
        day = meeting - dt.timedelta(days=1)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        if day > letter_date:
            return Deadline(day, "before-agm", f"the last weekday before {what} (no working day is left)")
    extra = " and ".join(f"{n} days of {reason}" for reason, n in closed.items())
    rule = f"{within} days after the letter date" + (f", plus {extra}" if extra else "")
    return Deadline(candidate, "after-letter", _moved(rule, wanted, candidate, country))
