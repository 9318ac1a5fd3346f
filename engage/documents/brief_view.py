"""The brief's view model: plain frozen rows the template shows, each claim with its reference numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..dates import PartialDate
from .references import Reference

__all__ = [
    "AllegationRow",
    "AreaRow",
    "AskRow",
    "BenchmarkRow",
    "BriefView",
    "Chart",
    "ChartRow",
    "CommitmentRow",
    "EngagementView",
    "EventRow",
    "LetterAskRow",
    "ObjectiveRow",
    "Point",
    "PolicyRow",
    "QuestionRow",
    "RecordLink",
    "RegulationRow",
    "Risk",
]


@dataclass(frozen=True)
class RecordLink:
    """A pointer to a row of the allegations (A1...) or commitments (C1...) table."""

    label: str
    anchor: str
    title: str


@dataclass(frozen=True)
class AreaRow:
    """One row of the risk map."""

    key: str
    short: str
    title: str
    exposure: float
    mitigation: float
    net: float
    band: str
    trend: str
    trend_delta: float
    peer_rank: int | None
    peer_of: int | None
    peer_median: float | None
    allegations: int
    commitments: int
    records: tuple[RecordLink, ...]
    policies: int = 0
    assessed: bool = True  # False: no commitment or policy on record, so nothing counts as managed
    trend_cause: str = "none"


@dataclass(frozen=True)
class ChartRow:
    """Geometry of one bar of the risk chart (SVG user units)."""

    label: str
    value: float
    median: float | None
    band: str
    y: float
    bar: float
    median_x: float | None
    label_x: float = 0.0  # where the value is written: after the bar, or after a median tick it would touch


@dataclass(frozen=True)
class Chart:
    """The inline SVG bar chart: company net risk per area against the peer median."""

    width: float
    height: float
    width_mm: float
    height_mm: float
    left: float
    plot: float
    plot_bottom: float
    row_height: float
    rows: tuple[ChartRow, ...]
    ticks: tuple[tuple[float, int], ...]
    has_median: bool
    legend_median_x: float
    title: str
    description: str
    #: The areas with no record (sector baseline only), named on one line under the bars ('' when none).
    grouped: str = ""
    grouped_y: float = 0.0
    grouped_lines: tuple[str, ...] = ()  # ``grouped`` wrapped to the chart's width


@dataclass(frozen=True)
class Risk:
    """One of the three highest risks on the cover."""

    area: str
    net: float
    band: str
    drivers: tuple[str, ...]
    refs: tuple[int, ...]
    records: tuple[RecordLink, ...]
    #: '' when company records drive the risk; else what it rests on ("sector exposure; no company-specific record").
    basis: str = ""


@dataclass(frozen=True)
class Point:
    """A sentence with its references (opportunities, peer leads, asks)."""

    text: str
    area: str
    refs: tuple[int, ...] = ()
    records: tuple[RecordLink, ...] = ()


@dataclass(frozen=True)
class RegulationRow:
    """One rule in the regulatory exposure table."""

    name: str
    citation: str
    jurisdiction: str
    summary: str
    status: str
    milestones: tuple[tuple[str, str, bool, bool], ...]  # (date label, text, is past, approximate)
    next_label: str
    reasons: str
    records: tuple[RecordLink, ...]
    note: str
    refs: tuple[int, ...]


@dataclass(frozen=True)
class AllegationRow:
    """One row of the allegations table."""

    label: str
    anchor: str
    title: str
    date: str
    updated: str | None
    areas: str
    severity: str
    status: str
    regions: str
    suppliers: str
    materials: str
    summary: str | None
    response: str | None
    refs: tuple[int, ...]


@dataclass(frozen=True)
class CommitmentRow:
    """One row of the commitments table."""

    label: str
    anchor: str
    title: str
    date: str
    areas: str
    target: str | None
    target_year: int | None
    verification: str
    status: str
    progress: str | None
    criteria: tuple[tuple[str, bool], ...]
    credible: bool
    refs: tuple[int, ...]


@dataclass(frozen=True)
class PolicyRow:
    """One row of the policies table: a management system or disclosure, or an assessment that found none."""

    label: str
    anchor: str
    title: str
    date: str
    areas: str
    kind: str
    status: str
    assessed_by: str | None
    summary: str | None
    refs: tuple[int, ...]


@dataclass(frozen=True)
class QuestionRow:
    """One ranked question for management."""

    rank: int
    area: str
    text: str
    refs: tuple[int, ...]
    records: tuple[RecordLink, ...]


@dataclass(frozen=True)
class AskRow:
    """One numbered ask, in the words of the letter and ``engage profile``, with its references and records."""

    number: int
    title: str
    text: str
    refs: tuple[int, ...]
    records: tuple[RecordLink, ...]


@dataclass(frozen=True)
class FirstPage:
    """What the cover answers before a meeting: the AGM, benchmark ranks beside engage's, top risks in brief."""

    agm_text: str
    benchmarks: tuple[str, ...]
    engage_rank: str
    coverage: str
    evidence: str


@dataclass(frozen=True)
class BenchmarkRow:
    """One external benchmark result (shown beside engage's numbers, never blended)."""

    name: str
    year: int
    result: str
    notes: tuple[str, ...]
    refs: tuple[int, ...]


@dataclass(frozen=True)
class BriefView:
    """Everything the brief template shows; built by ``build_brief``, rendered by templates."""

    company_id: str
    company_name: str
    country: str
    isin: str | None
    agm: dt.date | None  # the announced next AGM, on or after the as-of date
    agm_expected: PartialDate | None  # else the month an AGM is expected in, estimated from past AGMs
    as_of: dt.date
    lang: str
    title: str
    subject: str
    keywords: tuple[str, ...]
    author: str
    prepared_by: str
    organisation: str | None
    data_cutoff: PartialDate | None
    overall_net: float
    overall_band: str
    overall_trend: str
    overall_trend_delta: float
    overall_peak: float
    overall_peak_on: dt.date
    overall_history: str  # trend and 24-month high in one or two sentences
    overall_rank: int | None
    overall_of: int | None
    overall_median: float | None
    overall_refs: tuple[int, ...]
    top_risks: tuple[Risk, ...]
    opportunities: tuple[Point, ...]
    peer_leads: tuple[Point, ...]
    key_asks: tuple[AskRow, ...]
    areas: tuple[AreaRow, ...]
    chart: Chart
    regulations: tuple[RegulationRow, ...]
    regulations_reviewed: dt.date
    regulations_stale: bool
    allegations: tuple[AllegationRow, ...]
    commitments: tuple[CommitmentRow, ...]
    questions: tuple[QuestionRow, ...]
    questions_total: int
    benchmarks: tuple[BenchmarkRow, ...]
    weights_version: str
    taxonomy_version: int
    weights: Mapping[str, Any]
    peer_count: int
    references: tuple[Reference, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    #: What the policy records hold, after a space: " (1 in place, 1 finding none)"; "" when there are none.
    policies_note: str = ""
    policies: tuple[PolicyRow, ...] = ()
    overall_trend_cause: str = "none"
    #: "The newest evidence is 29 months old..." when older than the weights' evidence_stale_months, else "".
    evidence_note: str = ""
    evidence_newest: dt.date | None = None
    evidence_months: int | None = None
    assessed_areas: int = 0
    #: One sentence per external benchmark whose rank is far from engage's, saying why they differ.
    benchmark_gaps: tuple[str, ...] = ()
    #: False when no allegation or commitment is on record: scores of 0 then mean "nothing known".
    rated: bool = True
    #: The cover's answers to "what do I need before this meeting?" (None: the view was built without them).
    first_page: FirstPage | None = None
    #: The engagement section, from the investor's log in engagements/ (None: the company has no log).
    engagement: EngagementView | None = None


# --------------------------------------------------------------------------- the engagement section


@dataclass(frozen=True)
class ObjectiveRow:
    """One objective of the engagement with its milestone level at the brief's date."""

    id: str
    ask: str
    area: str
    level: int  # 0: no milestone yet; 1-4 concern raised, acknowledged, credible plan, implemented
    level_name: str
    reached: str | None  # when the level was reached, in words
    set: str | None
    due: str | None
    past_due: bool  # due before the as-of date and not implemented


@dataclass(frozen=True)
class LetterAskRow:
    """One ask of the latest letter: its wording, and when a reply first answered it (None: open)."""

    id: str
    text: str
    answered: str | None


@dataclass(frozen=True)
class EventRow:
    """One event of the engagement's timeline, in words."""

    date: str
    kind: str
    what: str
    note: str


@dataclass(frozen=True)
class EngagementView:
    """The brief's engagement section: from the investor's own log, never from public evidence or the scores."""

    source: str  # the log's file, engagements/<company-id>.yaml
    state: str  # engage.engagement.state.STATES
    state_label: str
    state_detail: str
    next_step: str | None
    next_deadline: dt.date | None
    replies: str
    objectives: tuple[ObjectiveRow, ...]
    letter: dt.date | None  # the latest letter's date, whose asks are listed
    asks: tuple[LetterAskRow, ...]
    events: tuple[EventRow, ...]  # oldest first, at most the newest MAX_EVENTS
    earlier: int  # events before those shown
