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
    "MIN_RESPONSE_DAYS",
    "Deadline",
    "is_working_day",
    "no_agm_warning",
    "response_deadline",
    "weekend_warning",
]

DEFAULT_RESPOND_WITHIN_DAYS = 28
DEFAULT_RESPOND_BEFORE_AGM_DAYS = 21
#: A deadline before the AGM is used only when it leaves the company at least this long to answer.
MIN_RESPONSE_DAYS = 14
#: Days no office answers on, whatever the country: (month, day). Weekends are not working days either.
CLOSED_DAYS: frozenset[tuple[int, int]] = frozenset({(12, 25), (12, 26), (1, 1)})


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


def is_working_day(day: dt.date) -> bool:
    """Return False for Saturdays, Sundays, 25 and 26 December and 1 January; True otherwise."""
    return day.weekday() < 5 and (day.month, day.day) not in CLOSED_DAYS


def _working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _moved(rule_text: str, wanted: dt.date, got: dt.date) -> str:
    if wanted == got:
        return rule_text
    return f"{rule_text}, moved back from {wanted.strftime('%A')} {wanted.isoformat()} to a working day"


def weekend_warning(respond_by: dt.date) -> str | None:
    """Return a warning when an explicit response date is not a working day (it is kept as given), else None."""
    if is_working_day(respond_by):
        return None
    what = "a " + respond_by.strftime("%A") if respond_by.weekday() >= 5 else "a public holiday in most countries"
    return (
        f"--respond-by {respond_by.isoformat()} is {what}; the letter asks for a response on that day as given "
        f"(the last working day before it is {_working_day_on_or_before(respond_by).isoformat()})"
    )


def response_deadline(
    letter_date: dt.date,
    agm: dt.date | None,
    letter_settings: Mapping[str, Any] | None = None,
    respond_by: dt.date | None = None,
    expected_agm: dt.date | None = None,
) -> Deadline:
    """Return the response deadline; raises UsageError when ``respond_by`` is not after the letter date.

    The rule: an explicit ``respond_by`` wins, as given; else ``respond_before_agm_days``
    (default 21) before a recorded AGM, when that still leaves at least ``MIN_RESPONSE_DAYS``
    (14) after the letter date; else ``respond_within_days`` (default 28) after the letter
    date, but never on or after the AGM. A computed date that falls on a weekend (or 25-26
    December, 1 January) moves back to the working day before it.

    An AGM only *expected* from past meetings (``expected_agm``, used when ``agm`` is None)
    counts conservatively: as if the meeting were on the first day of its expected month,
    since the real one may come a week or two earlier than the pattern says.
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
    earliest = letter_date + dt.timedelta(days=MIN_RESPONSE_DAYS)
    if agm is None and expected_agm is not None and expected_agm > letter_date:
        return _before_expected(letter_date, expected_agm, before, within, earliest)
    if agm is not None:
        wanted = agm - dt.timedelta(days=before)
        candidate = _working_day_on_or_before(wanted)
        if candidate >= earliest:
            why = _moved(f"{before} days before the AGM on {agm.isoformat()}", wanted, candidate)
            return Deadline(candidate, "before-agm", why)
    wanted = letter_date + dt.timedelta(days=within)
    candidate = _working_day_on_or_before(wanted)
    if agm is not None and candidate >= agm:
        # A reply after the meeting is no use to a vote: the last working day before it, if any is left.
        last = _working_day_on_or_before(agm - dt.timedelta(days=1))
        if last > letter_date:
            return Deadline(last, "before-agm", f"the last working day before the AGM on {agm.isoformat()}")
    return Deadline(candidate, "after-letter", _moved(f"{within} days after the letter date", wanted, candidate))


def _before_expected(letter_date: dt.date, expected: dt.date, before: int, within: int, earliest: dt.date) -> Deadline:
    """Return the deadline for an AGM expected (not announced): counted from the first day of its month."""
    start = expected.replace(day=1)
    what = f"the start of {expected.strftime('%B %Y')}, when the AGM is expected from past meetings"
    if start > letter_date:
        wanted = start - dt.timedelta(days=before)
        candidate = _working_day_on_or_before(wanted)
        if candidate >= earliest:
            return Deadline(candidate, "before-agm", _moved(f"{before} days before {what}", wanted, candidate))
    wanted = letter_date + dt.timedelta(days=within)
    candidate = _working_day_on_or_before(wanted)
    if start > letter_date and candidate >= start:
        last = _working_day_on_or_before(start - dt.timedelta(days=1))
        if last > letter_date:
            return Deadline(last, "before-agm", f"the last working day before {what}")
    return Deadline(candidate, "after-letter", _moved(f"{within} days after the letter date", wanted, candidate))
