"""Profile -> HTML (Jinja2) -> PDF: the investor brief, and the template environment letters share.

``make_environment`` builds the one Jinja2 environment (autoescape everywhere,
StrictUndefined, workspace ``templates/`` overriding packaged templates by name, and
``engage/<name>`` always reaching the packaged original so an override can extend it).
``build_brief`` turns a company and its profile into a ``BriefView``, a plain view model
in which every claim carries the numbers of its references; ``BriefMaker`` renders it to
HTML or PDF and writes ``briefs/<id>/brief.pdf`` atomically.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import __version__
from .countries import COUNTRY_NAMES
from .dates import PartialDate
from .errors import DataError, EngageError, RenderError
from .output import write_atomic
from .profile import (
    NOT_RATED,
    OVERALL,
    AreaScore,
    Profile,
    Weights,
    has_records,
    is_overdue,
    is_quantified,
    months_before,
)
from .questions import possessive
from .records import Allegation, Commitment, Company, Source
from .regulations import TABLE_REVIEWED, TOPIC_LABELS, Exposure, regulatory_exposure, table_is_stale
from .taxonomy import Taxonomy
from .workspace import Settings

if TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Environment

    from .pdf import PdfResult, Renderer

__all__ = [
    "BRIEF_FORMATS",
    "BRIEF_STYLESHEETS",
    "BRIEF_TEMPLATE",
    "BriefMaker",
    "BriefOutcome",
    "BriefView",
    "References",
    "brief_path",
    "build_brief",
    "make_environment",
    "safe_url",
    "write_briefs",
]

BRIEF_TEMPLATE = "brief.html.j2"
BRIEF_STYLESHEETS: tuple[str, ...] = ("brief.css",)
BRIEF_FORMATS: tuple[str, ...] = ("pdf", "html")
PAPERS: tuple[str, ...] = ("a4", "letter")
#: The brief lists this many of the ranked questions; the rest are in the profile JSON.
MAX_QUESTIONS = 15

SEVERITY_ORDER = {"severe": 0, "high": 1, "medium": 2, "low": 3}
STATUS_LABELS = {
    "alleged": "Alleged",
    "under-investigation": "Under investigation",
    "legal-action": "Legal action",
    "substantiated": "Substantiated",
    "remediated": "Remediated",
    "dismissed": "Dismissed",
    "announced": "Announced",
    "in-progress": "In progress",
    "achieved": "Achieved",
    "missed": "Missed",
    "withdrawn": "Withdrawn",
}
VERIFICATION_LABELS = {
    "none": "Not verified",
    "self-reported": "Self-reported",
    "third-party": "Third-party verified",
    "certified": "Certified",
}
REGULATION_STATUS = {
    "applies": "Applies now",
    "in force": "In force, not yet applying",
    "in force, undated": "In force",
    "upcoming": "Adopted, upcoming",
}
TREND_WORDS = {"rising": "rising", "falling": "falling", "steady": "steady"}
TREND_ARROWS = {"rising": "↑", "falling": "↓", "steady": "→"}


# --------------------------------------------------------------------------- Jinja2


def safe_url(url: str | None) -> str | None:
    """Return ``url`` when it is an absolute http(s) URL with a host, else None (never a link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def make_environment(templates_dir: Path | None = None) -> Environment:
    """Return the Jinja2 environment for engage documents; raise RenderError if Jinja2 is missing.

    Lookup order: ``engage/<name>`` always means the packaged template; any other name is
    looked up in the workspace's ``templates/`` first, then in the packaged templates.
    Autoescaping is on for every template (``.j2`` included) and undefined names fail.
    """
    try:
        from jinja2 import (
            ChoiceLoader,
            Environment,
            FileSystemLoader,
            PackageLoader,
            PrefixLoader,
            StrictUndefined,
            TemplateError,
        )
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise RenderError(f"Jinja2 is not installed: {exc}") from exc

    class WorkspaceLoader(FileSystemLoader):
        """A FileSystemLoader that will not follow a link out of the workspace's templates/."""

        def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            root = Path(self.searchpath[0]).resolve()
            if not Path(filename).resolve().is_relative_to(root):
                raise TemplateError(f"templates/{template} is a link to a file outside templates/: refused")
            return source, filename, uptodate

    packaged = PackageLoader("engage", "resources/templates")
    loaders: list[Any] = [PrefixLoader({"engage": packaged}, delimiter="/")]
    from .pdf import refuse_linked_templates

    refuse_linked_templates(templates_dir)
    if templates_dir is not None and templates_dir.is_dir():
        loaders.append(WorkspaceLoader(str(templates_dir)))
    loaders.append(packaged)
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        {
            "safe_url": safe_url,
            "date_label": date_label,
            "num": format_number,
            "country": country_name,
            "countries": country_names,
            "label": status_label,
            "slug": slug,
            "signed": signed,
            "possessive": possessive,
            "runs": number_runs,
        }
    )
    env.globals.update({"engage_version": __version__})
    return env


def number_runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Return reference numbers as printed, in order: runs of three or more as (first, last), others alone.

    [1, 2, 3, 5, 6] -> [(1, 3), (5, 5), (6, 6)]: the brief's markers and the letters' notes
    all print "1–3, 5, 6" from this one rule.
    """
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    printed: list[tuple[int, int]] = []
    for first, last in runs:
        printed.extend([(first, last)] if last - first >= 2 else [(n, n) for n in range(first, last + 1)])
    return printed


def date_label(value: PartialDate | dt.date | None, empty: str = "undated") -> str:
    """Return a date as prose ('4 July 2024', 'July 2024', '2024'), or ``empty``."""
    if value is None:
        return empty
    if isinstance(value, PartialDate):
        return value.label()
    return f"{value.day} {value:%B %Y}"


def format_number(value: float | None, digits: int = 1) -> str:
    """Return a score with ``digits`` decimals ('–' for None)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"


def signed(value: float, digits: int = 1) -> str:
    """Return a change with its sign, using a true minus sign ('+3.2', '−14.8')."""
    text = f"{value:+.{digits}f}"
    return text.replace("-", "\u2212")


def country_name(code: str) -> str:
    """Return the short English name of an ISO 3166-1 alpha-2 code (the code if unknown)."""
    return COUNTRY_NAMES.get(code, code)


def country_names(codes: Iterable[str]) -> str:
    """Return country names joined with commas."""
    return ", ".join(country_name(c) for c in codes)


def status_label(value: str) -> str:
    """Return the display label of a status, severity, band or verification keyword."""
    return STATUS_LABELS.get(value) or VERIFICATION_LABELS.get(value) or value.replace("-", " ").capitalize()


def slug(value: str) -> str:
    """Return a CSS-class-safe form of a keyword."""
    return "".join(ch if ch.isalnum() else "-" for ch in value.lower())


# --------------------------------------------------------------------------- references


@dataclass(frozen=True)
class Reference:
    """One numbered entry of the reference list."""

    number: int
    title: str
    publisher: str | None
    date: PartialDate | None
    url: str | None  # http(s) only; anything else is shown as text in ``raw_url``
    raw_url: str | None = None


class References:
    """Numbers sources in order of first citation; the same source keeps one number."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, ...], int] = {}
        self._items: list[Reference] = []

    @staticmethod
    def _key(title: str, publisher: str | None, url: str | None, date: PartialDate | None) -> tuple[str, ...]:
        if url:
            return ("url", url.strip().rstrip("/").lower(), title.strip().casefold())
        return ("text", title.strip().casefold(), (publisher or "").strip().casefold(), str(date or ""))

    def cite_one(self, title: str, publisher: str | None, url: str | None, date: PartialDate | None) -> int:
        """Return the number of a source, adding it to the list on first citation."""
        key = self._key(title, publisher, url, date)
        number = self._numbers.get(key)
        if number is None:
            number = len(self._items) + 1
            self._numbers[key] = number
            safe = safe_url(url)
            self._items.append(Reference(number, title, publisher, date, safe, None if safe else url))
        return number

    def cite(self, sources: Iterable[Any]) -> tuple[int, ...]:
        """Return the numbers of ``sources`` (anything with title, publisher, url, date), sorted."""
        numbers = {self.cite_one(s.title, s.publisher, s.url, s.date) for s in sources}
        return tuple(sorted(numbers))

    @property
    def items(self) -> tuple[Reference, ...]:
        """Return the references in number order."""
        return tuple(self._items)


# --------------------------------------------------------------------------- the view model


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


@dataclass(frozen=True)
class Risk:
    """One of the highest risks in the executive summary."""

    area: str
    net: float
    band: str
    drivers: tuple[str, ...]
    refs: tuple[int, ...]
    records: tuple[RecordLink, ...]


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
class QuestionRow:
    """One ranked question for management."""

    rank: int
    area: str
    text: str
    refs: tuple[int, ...]
    records: tuple[RecordLink, ...]


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
    agm: dt.date | None
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
    key_asks: tuple[QuestionRow, ...]
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
    #: False when no allegation or commitment is on record: scores of 0 then mean "nothing known".
    rated: bool = True


def _in_force(record: Allegation | Commitment, as_of: dt.date) -> bool:
    return record.date.first_day() <= as_of


def _sources_as_of(sources: Sequence[Source], as_of: dt.date) -> tuple[Source, ...]:
    """Return the sources published on or before ``as_of`` (undated ones count)."""
    kept = tuple(s for s in sources if s.date is None or s.date.first_day() <= as_of)
    return kept or tuple(sources)


def _ranges(labels: Sequence[RecordLink]) -> tuple[RecordLink, ...]:
    return tuple(labels)


def _credibility(c: Commitment, as_of: dt.date) -> tuple[tuple[tuple[str, bool], ...], bool]:
    """Return the credibility criteria a commitment meets, and whether it meets them all but status."""
    overdue = is_overdue(c, as_of)
    criteria = (
        ("Quantified target", is_quantified(c)),
        ("Time-bound", c.target_year is not None and not overdue),
        ("Independently verified", c.verification in ("third-party", "certified")),
        ("On track", c.status in ("in-progress", "achieved") and not overdue),
    )
    return criteria, all(met for _, met in criteria)


def _chart(rows: Sequence[AreaRow], company_name: str) -> Chart:
    """Return the bar chart geometry: one bar per area, a tick at the peer median."""
    width, left, row_height = 640.0, 120.0, 18.0
    plot = width - left - 36.0
    top = 18.0
    chart_rows = []
    for i, row in enumerate(rows):
        y = top + i * row_height
        median_x = left + plot * row.peer_median / 100 if row.peer_median is not None else None
        chart_rows.append(ChartRow(row.short, row.net, row.peer_median, row.band, y, plot * row.net / 100, median_x))
    plot_bottom = top + len(rows) * row_height
    height = plot_bottom + 22.0
    ticks = tuple((left + plot * v / 100, v) for v in (0, 25, 50, 75, 100))
    parts = []
    for row in rows:
        median = f" (peer median {row.peer_median:.1f})" if row.peer_median is not None else ""
        parts.append(f"{row.short} {row.net:.1f}{median}")
    title = f"Bar chart of net risk by action area for {company_name}, on a scale of 0 to 100"
    description = "Net risk, higher is worse: " + "; ".join(parts) + "."
    width_mm = 170.0
    legend_x = min(plot - 70.0, 24.0 + 4.6 * (len(company_name) + 30))
    return Chart(
        width=width,
        height=height,
        width_mm=width_mm,
        height_mm=round(width_mm * height / width, 2),
        left=left,
        plot=plot,
        plot_bottom=plot_bottom,
        row_height=row_height,
        rows=tuple(chart_rows),
        ticks=ticks,
        has_median=any(r.peer_median is not None for r in rows),
        legend_median_x=legend_x,
        title=title,
        description=description,
    )


def history_text(score: AreaScore, as_of: dt.date, window_months: int) -> str:
    """Return the trend and the high of the lookback window in words, true to where the high falls.

    The high is sampled at monthly steps back to ``window_months`` before ``as_of``; a high on the
    oldest step marks where the window starts, not an event, so it is not called a peak on that day.
    """
    trend = TREND_WORDS.get(score.trend, score.trend)
    text = f"It is {trend} ({signed(score.trend_delta)} against a year earlier)"
    if score.peak <= 0:
        return text + "."
    if score.peak <= score.net or score.peak_on >= as_of:
        return text + f" and at its highest of the last {window_months} months now."
    high = f"its high over the last {window_months} months"
    if score.peak_on <= months_before(as_of, window_months):
        since = "it has fallen since" if score.trend == "falling" else "it has been lower since"
        return (
            text + f". {high[:1].upper()}{high[1:]}, {format_number(score.peak)}, was at the start of that "
            f"period ({date_label(score.peak_on)}); {since}."
        )
    return text + f"; {high} was {format_number(score.peak)}, on {date_label(score.peak_on)}."


def unique_keywords(words: Iterable[str]) -> tuple[str, ...]:
    """Return keywords without repeats, ignoring case; a keyword inside a longer one gives way to it.

    Commas are dropped, since readers split keywords at commas.
    """
    cleaned = [" ".join(w.replace(",", " ").split()) for w in words]
    cleaned = [w for w in cleaned if w]
    folded = [w.casefold() for w in cleaned]
    out: list[str] = []
    seen: set[str] = set()
    for i, (word, key) in enumerate(zip(cleaned, folded, strict=True)):
        if key in seen:
            continue
        # the longer keyword that contains this one, as whole words, replaces it here
        longer = next(
            (j for j, other in enumerate(folded) if j != i and len(other) > len(key) and f" {key} " in f" {other} "),
            None,
        )
        chosen, chosen_key = (cleaned[longer], folded[longer]) if longer is not None else (word, key)
        if chosen_key not in seen:
            out.append(chosen)
            seen.add(chosen_key)
        seen.add(key)
    return tuple(out)


def build_brief(
    company: Company,
    profile: Profile,
    *,
    taxonomy: Taxonomy,
    settings: Settings,
    weights: Weights,
    peer_count: int = 1,
) -> BriefView:
    """Return the view model of ``company``'s brief as of ``profile.as_of``; pure (no I/O, no clock).

    References are numbered in reading order: executive summary, risk map, regulation,
    allegations, commitments, opportunities, questions, benchmarks.
    """
    as_of = profile.as_of
    refs = References()
    allegations = sorted(
        (a for a in company.allegations if _in_force(a, as_of)),
        key=lambda a: (a.date.first_day(), SEVERITY_ORDER[a.severity] * -1, a.id),
        reverse=True,
    )
    commitments = sorted(
        (c for c in company.commitments if _in_force(c, as_of)),
        key=lambda c: (c.date.first_day(), c.id),
        reverse=True,
    )
    links: dict[str, RecordLink] = {}
    for i, a in enumerate(allegations, 1):
        links[a.id] = RecordLink(f"A{i}", f"allegation-{a.id}", a.title)
    commitment_links: dict[str, RecordLink] = {}
    for i, c in enumerate(commitments, 1):
        commitment_links[c.id] = RecordLink(f"C{i}", f"commitment-{c.id}", c.title)
    by_id: dict[tuple[str, str], Allegation | Commitment] = {("allegation", a.id): a for a in allegations}
    by_id.update({("commitment", c.id): c for c in commitments})

    def link_of(kind: str, record_id: str) -> RecordLink | None:
        return (links if kind == "allegation" else commitment_links).get(record_id)

    def sources_of(kind: str, record_id: str) -> tuple[Source, ...]:
        record = by_id.get((kind, record_id))
        return _sources_as_of(record.sources, as_of) if record is not None else ()

    def record_links(pairs: Iterable[tuple[str, str]]) -> tuple[RecordLink, ...]:
        out: list[RecordLink] = []
        for kind, rid in pairs:
            link = link_of(kind, rid)
            if link is not None and link not in out:
                out.append(link)
        return tuple(sorted(out, key=lambda r: (r.label[0], int(r.label[1:]))))

    # Executive summary: the three highest risks, with what drives them.
    ranked = sorted(profile.areas, key=lambda a: (-a.net, taxonomy.keys.index(a.key)))
    top_risks: list[Risk] = []
    for score in ranked[:3]:
        if score.net <= 0:
            break
        drivers = sorted(
            (c for c in score.contributions if c.role != "credit" and c.net > 0),
            key=lambda c: (-c.net, c.record_id),
        )[:3]
        risk_refs: set[int] = set()
        for contrib in drivers:
            risk_refs.update(refs.cite(sources_of(contrib.record_kind, contrib.record_id)))
        top_risks.append(
            Risk(
                area=taxonomy.area(score.key).title,
                net=score.net,
                band=score.band,
                drivers=tuple(c.title for c in drivers),
                refs=tuple(sorted(risk_refs)),
                records=record_links((c.record_kind, c.record_id) for c in drivers),
            )
        )

    # Key asks: the three top questions.
    def question_row(q: Any) -> QuestionRow:
        return QuestionRow(
            rank=q.rank,
            area=taxonomy.area(q.area).short if q.area in taxonomy.keys else q.area,
            text=q.text,
            refs=refs.cite(q.sources),
            records=record_links(
                ("allegation" if ("allegation", rid) in by_id else "commitment", rid) for rid in q.record_ids
            ),
        )

    key_asks = tuple(question_row(q) for q in profile.questions[:3])

    # Opportunities: own progress first, then area levers; peer practice separately.
    def point(o: Any) -> Point:
        pairs = [("commitment" if ("commitment", rid) in by_id else "allegation", rid) for rid in o.record_ids]
        cited: set[int] = set()
        if o.kind == "commitment":
            for kind, rid in pairs:
                cited.update(refs.cite(sources_of(kind, rid)))
        area = taxonomy.area(o.area).short if o.area in taxonomy.keys else o.area
        return Point(o.text, area, tuple(sorted(cited)), record_links(pairs) if o.kind == "commitment" else ())

    own = [o for o in profile.opportunities if o.kind == "commitment"]
    levers = [o for o in profile.opportunities if o.kind == "area"]
    opportunities = tuple(point(o) for o in [*own, *levers])
    peer_leads = tuple(point(o) for o in profile.opportunities if o.kind == "peer")

    # Risk map.
    area_rows: list[AreaRow] = []
    for score in profile.areas:
        rank = profile.rank(score.key)
        pairs = [(c.record_kind, c.record_id) for c in score.contributions]
        area = taxonomy.area(score.key)
        area_rows.append(
            AreaRow(
                key=score.key,
                short=area.short,
                title=area.title,
                exposure=score.exposure,
                mitigation=score.mitigation,
                net=score.net,
                band=score.band,
                trend=score.trend,
                trend_delta=score.trend_delta,
                peer_rank=rank.rank if rank and rank.of > 1 else None,
                peer_of=rank.of if rank and rank.of > 1 else None,
                peer_median=rank.median if rank and rank.of > 1 else None,
                allegations=score.allegations,
                commitments=score.commitments,
                records=record_links(pairs),
            )
        )
    overall_rank = profile.rank(OVERALL)
    # A company with nothing on record scores 0 everywhere and would rank first: neither is a rating.
    rated = has_records(company, as_of)
    if not rated:
        overall_rank = None
        area_rows = [dataclasses.replace(row, band=NOT_RATED, peer_rank=None, peer_of=None) for row in area_rows]

    # Regulatory exposure.
    regulation_rows: list[RegulationRow] = []
    for exposure in regulatory_exposure(company, as_of):
        regulation_rows.append(_regulation_row(exposure, as_of, refs, links, commitment_links, taxonomy))

    # Allegations and commitments (every source cited).
    allegation_rows = tuple(
        AllegationRow(
            label=links[a.id].label,
            anchor=links[a.id].anchor,
            title=a.title,
            date=date_label(a.date),
            updated=date_label(a.updated) if a.updated and a.updated.first_day() <= as_of else None,
            areas=", ".join(taxonomy.area(k).short for k in a.areas if k in taxonomy.keys),
            severity=a.severity,
            status=a.status,
            regions=country_names(a.regions),
            suppliers=", ".join(a.suppliers),
            materials=", ".join(m.replace("-", " ") for m in a.materials),
            summary=a.summary,
            response=a.company_response,
            refs=refs.cite(_sources_as_of(a.sources, as_of)),
        )
        for a in allegations
    )
    commitment_rows = []
    for c in commitments:
        criteria, credible = _credibility(c, as_of)
        commitment_rows.append(
            CommitmentRow(
                label=commitment_links[c.id].label,
                anchor=commitment_links[c.id].anchor,
                title=c.title,
                date=date_label(c.date),
                areas=", ".join(taxonomy.area(k).short for k in c.areas if k in taxonomy.keys),
                target=c.target,
                target_year=c.target_year,
                verification=c.verification,
                status="overdue" if is_overdue(c, as_of) else c.status,
                progress=c.progress,
                criteria=criteria,
                credible=credible,
                refs=refs.cite(_sources_as_of(c.sources, as_of)),
            )
        )

    questions = tuple(question_row(q) for q in profile.questions[:MAX_QUESTIONS])

    benchmarks = []
    for b in profile.benchmarks:
        bits = []
        if b.rank is not None:
            bits.append(f"rank {b.rank}" + (f" of {b.of}" if b.of else ""))
        elif b.of:
            # A rank the sources do not give is unknown, not "unranked".
            bits.append(f"rank not stated ({b.of} assessed)")
        if b.score_pct is not None:
            bits.append(f"{b.score_pct:g}%")
        cited = list(refs.cite(b.sources))
        if b.url:
            cited.append(refs.cite_one(f"{b.name} {b.year}", None, b.url, None))
        benchmarks.append(
            BenchmarkRow(b.name, b.year, ", ".join(bits) or "no figure stated", b.notes, tuple(sorted(set(cited))))
        )

    overall_refs: set[int] = set()
    for row in allegation_rows:
        overall_refs.update(row.refs)

    org = settings.organisation.name if settings.organisation else None
    prepared_by = settings.prepared_by or org or ""
    country = country_name(company.country or "")
    title = f"{company.name}: supply-chain risk briefing, {date_label(as_of)}"
    keywords = unique_keywords(
        (
            company.name,
            "investor briefing",
            "automotive supply chain",
            "human rights due diligence",
            *(r.area for r in top_risks),
        )
    )
    return BriefView(
        company_id=company.id,
        company_name=company.name,
        country=country,
        isin=company.isin,
        agm=company.agm,
        as_of=as_of,
        lang=settings.language or "en",
        title=title,
        subject=f"Supply-chain risks and opportunities of {company.name} for investor engagement",
        keywords=keywords,
        author=org or prepared_by or f"engage {__version__}",
        prepared_by=prepared_by,
        organisation=org,
        data_cutoff=profile.overall.newest_source,
        overall_net=profile.overall.net,
        overall_band=profile.overall.band if rated else NOT_RATED,
        overall_trend=profile.overall.trend,
        overall_trend_delta=profile.overall.trend_delta,
        overall_peak=profile.overall.peak,
        overall_peak_on=profile.overall.peak_on,
        overall_history=history_text(profile.overall, as_of, weights.peak_months),
        overall_rank=overall_rank.rank if overall_rank and overall_rank.of > 1 else None,
        overall_of=overall_rank.of if overall_rank and overall_rank.of > 1 else None,
        overall_median=overall_rank.median if overall_rank and overall_rank.of > 1 else None,
        overall_refs=tuple(sorted(overall_refs)),
        top_risks=tuple(top_risks),
        opportunities=opportunities,
        peer_leads=peer_leads,
        key_asks=key_asks,
        areas=tuple(area_rows),
        chart=_chart(area_rows, company.name),
        regulations=tuple(regulation_rows),
        regulations_reviewed=TABLE_REVIEWED,
        regulations_stale=table_is_stale(as_of),
        allegations=allegation_rows,
        commitments=tuple(commitment_rows),
        questions=questions,
        questions_total=len(profile.questions),
        benchmarks=tuple(benchmarks),
        weights_version=profile.weights_version,
        taxonomy_version=profile.taxonomy_version,
        weights=_weights_summary(weights),
        peer_count=peer_count,
        references=refs.items,
        counts={
            "allegations": len(allegation_rows),
            "commitments": len(commitment_rows),
            "open_allegations": sum(1 for a in allegations if a.status not in ("remediated", "dismissed")),
            "no_response": sum(1 for a in allegations if a.company_response is None),
            "sources": len(refs.items),
        },
        rated=rated,
    )


def _regulation_row(
    exposure: Exposure,
    as_of: dt.date,
    refs: References,
    links: Mapping[str, RecordLink],
    commitment_links: Mapping[str, RecordLink],
    taxonomy: Taxonomy,
) -> RegulationRow:
    rule = exposure.rule
    number = refs.cite_one(f"{rule.name}, {rule.citation}", None, rule.url, None)
    milestones = tuple((date_label(m.date), m.text, m.date <= as_of, m.approximate) for m in rule.milestones)
    nxt = exposure.next_milestone
    if nxt is None:
        next_label = "no further dated step"
    else:
        months = exposure.months_to_next or 0
        when = "within a month" if months < 1 else f"in {months} month{'s' if months != 1 else ''}"
        next_label = f"{date_label(nxt.date)} ({when}){' (date not final)' if nxt.approximate else ''}"
    status = REGULATION_STATUS[exposure.status]
    records = tuple(
        link for rid in exposure.record_ids if (link := links.get(rid) or commitment_links.get(rid)) is not None
    )
    named: dict[str, str] = {}
    for topic, rids in exposure.topic_records:
        labels = sorted(
            {link.label for rid in rids if (link := links.get(rid) or commitment_links.get(rid)) is not None},
            key=lambda label: (label[0], int(label[1:])),
        )
        if labels:
            # the records line below lists them already when the topic is all there is
            named[topic] = "the records" if set(rids) >= set(exposure.record_ids) else ", ".join(labels)
    return RegulationRow(
        name=rule.name,
        citation=rule.citation,
        jurisdiction=rule.jurisdiction,
        summary=rule.summary,
        status=status,
        milestones=milestones,
        next_label=next_label,
        reasons=_reasons_text(exposure.reasons, taxonomy, named),
        records=tuple(sorted(records, key=lambda r: (r.label[0], int(r.label[1:])))),
        note=exposure.note,
        refs=(number,),
    )


def _reasons_text(reasons: Sequence[str], taxonomy: Taxonomy, named: Mapping[str, str] | None = None) -> str:
    """Return why a rule bites, in words: 'Areas: Steel; regions: China; Xinjiang or Uyghurs named in A3, A4'.

    ``named`` maps a topic (see ``engage.regulations.TOPICS``) to the record labels whose text names it.
    """
    groups: dict[str, list[str]] = {}
    other: list[str] = []
    for reason in reasons:
        kind, _, value = reason.partition(": ")
        if not value:
            other.append(reason)
            continue
        if kind == "topic":
            label = TOPIC_LABELS.get(value, value.replace("-", " "))
            where = (named or {}).get(value)
            other.append(f"{label} named in {where}" if where else f"records on {label}")
            continue
        if kind == "area":
            value = taxonomy.area(value).short if value in taxonomy.keys else value
        elif kind in ("region", "home"):
            value = country_name(value)
        else:
            value = value.replace("-", " ")
        bucket = groups.setdefault(kind, [])
        if value not in bucket:
            bucket.append(value)
    names = {"area": "areas", "material": "materials", "region": "regions", "home": "headquartered in"}
    parts = [f"{names.get(k, k)}{' ' if k == 'home' else ': '}{', '.join(v)}" for k, v in groups.items()] + other
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def _weights_summary(w: Weights) -> dict[str, Any]:
    return {
        "severity": dict(w.severity),
        "status": dict(w.allegation_status),
        "no_response": w.no_response,
        "recency": (w.recency_full_months, w.recency_half_life_months, w.recency_floor),
        "corroboration": (w.corroboration_step, w.corroboration_max),
        "verification": dict(w.verification),
        "commitment_status": dict(w.commitment_status),
        "penalty": dict(w.penalty),
        "bands": dict(w.bands),
        "overall": w.overall,
        "mitigation_cap": w.mitigation_cap,
    }


# --------------------------------------------------------------------------- rendering


def brief_path(out_dir: Path, company_id: str, fmt: str = "pdf") -> Path:
    """Return where a company's brief goes: ``<out>/<company-id>/brief.<fmt>``."""
    return out_dir / company_id / f"brief.{fmt}"


class BriefMaker:
    """Renders briefs for one workspace; set up once (templates, fonts, stylesheets), reuse for many."""

    def __init__(self, templates_dir: Path | None = None, *, renderer: Renderer | None = None) -> None:
        self.templates_dir = templates_dir if templates_dir is not None and templates_dir.is_dir() else None
        self.env = make_environment(self.templates_dir)
        self._renderer = renderer

    @property
    def renderer(self) -> Renderer:
        """Return the PDF renderer, created on first use (HTML output never loads WeasyPrint)."""
        if self._renderer is None:
            from .pdf import Renderer

            self._renderer = Renderer(self.templates_dir)
        return self._renderer

    def html(self, view: BriefView, *, paper: str = "a4", standalone: bool = False) -> str:
        """Return the brief's HTML; ``standalone`` inlines the stylesheets (for the html format)."""
        if paper not in PAPERS:
            raise RenderError(f"unknown paper size '{paper}'; choose a4 or letter")
        try:
            from jinja2 import TemplateError

            template = self.env.get_template(BRIEF_TEMPLATE)
            return template.render(
                brief=view,
                doc=view,
                paper=paper,
                inline_css=self._inline_css(paper) if standalone else None,
            )
        except TemplateError as exc:
            lineno = getattr(exc, "lineno", None)
            where = (
                f" ({getattr(exc, 'filename', None) or getattr(exc, 'name', None) or '?'}:{lineno})" if lineno else ""
            )
            raise RenderError(
                f"template error in {BRIEF_TEMPLATE}{where}: {exc.message or type(exc).__name__}"
            ) from exc

    def _inline_css(self, paper: str) -> Any:
        from markupsafe import Markup

        from .pdf import BASE_STYLESHEETS, PAPER_SIZES, stylesheet_file

        parts = []
        for name in (*BASE_STYLESHEETS, *BRIEF_STYLESHEETS):
            if name == "fonts.css":
                continue  # the bundled fonts are for the PDF; a browser uses its own
            path = stylesheet_file(name, self.templates_dir)
            parts.append(path.read_text(encoding="utf-8"))
        parts.append(f"@page {{ size: {PAPER_SIZES[paper]}; }}")
        css = "\n".join(parts).replace("</", "<\\/")
        return Markup(css)

    def pdf(self, view: BriefView, *, paper: str = "a4") -> PdfResult:
        """Return the rendered brief PDF (tagged PDF/UA-1, deterministic for a given view)."""
        html = self.html(view, paper=paper)
        return self.renderer.render(
            html,
            base_url=self.templates_dir,
            title=view.title,
            lang=view.lang,
            as_of=view.as_of,
            author=view.author,
            subject=view.subject,
            keywords=view.keywords,
            stylesheets=BRIEF_STYLESHEETS,
            paper=paper,
        )

    def write(self, view: BriefView, out_dir: Path, *, fmt: str = "pdf", paper: str = "a4") -> Path:
        """Render and atomically write ``<out>/<id>/brief.<fmt>``; a good old file survives a failure."""
        if fmt not in BRIEF_FORMATS:
            raise RenderError(f"unknown format '{fmt}'; choose pdf or html")
        target = brief_path(out_dir, view.company_id, fmt)
        data: bytes | str = (
            self.pdf(view, paper=paper).pdf if fmt == "pdf" else self.html(view, paper=paper, standalone=True)
        )
        return write_atomic(target, data)


# --------------------------------------------------------------------------- many briefs


@dataclass(frozen=True)
class BriefOutcome:
    """What happened to one company's brief: the file written, or the error that stopped it."""

    company_id: str
    path: Path | None = None
    pages: int | None = None
    size: int = 0
    warnings: tuple[str, ...] = ()
    error: EngageError | None = None
    weasyprint_seconds: float = 0.0  # time spent inside WeasyPrint (parse, layout, write)


def write_briefs(
    companies: Sequence[Company],
    ids: Sequence[str],
    *,
    taxonomy: Taxonomy,
    settings: Settings,
    as_of: dt.date,
    out_dir: Path,
    templates_dir: Path | None = None,
    fmt: str = "pdf",
    paper: str = "a4",
    maker: BriefMaker | None = None,
) -> list[BriefOutcome]:
    """Write the briefs of ``ids`` (profiles ranked against all ``companies``); one outcome per id.

    A company that fails (bad template, WeasyPrint error, disk full) is reported in its
    outcome and the others still render; an id missing from ``companies`` (its record has
    errors) gets a DataError outcome. Raises only for problems shared by all (bad weights).
    """
    from .profile import compile_profiles, load_weights

    if fmt not in BRIEF_FORMATS:
        raise RenderError(f"unknown format '{fmt}'; choose pdf or html")
    if paper not in PAPERS:
        raise RenderError(f"unknown paper size '{paper}'; choose a4 or letter")
    weights = load_weights(settings.weights or None)
    profiles = compile_profiles(companies, taxonomy, as_of, weights)
    by_id = {c.id: c for c in companies}
    maker = maker or BriefMaker(templates_dir)
    outcomes: list[BriefOutcome] = []
    for company_id in ids:
        company = by_id.get(company_id)
        if company is None:
            error = DataError(f"companies/{company_id}.yaml has errors; run `engage check {company_id}`")
            outcomes.append(BriefOutcome(company_id, error=error))
            continue
        try:
            view = build_brief(
                company,
                profiles[company_id],
                taxonomy=taxonomy,
                settings=settings,
                weights=weights,
                peer_count=len(profiles),
            )
            target = brief_path(out_dir, company_id, fmt)
            if fmt == "pdf":
                result = maker.pdf(view, paper=paper)
                write_atomic(target, result.pdf)
                warnings = result.warnings + tuple(
                    f"text set in a machine font (no bundled glyphs): {name}" for name in result.machine_fonts
                )
                outcomes.append(
                    BriefOutcome(
                        company_id,
                        target,
                        result.pages,
                        len(result.pdf),
                        warnings,
                        weasyprint_seconds=result.seconds,
                    )
                )
            else:
                text = maker.html(view, paper=paper, standalone=True)
                write_atomic(target, text)
                outcomes.append(BriefOutcome(company_id, target, None, len(text.encode("utf-8"))))
        except EngageError as exc:
            outcomes.append(BriefOutcome(company_id, error=exc))
    return outcomes
