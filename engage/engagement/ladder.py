"""The escalation ladder at a date: which step is due, since when, and which is next.

A step's clock starts with its trigger: ``no-response`` at the deadline of the latest letter
when no response has come since it; ``no-progress`` at the last milestone that raised an open
objective's level (else when the earliest open objective was set, else the first letter);
``after-previous`` when the step before it was taken with no progress since. The step is due
``days`` later, and taken by an event of its ``taken_by`` kind after the clock started (a vote
counts unless it was cast for management's item; an ``escalation`` event names its step).
The ladder applies once a letter has been sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..workspace import LadderStep
from .log import EngagementLog, Event

__all__ = ["StepStatus", "ladder_status", "last_progress", "objective_levels"]


@dataclass(frozen=True)
class StepStatus:
    """One ladder step at a date: when its clock started, when it falls due, whether it was taken."""

    step: LadderStep
    started: dt.date | None  # None: the trigger has not started
    due: dt.date | None
    taken: Event | None
    reason: str  # why the clock started, in words

    def fired(self, as_of: dt.date) -> bool:
        """Return whether the step is due at ``as_of`` and not yet taken."""
        return self.due is not None and self.due <= as_of and self.taken is None


def objective_levels(log: EngagementLog) -> dict[str, tuple[int, Event | None]]:
    """Return each objective's highest milestone level and the milestone that reached it (0, None: none yet)."""
    out: dict[str, tuple[int, Event | None]] = {o.id: (0, None) for o in log.objectives}
    for e in log.events:
        if e.kind == "milestone" and e.objective in out and e.level is not None and e.level > out[e.objective][0]:
            out[e.objective] = (e.level, e)
    return out


def last_progress(log: EngagementLog) -> dt.date | None:
    """Return when open objectives last moved: the latest level-raising milestone, else the start; None if none open."""
    levels = objective_levels(log)
    open_ids = [o for o, (level, _) in levels.items() if level < 4]
    if not open_ids:
        return None
    raised = [m.date for level, m in levels.values() if m is not None]
    if raised:
        return max(raised)
    starts = [o.set for o in log.objectives if o.id in open_ids and o.set is not None]
    letters = log.letters()
    if starts:
        return min(starts)
    return letters[0].date if letters else None


def _takes(event: Event, step: LadderStep) -> bool:
    if event.kind == "escalation":
        return event.step == step.id
    if event.kind != step.taken_by:
        return False
    return not (event.kind == "vote" and event.how == "for")


def _taken(events: Sequence[Event], step: LadderStep, after: dt.date) -> Event | None:
    return next((e for e in events if e.date > after and _takes(e, step)), None)


def _day(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def ladder_status(log: EngagementLog, ladder: Sequence[LadderStep]) -> list[StepStatus]:
    """Return every step of ``ladder`` for a log already cut at the as-of date (``EngagementLog.until``)."""
    letters = log.letters()
    if not letters:
        return [StepStatus(step, None, None, None, "no letter yet") for step in ladder]
    latest = letters[-1]
    answered = any(e.kind == "response" and e.date >= latest.date for e in log.events)
    progress = last_progress(log)
    out: list[StepStatus] = []
    previous: StepStatus | None = None
    for step in ladder:
        started: dt.date | None = None
        reason = ""
        if step.trigger == "no-response" and not answered and latest.respond_by is not None:
            started = latest.respond_by
            reason = f"no response since the letter of {_day(latest.date)}, due by {_day(latest.respond_by)}"
        elif step.trigger == "no-progress" and progress is not None:
            started = progress
            reason = f"no milestone progress since {_day(progress)}"
        elif step.trigger == "after-previous" and previous is not None and previous.taken is not None:
            taken_on = previous.taken.date
            if progress is None or progress <= taken_on:
                started = taken_on
                reason = f"no progress since the {previous.step.id} step on {_day(taken_on)}"
        due = started + dt.timedelta(days=step.days) if started is not None else None
        taken = _taken(log.events, step, started) if started is not None else None
        status = StepStatus(step, started, due, taken, reason)
        out.append(status)
        previous = status
    return out
