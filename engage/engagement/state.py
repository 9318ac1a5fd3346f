"""Where an engagement stands at a date, the next step the ladder suggests, and reply statistics.

States: ``none`` (no letter yet), ``awaiting-response`` (the latest letter's deadline has
not passed), ``overdue`` (it has, and no response came since the letter), ``responded`` (a
response came since the latest letter), ``escalate`` (a ladder step taken by a statement,
vote, resolution or escalation is due; a due follow-up letter is the next step of an
overdue engagement, not an escalation).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..workspace import LadderStep
from .ladder import StepStatus, ladder_status
from .log import EngagementLog, Event

__all__ = ["STATES", "EngagementState", "ReplyStats", "engagement_state", "reply_stats"]

STATES: tuple[str, ...] = ("none", "awaiting-response", "overdue", "responded", "escalate")


@dataclass(frozen=True)
class EngagementState:
    """An engagement at a date: its state, the latest letter, the next step and the next deadline."""

    state: str
    last_letter: Event | None = None
    last_response: Event | None = None
    next_step: str | None = None
    next_deadline: dt.date | None = None
    step: str | None = None  # the id of the ladder step due or next

    @property
    def respond_by(self) -> dt.date | None:
        """Return the latest letter's deadline, or None."""
        return self.last_letter.respond_by if self.last_letter else None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON of ``engage agenda --json``'s "engagement": state, last_letter, respond_by, next_step."""
        return {
            "state": self.state,
            "last_letter": self.last_letter.date.isoformat() if self.last_letter else None,
            "respond_by": self.respond_by.isoformat() if self.respond_by else None,
            "next_step": self.next_step,
            "next_deadline": self.next_deadline.isoformat() if self.next_deadline else None,
        }


NO_LOG = EngagementState("none")


def _day(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def _pending(statuses: Sequence[StepStatus], as_of: dt.date) -> StepStatus | None:
    """Return the earliest step whose clock runs and that is not yet due or taken."""
    waiting = [s for s in statuses if s.due is not None and s.due > as_of and s.taken is None]
    return min(waiting, key=lambda s: s.due or dt.date.max) if waiting else None


def engagement_state(log: EngagementLog | None, ladder: Sequence[LadderStep], as_of: dt.date) -> EngagementState:
    """Return the state of ``log`` at ``as_of`` (events after it are not known yet); ``none`` without a log."""
    if log is None:
        return NO_LOG
    known = log.until(as_of)
    letters = known.letters()
    if not letters:
        return NO_LOG
    latest = letters[-1]
    responses = [e for e in known.events if e.kind == "response" and e.date >= latest.date]
    last_response = responses[-1] if responses else None
    if last_response is not None:
        state = "responded"
    elif latest.respond_by is None or as_of <= latest.respond_by:
        state = "awaiting-response"
    else:
        state = "overdue"
    statuses = ladder_status(known, ladder)
    fired = [s for s in statuses if s.fired(as_of)]
    escalation = next((s for s in fired if s.step.taken_by != "letter"), None)
    if escalation is not None:
        state = "escalate"
    due = escalation or (fired[0] if fired else None)
    if due is not None:
        assert due.due is not None
        text = f"{due.step.action} ({due.reason}; due from {_day(due.due)})"
        return EngagementState(state, latest, last_response, text, due.due, due.step.id)
    pending = _pending(statuses, as_of)
    if state == "awaiting-response":
        assert latest.respond_by is not None
        text = f"Await the reply due by {_day(latest.respond_by)}"
        return EngagementState(state, latest, last_response, text, latest.respond_by, None)
    if pending is not None:
        assert pending.due is not None
        lead = (
            f"Chase the reply due by {_day(latest.respond_by)}; then: "
            if state == "overdue" and latest.respond_by
            else ""
        )
        text = f"{lead}{pending.step.action} from {_day(pending.due)} ({pending.reason})"
        return EngagementState(state, latest, last_response, text, pending.due, pending.step.id)
    return EngagementState(state, latest, last_response, None, None, None)


@dataclass(frozen=True)
class ReplyStats:
    """Letters sent in a period, how many were answered, and the median days to the first reply."""

    letters: int
    answered: int
    median_days: float | None

    @property
    def rate(self) -> float | None:
        """Return the share of letters answered (0-1), or None when no letter was sent."""
        return self.answered / self.letters if self.letters else None

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values: letters, answered, response_rate (0-1) and median_days_to_reply."""
        return {
            "letters": self.letters,
            "answered": self.answered,
            "response_rate": round(self.rate, 4) if self.rate is not None else None,
            "median_days_to_reply": self.median_days,
        }


def reply_stats(log: EngagementLog | None, start: dt.date | None, end: dt.date) -> ReplyStats:
    """Return the reply statistics of letters sent from ``start`` (None: the start) to ``end``, replies up to ``end``.

    A letter is answered by the first response on or before ``end`` that replies to it (the
    response's ``letter:``, else the latest letter on or before the response).
    """
    if log is None:
        return ReplyStats(0, 0, None)
    known = log.until(end)
    sent = [e for e in known.letters() if start is None or e.date >= start]
    days: list[int] = []
    for letter in sent:
        first = next(
            (e for e in known.events if e.kind == "response" and known.replied_letter(e) is letter),
            None,
        )
        if first is not None:
            days.append((first.date - letter.date).days)
    median = float(statistics.median(days)) if days else None
    return ReplyStats(len(sent), len(days), median)
