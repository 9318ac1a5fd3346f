"""The brief's engagement section: objectives and their milestones, the timeline, the state and the next step.

``build_engagement`` reads the investor's own log (``engagements/<company-id>.yaml``) as known
at the brief's date: events dated after it, and objectives set after it, are left out. The
log is private and not evidence: nothing here is cited in the references or enters a score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..engagement.history import ask_wording
from ..engagement.ladder import objective_levels
from ..engagement.log import MILESTONE_LEVELS, EngagementLog, Event
from ..engagement.report import describe
from ..engagement.state import EngagementState, engagement_state, reply_stats
from ..taxonomy import Taxonomy
from ..workspace import LadderStep
from .brief_view import EngagementView, EventRow, LetterAskRow, ObjectiveRow
from .environment import date_label

__all__ = ["MAX_EVENTS", "STATE_LABELS", "build_engagement"]

#: The timeline shows the newest events up to this many; the section says how many earlier ones the log holds.
MAX_EVENTS = 20

STATE_LABELS = {
    "none": "No letter yet",
    "awaiting-response": "Awaiting a reply",
    "overdue": "Reply overdue",
    "responded": "Replied",
    "escalate": "Escalation due",
}


def build_engagement(
    log: EngagementLog | None, ladder: Sequence[LadderStep], as_of: dt.date, taxonomy: Taxonomy
) -> EngagementView | None:
    """Return the engagement section of a brief dated ``as_of``, or None when the company has no log."""
    if log is None:
        return None
    known = log.until(as_of)
    state = engagement_state(log, ladder, as_of)
    letters = known.letters()
    latest = letters[-1] if letters else None
    events = known.events[-MAX_EVENTS:]
    return EngagementView(
        source=log.label,
        state=state.state,
        state_label=STATE_LABELS[state.state],
        state_detail=_state_detail(known, state, as_of),
        next_step=state.next_step,
        next_deadline=state.next_deadline,
        replies=_replies(known, as_of),
        objectives=_objectives(known, as_of, taxonomy),
        letter=latest.date if latest is not None else None,
        asks=_asks(known, latest) if latest is not None else (),
        events=tuple(_event_row(e, ladder) for e in events),
        earlier=len(known.events) - len(events),
    )


def _state_detail(known: EngagementLog, state: EngagementState, as_of: dt.date) -> str:
    """Return the state in a sentence: which letter, which deadline, which reply."""
    letter = state.last_letter
    if letter is None:
        return f"The log records no letter on or before {date_label(as_of)}."
    sent = f"the letter of {date_label(letter.date)}"
    due = f", which asked for a reply by {date_label(letter.respond_by)}" if letter.respond_by else ""
    if state.last_response is not None:
        replied = f"The company replied on {date_label(state.last_response.date)} to {sent}"
        return replied + (f"{due}." if state.state != "escalate" else "; a step of the escalation ladder is due.")
    if state.state == "awaiting-response":
        return f"No reply yet to {sent}{due}."
    if state.state == "overdue":
        return f"No reply to {sent}{due}."
    return f"No reply to {sent}{due}; a step of the escalation ladder is due."


def _replies(known: EngagementLog, as_of: dt.date) -> str:
    """Return the reply record in words: letters answered, and the median days to the first reply."""
    stats = reply_stats(known, None, as_of)
    if not stats.letters:
        return "No letter sent yet."
    text = f"{stats.answered} of {stats.letters} letter{'s' if stats.letters != 1 else ''} answered"
    if stats.median_days is not None:
        text += f"; median {stats.median_days:g} days to the first reply"
    return text + "."


def _objectives(known: EngagementLog, as_of: dt.date, taxonomy: Taxonomy) -> tuple[ObjectiveRow, ...]:
    """Return the objectives set on or before ``as_of`` (or undated), each with its highest milestone."""
    levels = objective_levels(known)
    rows = []
    for o in known.objectives:
        if o.set is not None and o.set > as_of:
            continue
        level, milestone = levels[o.id]
        rows.append(
            ObjectiveRow(
                id=o.id,
                ask=o.ask,
                area=taxonomy.area(o.area).short if o.area in taxonomy.keys else o.area,
                level=level,
                level_name=MILESTONE_LEVELS.get(level, "no milestone yet"),
                reached=date_label(milestone.date) if milestone is not None else None,
                set=date_label(o.set) if o.set else None,
                due=date_label(o.due) if o.due else None,
                past_due=o.due is not None and o.due < as_of and level < max(MILESTONE_LEVELS),
            )
        )
    return tuple(rows)


def _asks(known: EngagementLog, letter: Event) -> tuple[LetterAskRow, ...]:
    """Return the asks of ``letter``, each with the date a reply first named it."""
    answered: dict[str, dt.date] = {}
    for e in known.events:
        if e.kind == "response" and known.replied_letter(e) is letter:
            for ask in e.answers:
                answered.setdefault(ask, e.date)
    return tuple(
        LetterAskRow(a, ask_wording(known, letter, a), date_label(answered[a]) if a in answered else None)
        for a in letter.asks
    )


def _event_row(e: Event, ladder: Sequence[LadderStep]) -> EventRow:
    """Return one event of the timeline: its date, kind, what happened and the log's own note on it."""
    what = describe(e)
    if e.kind == "escalation":
        step = next((s for s in ladder if s.id == e.step), None)
        what = f"Escalation: {step.action}" if step is not None else what
        what += f" ({e.text})" if e.text else ""
    notes = [n for n in (e.evidence, e.rationale, e.summary) if n]
    return EventRow(date_label(e.date), e.kind, what, " ".join(notes))
