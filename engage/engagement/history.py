"""What a letter says about the engagement so far: the previous letter, answered and open asks, milestones.

``letter_history`` reads the log as known the day before the letter (a letter recorded on
its own date is not its own predecessor) and words it as plain text, which each letter
format escapes. A first letter to a company with a history says so; a follow-up or pre-AGM
letter names the previous letter's date, the asks answered (with the response's date) and
those still open, and acknowledges the milestones the company has reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .ladder import objective_levels
from .log import MILESTONE_LEVELS, EngagementLog, Event

__all__ = ["LetterHistory", "ask_wording", "letter_history"]


@dataclass(frozen=True)
class LetterHistory:
    """The engagement so far, worded for a letter: plain text, unescaped."""

    intro: str
    previous: dt.date | None = None
    answered_intro: str = ""
    answered: tuple[str, ...] = ()
    unanswered_intro: str = ""
    unanswered: tuple[str, ...] = ()
    milestones_intro: str = ""
    milestones: tuple[str, ...] = ()


def _day(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def ask_wording(log: EngagementLog, letter: Event, ask_id: str) -> str:
    """Return how ``letter`` worded an ask: its recorded question, else the objective's ask, else its id."""
    text = letter.ask_text(ask_id)
    if text is None:
        objective = log.objective(ask_id)
        text = objective.ask if objective is not None else f"ask {ask_id}"
    return text


def _answers(log: EngagementLog, letter: Event) -> tuple[list[Event], dict[str, dt.date], bool]:
    """Return the responses to ``letter``, when each ask was first answered, and whether a response named none."""
    responses = [e for e in log.events if e.kind == "response" and log.replied_letter(e) is letter]
    answered: dict[str, dt.date] = {}
    unspecified = False
    for r in responses:
        if not r.answers:
            unspecified = True
        for ask in r.answers:
            answered.setdefault(ask, r.date)
    return responses, answered, unspecified


def _milestones(log: EngagementLog) -> tuple[str, ...]:
    """Return, per objective the company has moved on (level 2 and up), its level and when it was reached."""
    out = []
    for objective in log.objectives:
        level, event = objective_levels(log)[objective.id]
        if level >= 2 and event is not None:
            out.append(f"{objective.ask.rstrip('.')}: {MILESTONE_LEVELS[level]} ({_day(event.date)})")
    return tuple(out)


def letter_history(log: EngagementLog | None, as_of: dt.date, stage: str, company_name: str) -> LetterHistory | None:
    """Return what a letter dated ``as_of`` at ``stage`` says of the engagement so far, or None without a history."""
    if log is None:
        return None
    known = log.until(as_of - dt.timedelta(days=1))
    letters = known.letters()
    if not letters:
        return None
    previous = letters[-1]
    milestones = _milestones(known)
    milestones_intro = "We welcome the progress the company has made since we first wrote:" if milestones else ""
    if stage == "first":
        return LetterHistory(
            f"This letter opens a new round of our engagement with {company_name}: we have written to the company "
            f"before, most recently on {_day(previous.date)}.",
            previous.date,
            milestones_intro=milestones_intro,
            milestones=milestones,
        )
    asks = list(previous.asks)
    deadline = f" and asked for a reply by {_day(previous.respond_by)}" if previous.respond_by else ""
    count = f" with {len(asks)} ask{'s' if len(asks) != 1 else ''}" if asks else ""
    intro = f"We wrote to {company_name} on {_day(previous.date)}{count}{deadline}."
    responses, answered, unspecified = _answers(known, previous)
    answered_lines = tuple(
        f"{ask_wording(known, previous, a).rstrip('.')} (answered on {_day(answered[a])})"
        for a in asks
        if a in answered
    )
    open_asks = tuple(ask_wording(known, previous, a) for a in asks if a not in answered)
    if not responses:
        intro += " We have not received a response."
        unanswered_intro = "The asks of that letter remain open, and we ask again that the company address them:"
    else:
        dates = ", ".join(_day(r.date) for r in responses)
        intro += f" We are grateful for the company's response{'s' if len(responses) > 1 else ''} of {dates}."
        unanswered_intro = (
            "The following asks of that letter remain unanswered, and we ask again that the company address them:"
        )
    if unspecified and not answered:
        open_asks = ()  # a reply that named no ask: we cannot say which remain open
    return LetterHistory(
        intro,
        previous.date,
        "The company's reply addressed:" if answered_lines else "",
        answered_lines,
        unanswered_intro if open_asks else "",
        open_asks,
        milestones_intro,
        milestones,
    )
