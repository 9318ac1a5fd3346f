"""The stewardship report over a period: per company, objectives, activity, outcomes and escalation.

Pure: ``build_report`` reads the engagement logs and the companies' records and returns
plain rows; ``engage.documents.report`` writes them as Markdown and as a workbook. Outcomes
include the policy and commitment records dated in the period (the public evidence beside
the investor's own log). Reply statistics sit beside the risk score, never in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..records import Company
from ..workspace import LadderStep
from .ladder import objective_levels
from .log import MILESTONE_LEVELS, EngagementLog, Event
from .state import EngagementState, ReplyStats, engagement_state, reply_stats

__all__ = ["ACTIVITY_KINDS", "CompanyReport", "StewardshipReport", "build_report", "describe", "report_tables"]

ACTIVITY_KINDS = ("letter", "meeting", "call", "vote", "resolution")
OUTCOME_KINDS = ("response", "milestone")
ESCALATION_KINDS = ("statement", "escalation", "vote", "resolution")


@dataclass(frozen=True)
class CompanyReport:
    """One company's engagement in the period."""

    company_id: str
    name: str
    objectives: tuple[tuple[str, str, str, int, str], ...]  # id, area, ask, level, level name (at the end date)
    activity: tuple[Event, ...]
    outcomes: tuple[tuple[dt.date, str, str], ...]  # date, kind, what
    escalation: tuple[Event, ...]
    stats: ReplyStats
    state: EngagementState


@dataclass(frozen=True)
class StewardshipReport:
    """The engagement of every company with a log, from ``start`` to ``end`` (both included)."""

    start: dt.date
    end: dt.date
    companies: tuple[CompanyReport, ...]


def _day(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def describe(e: Event) -> str:
    """Return an event in a line of words: 'Letter (follow-up): asks q1, q2; reply by 13 October 2026'."""
    if e.kind == "letter":
        parts = [
            f"asks {', '.join(e.asks)}" if e.asks else "",
            f"reply by {_day(e.respond_by)}" if e.respond_by else "",
        ]
        head = f"Letter ({e.stage})" if e.stage else "Letter"
        return head + ": " + "; ".join(p for p in parts if p) if any(parts) else head
    if e.kind == "response":
        answered = f" answering {', '.join(e.answers)}" if e.answers else ""
        return f"Response{answered}" + (f" ({e.quality})" if e.quality else "")
    if e.kind in ("meeting", "call"):
        return e.kind.capitalize() + (f" with {e.with_}" if e.with_ else "")
    if e.kind == "milestone":
        level = e.level or 0
        return f"Milestone on {e.objective}: level {level}, {MILESTONE_LEVELS.get(level, '')}"
    if e.kind == "vote":
        return f"Voted {e.how} {e.item}" + (f" at the meeting of {_day(e.meeting)}" if e.meeting else "")
    if e.kind == "resolution":
        support = f", {e.support:g}% support" if e.support is not None else ""
        return f"Resolution {e.filing} ({e.status}{support}): {e.text}"
    if e.kind == "statement":
        return f"Statement: {e.text}"
    return f"Escalation step {e.step}" + (f": {e.text}" if e.text else "")


def _within(d: dt.date, start: dt.date, end: dt.date) -> bool:
    return start <= d <= end


def _record_outcomes(company: Company | None, start: dt.date, end: dt.date) -> list[tuple[dt.date, str, str]]:
    """Return the company's policy and commitment records dated in the period (by their first possible day)."""
    if company is None:
        return []
    out = []
    for p in company.policies:
        if _within(p.date.first_day(), start, end):
            out.append((p.date.first_day(), "policy", f"{p.title} ({p.kind}, {p.status}; dated {p.date})"))
    for c in company.commitments:
        if _within(c.date.first_day(), start, end):
            out.append((c.date.first_day(), "commitment", f"{c.title} ({c.status}; dated {c.date})"))
    return out


def _company_report(
    log: EngagementLog, company: Company | None, ladder: Sequence[LadderStep], start: dt.date, end: dt.date
) -> CompanyReport:
    known = log.until(end)
    in_period = [e for e in known.events if _within(e.date, start, end)]
    levels = objective_levels(known)
    objectives = tuple(
        (o.id, o.area, o.ask, levels[o.id][0], MILESTONE_LEVELS.get(levels[o.id][0], "not yet raised"))
        for o in known.objectives
    )
    outcomes = [(e.date, e.kind, describe(e) + (f": {e.summary}" if e.summary else "")) for e in in_period
                if e.kind in OUTCOME_KINDS]  # fmt: skip
    outcomes += _record_outcomes(company, start, end)
    escalated = tuple(e for e in in_period if e.kind in ESCALATION_KINDS and not (e.kind == "vote" and e.how == "for"))
    return CompanyReport(
        log.company_id,
        company.name if company is not None else log.company_id,
        objectives,
        tuple(e for e in in_period if e.kind in ACTIVITY_KINDS),
        tuple(sorted(outcomes, key=lambda o: (o[0], o[1]))),
        escalated,
        reply_stats(log, start, end),
        engagement_state(log, ladder, end),
    )


def build_report(
    logs: Mapping[str, EngagementLog],
    companies: Mapping[str, Company],
    ladder: Sequence[LadderStep],
    start: dt.date,
    end: dt.date,
) -> StewardshipReport:
    """Return the stewardship report of every log from ``start`` to ``end``, companies by name."""
    reports = [_company_report(log, companies.get(cid), ladder, start, end) for cid, log in logs.items()]
    return StewardshipReport(start, end, tuple(sorted(reports, key=lambda r: (r.name.casefold(), r.company_id))))


def report_tables(report: StewardshipReport) -> list[tuple[str, tuple[str, ...], list[list[Any]]]]:
    """Return the report as tables (title, header, rows): Summary, Objectives, Activity, Outcomes, Escalation."""
    summary = [
        [
            c.company_id,
            c.name,
            c.state.state,
            c.stats.letters,
            c.stats.answered,
            c.stats.rate,
            c.stats.median_days,
            c.state.next_step or "",
        ]
        for c in report.companies
    ]
    objectives = [[c.company_id, *o] for c in report.companies for o in c.objectives]
    activity = [
        [c.company_id, e.date, e.kind, describe(e), e.summary or ""] for c in report.companies for e in c.activity
    ]
    outcomes = [[c.company_id, d, kind, text] for c in report.companies for d, kind, text in c.outcomes]
    escalation = [
        [c.company_id, e.date, e.kind, describe(e), e.summary or ""] for c in report.companies for e in c.escalation
    ]
    return [
        (
            "Summary",
            ("company_id", "company", "state", "letters", "answered", "response_rate", "median_days", "next_step"),
            summary,
        ),
        ("Objectives", ("company_id", "objective", "area", "ask", "level", "level_name"), objectives),
        ("Activity", ("company_id", "date", "kind", "what", "summary"), activity),
        ("Outcomes", ("company_id", "date", "kind", "what"), outcomes),
        ("Escalation", ("company_id", "date", "kind", "what", "summary"), escalation),
    ]
