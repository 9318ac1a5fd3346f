"""The portfolio dashboard's view model: one plain row per company (heat map, trend, evidence, engagement).

``dashboard_row`` reads a company's profile, its engagement state and its documents;
``build_dashboard`` groups the rows (rated, riskiest first; then not rated) for
``resources/templates/index.html.j2``, which writes ``briefs/index.html`` (with the sorting
and filtering script ``resources/js/dashboard.js``) and ``index.pdf``. Record text stays
plain text here: the template escapes it, and the script only moves rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import __version__
from ..countries import COUNTRY_NAMES
from ..engagement.state import NO_LOG, EngagementState
from ..workspace import DEFAULT_DUE_DAYS

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import Profile
    from ..taxonomy import Taxonomy

#: The "due for action" view's default horizon: an AGM within this many days (engage.yaml
#: ``engagement.due_within_days`` or ``engage dashboard --due-within`` choose another).
DUE_DAYS = DEFAULT_DUE_DAYS
#: Engagement states, most pressing first (the order the state column sorts in).
STATES: tuple[str, ...] = ("escalate", "overdue", "awaiting-response", "responded", "none")
STATE_LABELS = {
    "escalate": "escalation due",
    "overdue": "reply overdue",
    "awaiting-response": "awaiting reply",
    "responded": "replied",
    "none": "not engaged",
}
#: A document's link text in a dashboard row (the full label is its title): the PDFs by what
#: they are, the letter's other files by the program that edits them.
SHORT_LINK_LABELS = {"brief.pdf": "Brief", "letter.pdf": "Letter", "letter.docx": "Word", "letter.md": "Text"}
#: Sparkline geometry (SVG user units) and the smallest range of net risk a line is drawn over.
SPARK_WIDTH, SPARK_HEIGHT = 60.0, 16.0
SPARK_MIN_SPAN = 10.0


@dataclass(frozen=True)
class IndexLink:
    """A link from the index to one document, relative to the output folder."""

    label: str
    href: str

    @property
    def file(self) -> str:
        """Return the file name alone: 'letter.pdf'."""
        return self.href.rsplit("/", 1)[-1]

    @property
    def short(self) -> str:
        """Return the link's text in a dashboard row, where four links share a narrow cell: 'Letter', 'Word'."""
        return SHORT_LINK_LABELS.get(self.file, self.label)


@dataclass(frozen=True)
class AreaCell:
    """One heat-map cell: an area's net risk and band; ``assessed`` False when no management evidence is on record."""

    key: str
    net: float | None  # None: the company is not rated
    band: str
    assessed: bool


@dataclass(frozen=True)
class DashboardRow:
    """One company on the dashboard; dates and numbers are None when unknown."""

    company_id: str
    name: str
    country: str | None
    rated: bool
    net: float | None
    band: str | None  # low | moderate | elevated | high | not-rated | None (invalid record)
    rank: int | None  # among the rated companies, 1 = lowest risk (as `engage compare`)
    of: int | None
    areas: tuple[AreaCell, ...]
    trend: str  # rising | falling | steady
    trend_delta: float
    trend_cause: str
    spark: str  # SVG polyline points of the overall net, oldest first ('' when not rated)
    peak: float | None
    year_ago: float | None
    evidence: dt.date | None
    evidence_days: int | None
    evidence_months: int | None
    stale: bool
    benchmark: str | None  # 'Lead the Charge Leaderboard 2025'
    benchmark_rank: int | None
    benchmark_of: int | None
    agm: dt.date | None
    agm_expected: bool
    days_away: int | None
    engagement: str
    respond_by: dt.date | None
    next_deadline: dt.date | None
    next_step: str | None
    due: tuple[str, ...]  # why the company is due for action (empty: it is not)
    links: tuple[IndexLink, ...]
    problem: str | None

    @property
    def folder(self) -> str:
        """Return the folder of the company's documents relative to the output folder: 'volkswagen/'."""
        folders = {link.href.rsplit("/", 1)[0] for link in self.links if "/" in link.href}
        return f"{folders.pop()}/" if len(folders) == 1 else ""

    @property
    def state_label(self) -> str:
        """Return the engagement state in words: 'reply overdue'."""
        return STATE_LABELS.get(self.engagement, self.engagement.replace("-", " "))

    @property
    def state_order(self) -> int:
        """Return the state's place in ``STATES`` (the most pressing first)."""
        return STATES.index(self.engagement) if self.engagement in STATES else len(STATES)

    @property
    def trend_label(self) -> str:
        """Return the trend as a short label: a fall that only ageing explains is not shown as a fall."""
        delta = f"{self.trend_delta:+.1f}".replace("-", "\u2212")
        if self.trend == "steady":
            return "steady"
        if self.trend == "falling" and self.trend_cause == "ageing":
            return f"{delta} aged only"
        cause = {"new-evidence": "new evidence", "mixed": "new and aged evidence"}.get(self.trend_cause, "")
        return f"{delta} {cause}".strip()

    @property
    def trend_mark(self) -> str:
        """Return the arrow: ▲ rising, ▼ falling on new evidence, · for a fall from ageing alone, → steady."""
        if self.trend == "rising":
            return "\u25b2"
        if self.trend == "falling":
            return "\u00b7" if self.trend_cause == "ageing" else "\u25bc"
        return "\u2192"


@dataclass(frozen=True)
class DashboardArea:
    """An action area's column: key (the fragment's name for it), short label and full title."""

    key: str
    short: str
    title: str


@dataclass(frozen=True)
class DashboardView:
    """The dashboard: rated companies (riskiest first), then those not rated, with the areas and filters."""

    title: str
    lang: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    as_of: dt.date
    areas: tuple[DashboardArea, ...]
    rated: tuple[DashboardRow, ...]
    not_rated: tuple[DashboardRow, ...]
    countries: tuple[tuple[str, str], ...]  # (code, name) of the rows' countries, by name
    due_days: int = DUE_DAYS
    version: str = __version__

    @property
    def rows(self) -> tuple[DashboardRow, ...]:
        """Return every row: rated first."""
        return self.rated + self.not_rated

    @property
    def due(self) -> tuple[DashboardRow, ...]:
        """Return the rows due for action, most pressing first (state, then AGM date)."""
        rows = [r for r in self.rows if r.due]
        return tuple(sorted(rows, key=lambda r: (r.state_order, r.days_away if r.days_away is not None else 10**6)))

    @property
    def due_candidates(self) -> tuple[DashboardRow, ...]:
        """Return the rows that some window could make due (an AGM ahead, a reply overdue, an escalation due),
        most pressing first: the page lists them all and shows those due in the window the reader picks."""
        rows = [
            r
            for r in self.rows
            if r.due or r.engagement in ("overdue", "escalate") or (r.days_away is not None and r.days_away >= 0)
        ]
        return tuple(sorted(rows, key=lambda r: (r.state_order, r.days_away if r.days_away is not None else 10**6)))

    @property
    def documents(self) -> int:
        """Return the number of documents linked."""
        return sum(len(r.links) for r in self.rows)

    @property
    def with_problems(self) -> int:
        """Return the number of companies with a problem to fix."""
        return sum(1 for r in self.rows if r.problem)

    @property
    def footer(self) -> str:
        """Return the line at the foot of every page: 'engage 0.1.0 · as of 2026-11-29'."""
        return f"engage {self.version} · as of {self.as_of.isoformat()}"


def spark_points(series: Sequence[float]) -> str:
    """Return SVG polyline points for a series, oldest on the left: '0.0,12.3 2.5,11.9 ...'.

    Each line is scaled to its own range, but never to less than ``SPARK_MIN_SPAN`` points,
    so a drift of a point or two stays a near-flat line instead of filling the box.
    """
    if len(series) < 2:
        return ""
    lo, hi = min(series), max(series)
    span = max(hi - lo, SPARK_MIN_SPAN)
    bottom = (lo + hi - span) / 2
    step = SPARK_WIDTH / (len(series) - 1)
    h = SPARK_HEIGHT - 2  # a unit of margin above and below the line
    return " ".join(f"{i * step:.1f},{1 + h * (1 - (v - bottom) / span):.1f}" for i, v in enumerate(series))


def due_reasons(days_away: int | None, state: str, due_days: int) -> tuple[str, ...]:
    """Return why a company is due for action: its AGM is near, a reply is overdue, escalation is due."""
    reasons = []
    if days_away is not None and 0 <= days_away <= due_days:
        reasons.append(f"AGM in {days_away} day{'s' if days_away != 1 else ''}")
    if state == "overdue":
        reasons.append("reply overdue")
    if state == "escalate":
        reasons.append("escalation due")
    return tuple(reasons)


def dashboard_row(
    company_id: str,
    name: str,
    profile: Profile | None,
    *,
    as_of: dt.date,
    country: str | None = None,
    agm: tuple[dt.date | None, bool] = (None, False),
    state: EngagementState = NO_LOG,
    links: tuple[IndexLink, ...] = (),
    problem: str | None = None,
    due_days: int = DUE_DAYS,
) -> DashboardRow:
    """Return a company's dashboard row from its profile (None for an invalid record) and engagement state."""
    rated = profile is not None and profile.rated
    date, expected = agm
    days = (date - as_of).days if date else None
    overall = profile.overall if profile is not None else None
    rank = profile.rank() if rated and profile is not None else None
    mark = next((b for b in profile.benchmarks if b.rank is not None), None) if profile is not None else None
    evidence = profile.evidence if profile is not None else None
    return DashboardRow(
        company_id=company_id,
        name=name,
        country=country,
        rated=rated,
        net=overall.net if rated and overall else None,
        band=(overall.band if rated and overall else "not-rated") if profile is not None else None,
        rank=rank.rank if rank else None,
        of=rank.of if rank else None,
        areas=tuple(AreaCell(a.key, a.net if rated else None, a.band, a.assessed) for a in profile.areas)
        if profile is not None
        else (),
        trend=overall.trend if rated and overall else "steady",
        trend_delta=overall.trend_delta if rated and overall else 0.0,
        trend_cause=overall.trend_cause if rated and overall else "none",
        spark=spark_points(profile.history) if rated and profile is not None else "",
        peak=overall.peak if rated and overall else None,
        year_ago=overall.year_ago if rated and overall else None,
        evidence=evidence.newest if evidence else None,
        evidence_days=evidence.age_days if evidence else None,
        evidence_months=evidence.age_months if evidence else None,
        stale=bool(evidence and evidence.stale),
        benchmark=f"{mark.name} {mark.year}" if mark else None,
        benchmark_rank=mark.rank if mark else None,
        benchmark_of=mark.of if mark else None,
        agm=date,
        agm_expected=expected,
        days_away=days,
        engagement=state.state,
        respond_by=state.respond_by,
        next_deadline=state.next_deadline,
        next_step=state.next_step,
        due=due_reasons(days, state.state, due_days),
        links=links,
        problem=problem,
    )


def build_dashboard(
    rows: Sequence[DashboardRow],
    taxonomy: Taxonomy,
    as_of: dt.date,
    *,
    lang: str = "en",
    author: str = "",
    due_days: int = DUE_DAYS,
) -> DashboardView:
    """Return the dashboard of ``rows``: rated companies riskiest first (as the reverse of
    `engage compare`'s ranking: net, then id), then the rest by name."""
    rated = sorted((r for r in rows if r.rated), key=lambda r: (-(r.net or 0.0), _reverse_id(r.company_id)))
    rest = sorted((r for r in rows if not r.rated), key=lambda r: (r.name.casefold(), r.company_id))
    names: Mapping[str, str] = COUNTRY_NAMES
    countries = sorted({(r.country, names.get(r.country, r.country)) for r in rows if r.country}, key=lambda c: c[1])
    return DashboardView(
        title=f"Portfolio dashboard as of {as_of.isoformat()}",
        lang=lang,
        author=author,
        subject="Risk by company and action area, trend, evidence age and engagement state",
        keywords=("engage", "dashboard", "risk", "engagement"),
        as_of=as_of,
        areas=tuple(DashboardArea(a.key, a.short, a.title) for a in taxonomy.areas),
        rated=tuple(rated),
        not_rated=tuple(rest),
        countries=tuple(countries),
        due_days=due_days,
    )


def _reverse_id(company_id: str) -> tuple[int, ...]:
    """Return a key that sorts ids in reverse: compare's board breaks ties by id, lowest risk first."""
    return (*[-ord(ch) for ch in company_id], 0)
