"""The brief's view model built from a profile: one function per section, references numbered in reading order.

``build_brief`` reads only the profile and its as-of view (``Profile.known``, made by
``engage.asof.known_at``): the records, developments and sources known at the as-of date.
It filters nothing by date itself, so a source published after the as-of date is never cited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..agm import next_agm
from ..dates import PartialDate
from ..engagement.log import EngagementLog
from ..errors import RenderError
from ..profile import (
    NOT_RATED,
    OVERALL,
    AreaScore,
    Profile,
    Weights,
    is_overdue,
    is_quantified,
    months_before,
)
from ..profile.asks import Ask, annex_questions, build_asks, told_in_asks
from ..records import Allegation, Commitment, Company, Policy, Source
from ..regulations import TABLE_REVIEWED, TOPIC_LABELS, Exposure, regulatory_exposure, table_is_stale
from ..taxonomy import Taxonomy
from ..workspace import Settings
from .brief_engagement import build_engagement
from .brief_evidence import benchmark_gaps, evidence_note, first_page, policy_rows
from .brief_view import (
    AllegationRow,
    AreaRow,
    AskRow,
    BenchmarkRow,
    BriefView,
    Chart,
    ChartRow,
    CommitmentRow,
    Point,
    QuestionRow,
    RecordLink,
    RegulationRow,
    Risk,
)
from .environment import country_name, country_names, date_label, format_number, signed
from .references import References

__all__ = ["MAX_QUESTIONS", "build_brief", "history_text", "unique_keywords"]

#: The brief lists this many of the ranked questions; the rest are in the profile JSON.
MAX_QUESTIONS = 15

SEVERITY_ORDER = {"severe": 0, "high": 1, "medium": 2, "low": 3}
REGULATION_STATUS = {
    "applies": "Applies now",
    "in force": "In force, not yet applying",
    "in force, undated": "In force",
    "upcoming": "Adopted, upcoming",
}
TREND_WORDS = {"rising": "rising", "falling": "falling", "steady": "steady"}
TREND_ARROWS = {"rising": "↑", "falling": "↓", "steady": "→"}


def build_brief(
    profile: Profile,
    *,
    taxonomy: Taxonomy,
    settings: Settings,
    weights: Weights,
    peer_count: int = 1,
    engagement_log: EngagementLog | None = None,
) -> BriefView:
    """Return the view model of a company's brief as of ``profile.as_of``; pure (no I/O, no clock).

    Reads the profile and ``profile.known``, the company as known at the as-of date; raises
    RenderError for a profile without that view (one read back from JSON). References are
    numbered in reading order: executive summary, risk map, regulation, allegations,
    commitments, opportunities, questions, benchmarks. ``engagement_log``, the investor's own
    log, gives the engagement section (never cited, never scored).
    """
    if profile.known is None:
        raise RenderError(f"the profile of {profile.company_id} carries no as-of view; compile it from the records")
    company, as_of = profile.known, profile.as_of
    book = _RecordBook.of(company, taxonomy)
    refs = References()
    # The calls below cite sources, so their order is the reference list's order.
    # A company with nothing on record has only the sector baseline: that is not a rating, nor are its "risks".
    rated = profile.rated
    # The asks, in the words of the letter and `engage profile`: the cover names them, the summary sets them out.
    asks = build_asks(profile, taxonomy)
    top_risks = _top_risks(profile, book, refs, asks) if rated else ()
    key_asks = tuple(_ask_row(a, book, refs) for a in asks)
    opportunities, peer_leads = _opportunities(profile, book, refs)
    area_rows = _area_rows(profile, book, rated)
    regulation_rows = tuple(_regulation_row(e, as_of, refs, book) for e in regulatory_exposure(company, as_of))
    allegation_rows = _allegation_rows(book, refs)
    commitment_rows = _commitment_rows(book, refs, as_of)
    policy_table = policy_rows(book.policies, dict(book.links), {a.key: a.short for a in taxonomy.areas}, refs)
    in_place = sum(1 for p in book.policies if p.status != "none-found")  # the rest: assessments that found none
    annex = annex_questions(profile.questions, limit=len(profile.questions), told=told_in_asks(asks))
    questions = tuple(
        dataclasses.replace(_question_row(q, book, refs), rank=i) for i, q in enumerate(annex[:MAX_QUESTIONS], 1)
    )
    benchmarks = _benchmark_rows(profile, refs)
    overall_rank = profile.rank(OVERALL) if rated else None
    ranked = overall_rank if overall_rank and overall_rank.of > 1 else None
    return BriefView(
        **_cover(company, profile, settings, top_risks),
        overall_net=profile.overall.net,
        overall_band=profile.overall.band if rated else NOT_RATED,
        overall_trend=profile.overall.trend,
        overall_trend_delta=profile.overall.trend_delta,
        overall_peak=profile.overall.peak,
        overall_peak_on=profile.overall.peak_on,
        overall_history=history_text(profile.overall, as_of, weights.peak_months),
        overall_trend_cause=profile.overall.trend_cause,
        evidence_note=evidence_note(profile),
        evidence_newest=profile.evidence.newest,
        evidence_months=profile.evidence.age_months,
        assessed_areas=profile.assessed_areas,
        benchmark_gaps=benchmark_gaps(profile),
        policies=policy_table,
        overall_rank=ranked.rank if ranked else None,
        overall_of=ranked.of if ranked else None,
        overall_median=ranked.median if ranked else None,
        overall_refs=tuple(sorted({n for row in allegation_rows for n in row.refs})),
        top_risks=top_risks,
        opportunities=opportunities,
        peer_leads=peer_leads,
        key_asks=key_asks,
        areas=area_rows,
        chart=_chart(area_rows, company.name),
        regulations=regulation_rows,
        regulations_reviewed=TABLE_REVIEWED,
        regulations_stale=table_is_stale(as_of),
        allegations=allegation_rows,
        commitments=commitment_rows,
        questions=questions,
        questions_total=len(annex),
        benchmarks=benchmarks,
        weights_version=profile.weights_version,
        taxonomy_version=profile.taxonomy_version,
        weights=_weights_summary(weights),
        peer_count=peer_count,
        references=refs.items,
        counts={
            "allegations": len(allegation_rows),
            "commitments": len(commitment_rows),
            "policies": len(policy_table),
            "policies_found": in_place,
            "open_allegations": sum(1 for a in book.allegations if a.status not in ("remediated", "dismissed")),
            "no_response": sum(1 for a in book.allegations if a.company_response is None),
            "sources": len(refs.items),
        },
        policies_note=policies_note(len(policy_table), in_place),
        rated=rated,
        engagement=build_engagement(engagement_log, settings.ladder, as_of, taxonomy),
        first_page=first_page(profile, company),
    )


# --------------------------------------------------------------------------- the records and their labels


@dataclass(frozen=True)
class _RecordBook:
    """The known records in the brief's order (newest first), each with its label (A1..., C1...)."""

    taxonomy: Taxonomy
    allegations: tuple[Allegation, ...]
    commitments: tuple[Commitment, ...]
    policies: tuple[Policy, ...]
    links: Mapping[tuple[str, str], RecordLink]  # (kind, id) -> label, anchor, title
    records: Mapping[tuple[str, str], Allegation | Commitment | Policy]

    @classmethod
    def of(cls, company: Company, taxonomy: Taxonomy) -> _RecordBook:
        """Return the book of ``company``'s records (the company as known at the as-of date)."""
        allegations = sorted(
            company.allegations,
            key=lambda a: (a.date.first_day(), SEVERITY_ORDER[a.severity] * -1, a.id),
            reverse=True,
        )
        commitments = sorted(company.commitments, key=lambda c: (c.date.first_day(), c.id), reverse=True)
        links: dict[tuple[str, str], RecordLink] = {}
        for i, a in enumerate(allegations, 1):
            links["allegation", a.id] = RecordLink(f"A{i}", f"allegation-{a.id}", a.title)
        for i, c in enumerate(commitments, 1):
            links["commitment", c.id] = RecordLink(f"C{i}", f"commitment-{c.id}", c.title)
        policies = sorted(company.policies, key=lambda p: (p.date.first_day(), p.id), reverse=True)
        for i, p in enumerate(policies, 1):
            links["policy", p.id] = RecordLink(f"P{i}", f"policy-{p.id}", p.title)
        records: dict[tuple[str, str], Allegation | Commitment | Policy] = {
            ("allegation", a.id): a for a in allegations
        }
        records.update({("commitment", c.id): c for c in commitments})
        records.update({("policy", p.id): p for p in policies})
        return cls(taxonomy, tuple(allegations), tuple(commitments), tuple(policies), links, records)

    def sources(self, kind: str, record_id: str) -> tuple[Source, ...]:
        """Return the known sources of a record (none for a record not known)."""
        record = self.records.get((kind, record_id))
        return record.sources if record is not None else ()

    def link(self, record_id: str) -> RecordLink | None:
        """Return the label of a record by id, allegations first."""
        return self.links.get(("allegation", record_id)) or self.links.get(("commitment", record_id))

    def record_links(self, pairs: Iterable[tuple[str, str]]) -> tuple[RecordLink, ...]:
        """Return the labels of (kind, id) pairs, each once, A1... before C1... before P1..., in number order."""
        out: list[RecordLink] = []
        for pair in pairs:
            link = self.links.get(pair)
            if link is not None and link not in out:
                out.append(link)
        return _by_label(out)

    def short(self, area: str) -> str:
        """Return an area's short name (the key itself when the taxonomy does not know it)."""
        return self.taxonomy.area(area).short if area in self.taxonomy.keys else area

    def shorts(self, areas: Iterable[str]) -> str:
        """Return the short names of the taxonomy's areas among ``areas``, joined with commas."""
        return ", ".join(self.taxonomy.area(k).short for k in areas if k in self.taxonomy.keys)


def _by_label(links: Iterable[RecordLink]) -> tuple[RecordLink, ...]:
    return tuple(sorted(links, key=lambda r: (r.label[0], int(r.label[1:]))))


# --------------------------------------------------------------------------- sections


def _cover(company: Company, profile: Profile, settings: Settings, top_risks: Sequence[Risk]) -> dict[str, Any]:
    """Return the cover's and the PDF metadata's fields of the view: names, title, keywords, authorship."""
    org = settings.organisation.name if settings.organisation else None
    prepared_by = settings.prepared_by or org or ""
    upcoming = next_agm(company, profile.as_of)
    expected_month = PartialDate(upcoming.date.year, upcoming.date.month) if upcoming and upcoming.expected else None
    keywords = unique_keywords(
        (
            company.name,
            "investor briefing",
            "automotive supply chain",
            "human rights due diligence",
            *(r.area for r in top_risks),
        )
    )
    return {
        "company_id": company.id,
        "company_name": company.name,
        "country": country_name(company.country or ""),
        "isin": company.isin,
        "agm": None if upcoming is None or upcoming.expected else upcoming.date,
        # An estimate is shown by month only: a day would read as announced.
        "agm_expected": expected_month,
        "as_of": profile.as_of,
        "lang": settings.language or "en",
        "title": f"{company.name}: supply-chain risk briefing, {date_label(profile.as_of)}",
        "subject": f"Supply-chain risks and opportunities of {company.name} for investor engagement",
        "keywords": keywords,
        "author": org or prepared_by or f"engage {__version__}",
        "prepared_by": prepared_by,
        "organisation": org,
        "data_cutoff": profile.overall.newest_source,
    }


#: How a top risk that rests on no company record reads, on the first page and in the summary.
SECTOR_ONLY = "sector exposure; no company-specific record"


def _top_risks(profile: Profile, book: _RecordBook, refs: References, asks: Sequence[Ask]) -> tuple[Risk, ...]:
    """Return the three highest risks the cover shows, each with the records that drive it.

    Where the asks covering an area rest on records that add to its risk, those are the
    drivers shown, so that the risk and the ask on it name the same records.
    """
    taxonomy = book.taxonomy
    ranked = sorted(profile.areas, key=lambda a: (-a.net, taxonomy.keys.index(a.key)))
    top_risks: list[Risk] = []
    for score in ranked[:3]:
        if score.net <= 0:
            break
        adding = sorted(
            (c for c in score.contributions if c.role != "credit" and c.net > 0),
            key=lambda c: (-c.net, c.record_id),
        )
        asked = {rid for a in asks if score.key in a.areas for rid in a.record_ids}
        drivers = ([c for c in adding if c.record_id in asked] or adding)[:2]  # two keep the risks on one page
        risk_refs: set[int] = set()
        for contrib in drivers:
            risk_refs.update(refs.cite(book.sources(contrib.record_kind, contrib.record_id)))
        top_risks.append(
            Risk(
                area=taxonomy.area(score.key).title,
                net=score.net,
                band=score.band,
                drivers=tuple(_driver(c, score) for c in drivers),
                refs=tuple(sorted(risk_refs)),
                records=book.record_links((c.record_kind, c.record_id) for c in drivers),
                # A risk resting on the sector baseline alone is said to be one, not passed off as a finding.
                basis="" if any(c.record_kind != "baseline" for c in drivers) else SECTOR_ONLY,
            )
        )
    return tuple(top_risks)


def _driver(c: Any, score: AreaScore) -> str:
    """Return how a top risk's driver reads: a record's title, or the sector baseline and how much of it is managed."""
    if c.record_kind != "baseline":
        return str(c.title)
    if not score.assessed:
        return "Sector baseline, unmanaged: no management on record"
    if not score.mitigation:
        return "Sector baseline, unmanaged: no policy or credible commitment found"
    return f"Sector baseline, management {score.mitigation:.0f} of 100"


def _question_row(q: Any, book: _RecordBook, refs: References) -> QuestionRow:
    """Return one ranked question (a key ask or a row of the questions section) with its references."""
    return QuestionRow(
        rank=q.rank,
        area=book.short(q.area),
        text=q.text,
        refs=refs.cite(q.sources),
        records=book.record_links(
            ("allegation" if ("allegation", rid) in book.records else "commitment", rid) for rid in q.record_ids
        ),
    )


def _ask_row(ask: Ask, book: _RecordBook, refs: References) -> AskRow:
    """Return one ask with the references of the records it rests on and their labels (A1, C2, P1...)."""
    pairs = list(zip(ask.kinds, ask.record_ids, strict=True))
    cited: set[int] = set()
    for kind, rid in pairs:
        cited.update(refs.cite(book.sources(kind, rid)))
    return AskRow(ask.number, ask.title, ask.text, tuple(sorted(cited)), book.record_links(pairs))


def _opportunities(
    profile: Profile, book: _RecordBook, refs: References
) -> tuple[tuple[Point, ...], tuple[Point, ...]]:
    """Return the opportunities (own progress first, then area levers) and, apart, the peers' practice."""

    def point(o: Any) -> Point:
        pairs = [("commitment" if ("commitment", rid) in book.records else "allegation", rid) for rid in o.record_ids]
        cited: set[int] = set()
        if o.kind == "commitment":
            for kind, rid in pairs:
                cited.update(refs.cite(book.sources(kind, rid)))
        records = book.record_links(pairs) if o.kind == "commitment" else ()
        return Point(o.text, book.short(o.area), tuple(sorted(cited)), records)

    own = [o for o in profile.opportunities if o.kind == "commitment"]
    levers = [o for o in profile.opportunities if o.kind == "area"]
    opportunities = tuple(point(o) for o in [*own, *levers])
    peer_leads = tuple(point(o) for o in profile.opportunities if o.kind == "peer")
    return opportunities, peer_leads


def _area_rows(profile: Profile, book: _RecordBook, rated: bool) -> tuple[AreaRow, ...]:
    """Return the risk map: one row per action area, with peer ranks when there are peers and a rating."""
    rows: list[AreaRow] = []
    for score in profile.areas:
        rank = profile.rank(score.key)
        # A rank from the sector baseline alone (no record of the company's own in the area) says nothing about it.
        ranked = rank if rank and rank.of > 1 and score.ranked_on_own_evidence else None
        area = book.taxonomy.area(score.key)
        rows.append(
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
                peer_rank=ranked.rank if ranked else None,
                peer_of=ranked.of if ranked else None,
                peer_median=ranked.median if ranked else None,
                allegations=score.allegations,
                commitments=score.commitments,
                records=book.record_links((c.record_kind, c.record_id) for c in score.contributions),
                policies=score.policies,
                assessed=score.assessed,
                trend_cause=score.trend_cause,
            )
        )
    if not rated:
        rows = [dataclasses.replace(row, band=NOT_RATED, peer_rank=None, peer_of=None) for row in rows]
    return tuple(rows)


def _allegation_rows(book: _RecordBook, refs: References) -> tuple[AllegationRow, ...]:
    """Return the allegations table, newest first, every known source cited."""
    return tuple(
        AllegationRow(
            label=book.links["allegation", a.id].label,
            anchor=book.links["allegation", a.id].anchor,
            title=a.title,
            date=date_label(a.date),
            updated=date_label(a.updated) if a.updated else None,
            areas=book.shorts(a.areas),
            severity=a.severity,
            status=a.status,
            regions=country_names(a.regions),
            suppliers=", ".join(a.suppliers),
            materials=", ".join(m.replace("-", " ") for m in a.materials),
            summary=a.summary,
            response=a.company_response,
            refs=refs.cite(a.sources),
        )
        for a in book.allegations
    )


def _commitment_rows(book: _RecordBook, refs: References, as_of: dt.date) -> tuple[CommitmentRow, ...]:
    """Return the commitments table, newest first, with the credibility criteria each meets."""
    rows = []
    for c in book.commitments:
        criteria, credible = _credibility(c, as_of)
        rows.append(
            CommitmentRow(
                label=book.links["commitment", c.id].label,
                anchor=book.links["commitment", c.id].anchor,
                title=c.title,
                date=date_label(c.date),
                areas=book.shorts(c.areas),
                target=c.target,
                target_year=c.target_year,
                verification=c.verification,
                status="overdue" if is_overdue(c, as_of) else c.status,
                progress=c.progress,
                criteria=criteria,
                credible=credible,
                refs=refs.cite(c.sources),
            )
        )
    return tuple(rows)


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


def _benchmark_rows(profile: Profile, refs: References) -> tuple[BenchmarkRow, ...]:
    """Return the external benchmarks known at the as-of date, beside engage's numbers, never blended."""
    rows = []
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
        rows.append(
            BenchmarkRow(b.name, b.year, ", ".join(bits) or "no figure stated", b.notes, tuple(sorted(set(cited))))
        )
    return tuple(rows)


# --------------------------------------------------------------------------- regulation


def _regulation_row(exposure: Exposure, as_of: dt.date, refs: References, book: _RecordBook) -> RegulationRow:
    """Return one rule of the regulatory exposure table: where it stands, its next step, and why it bites."""
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
    records = tuple(link for rid in exposure.record_ids if (link := book.link(rid)) is not None)
    named: dict[str, str] = {}
    for topic, rids in exposure.topic_records:
        labels = sorted(
            {link.label for rid in rids if (link := book.link(rid)) is not None},
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
        status=REGULATION_STATUS[exposure.status],
        milestones=milestones,
        next_label=next_label,
        reasons=_reasons_text(exposure.reasons, book.taxonomy, named),
        records=_by_label(records),
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


# --------------------------------------------------------------------------- chart, history, keywords, weights


def _axis(top: float) -> tuple[int, int]:
    """Return (axis maximum, tick step) for values up to ``top``: the data's scale, not 0-100 regardless."""
    for step in (5, 10, 20, 25):
        axis = step * max(1, math.ceil(top * 1.08 / step))
        if axis <= step * 5:
            return min(axis, 100), step
    return 100, 25


def _chart(rows: Sequence[AreaRow], company_name: str) -> Chart:
    """Return the bar chart geometry: one bar per area with records, a tick at the peer median.

    The axis runs to just above the highest value shown (a bar or a median), and the areas with
    no record at all (the sector baseline only) are named together on one line under the bars.
    """
    shown = [r for r in rows if r.allegations or r.commitments or r.policies] or list(rows)
    baseline = [r for r in rows if r not in shown]
    width, left, row_height = 640.0, 120.0, 18.0
    plot = width - left - 36.0
    top = 18.0
    axis, step = _axis(max([r.net for r in shown] + [r.peer_median or 0.0 for r in shown] + [1.0]))
    chart_rows = []
    for i, row in enumerate(shown):
        y = top + i * row_height
        median_x = left + plot * row.peer_median / axis if row.peer_median is not None else None
        bar = plot * row.net / axis
        label_x = left + bar + 4.0
        # A median tick at the bar's end or under its value would overprint the figure: write it after the tick.
        if median_x is not None and label_x - 6.0 <= median_x <= label_x + 5.5 * len(f"{row.net:.1f}"):
            label_x = median_x + 4.0
        chart_rows.append(ChartRow(row.short, row.net, row.peer_median, row.band, y, bar, median_x, round(label_x, 2)))
    plot_bottom = top + len(shown) * row_height
    grouped = ""
    if baseline:
        grouped = f"No records, sector baseline only ({len(baseline)}): " + ", ".join(r.short for r in baseline)
    # The line of areas with no record wraps within the chart (8-unit type: about 4.4 units a character).
    lines = textwrap.wrap(grouped, width=int((width - 8.0) / 4.4)) if grouped else []
    height = plot_bottom + (36.0 + 11.0 * (len(lines) - 1) if grouped else 22.0)
    ticks = tuple((left + plot * v / axis, v) for v in range(0, axis + 1, step))
    parts = []
    for row in rows:
        median = f" (peer median {row.peer_median:.1f})" if row.peer_median is not None else ""
        parts.append(f"{row.short} {row.net:.1f}{median}")
    title = f"Bar chart of net risk by action area for {company_name}, on a scale of 0 to {axis}"
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
        has_median=any(r.peer_median is not None for r in shown),
        legend_median_x=legend_x,
        title=title,
        description=description,
        grouped=grouped,
        grouped_y=plot_bottom + 13.0,
        grouped_lines=tuple(lines),
    )


def history_text(score: AreaScore, as_of: dt.date, window_months: int) -> str:
    """Return the trend and the high of the lookback window in words, true to where the high falls.

    The high is sampled at monthly steps back to ``window_months`` before ``as_of``; a high on the
    oldest step marks where the window starts, not an event, so it is not called a peak on that day.
    """
    text = trend_text(score)
    if score.peak <= 0:
        return text + "."
    if score.peak <= score.net or score.peak_on >= as_of:
        if score.trend_delta == 0:
            return text + "."  # a flat line is not "at its highest"
        return text + f" and at its highest of the last {window_months} months now."
    high = f"its high over the last {window_months} months"
    if score.peak_on <= months_before(as_of, window_months):
        since = (
            "it has been lower since only because that evidence aged"
            if score.trend_cause == "ageing"
            else "it has fallen since"
            if score.trend == "falling"
            else "it has been lower since"
        )
        return (
            text + f". {high[:1].upper()}{high[1:]}, {format_number(score.peak)}, was at the start of that "
            f"period ({date_label(score.peak_on)}); {since}."
        )
    return text + f"; {high} was {format_number(score.peak)}, on {date_label(score.peak_on)}."


def trend_text(score: AreaScore) -> str:
    """Return the year's change in words with its cause; a fall that only ageing explains is not called falling.

    A number that fell because old evidence lost weight, with nothing new on record, says
    nothing about the company: the sentence says so instead of 'falling'.
    """
    delta = signed(score.trend_delta)
    if score.trend == "falling" and score.trend_cause == "ageing":
        return (
            f"It is lower than a year earlier ({delta}) only because older evidence has aged: "
            "nothing new on record lowered it"
        )
    if score.trend_delta == 0:
        return "It is unchanged from a year earlier"
    if score.trend_cause == "ageing":
        return f"It is {TREND_WORDS[score.trend]} ({delta} against a year earlier, from older evidence ageing only)"
    trend = TREND_WORDS.get(score.trend, score.trend)
    why = (
        {
            "new-evidence": ", on evidence dated in the last year",
            "mixed": ", partly on evidence dated in the last year and partly as older evidence aged",
        }.get(score.trend_cause, "")
        if score.trend != "steady"
        else ""
    )
    return f"It is {trend} ({delta} against a year earlier{why})"


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
        "manageable": {"inherent": w.manageable_inherent, "evidence": w.manageable_evidence},
        "policy_status": dict(w.policy_status),
        "exposure_scale": w.exposure_scale,
        "management_scale": w.management_scale,
    }


def policies_note(records: int, in_place: int) -> str:
    """Return what a count of policy records holds, in words, after a space: ' (1 in place, 1 finding none)'.

    "2 policy records (0 found)" read as a search that found nothing; a record is either a
    policy the company has (adopted, applied, verified) or an assessment that found none.
    """
    if not records:
        return ""
    none = records - in_place
    if not none:
        return " (all in place)" if records > 1 else " (in place)"
    if not in_place:
        return " (each a finding of none)" if records > 1 else " (a finding of none)"
    return f" ({in_place} in place, {none} finding none)"
