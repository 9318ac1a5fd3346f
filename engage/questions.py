"""Gaps, engagement questions and opportunities of a profile; pure functions used by engage.profile.

Question templates come from the taxonomy's bank (``questions:`` per area, keyed by gap
kind) and are filled with a record's specifics. Every placeholder a template may use is
listed in ``PLACEHOLDERS``; each always has a value (with a plain-English fallback), and a
template naming anything else is rejected with a DataError, so no question is ever
printed with a ``{placeholder}`` left in it.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Sequence

from .countries import COUNTRY_NAMES
from .dates import PartialDate
from .errors import DataError
from .profile import (
    OPEN_STATUSES,
    AreaScore,
    Gap,
    Opportunity,
    Profile,
    Question,
    SourceRef,
    Weights,
    _first,
    _score_allegation,
    _Scored,
    _ymd,
    commitment_role,
    is_overdue,
    months_before,
    saturate,
)
from .records import Allegation, Commitment, Company
from .taxonomy import QUESTION_KINDS, Area, Taxonomy

_COMMON = frozenset({"company", "area"})
_ALLEGATION = frozenset(
    {
        "title",
        "reported",
        "month_year",
        "latest_month_year",
        "publisher",
        "severity",
        "status",
        "supplier",
        "region",
        "materials",
    }
)
_COMMITMENT = frozenset({"title", "target", "target_year", "month_year", "status", "verification", "materials"})

PLACEHOLDERS: dict[str, frozenset[str]] = {
    "allegation": _COMMON | _ALLEGATION,
    "no-response": _COMMON | _ALLEGATION,
    "no-commitment": _COMMON | frozenset({"top_title", "top_month_year", "top_publisher", "allegations"}),
    "overdue": _COMMON | _COMMITMENT,
    "missed": _COMMON | _COMMITMENT,
    "unverified": _COMMON | _COMMITMENT,
    "stale": _COMMON | frozenset({"newest_month_year"}),
    "general": _COMMON,
}

# Used only when a (workspace) taxonomy leaves a kind and 'general' empty for an area.
FALLBACK_QUESTIONS: dict[str, str] = {
    "allegation": "{reported}. What did your investigation find, "
    "what remedy was provided, and how will you prevent recurrence?",
    "no-response": "{reported}. We find no public response from {company}. "
    "Will you publish one, with the findings of your investigation and the remedy provided?",
    "no-commitment": '{company} faces {allegations} on {area}, most recently "{top_title}" ({top_month_year}), '
    "but has no credible commitment in this area. What time-bound, verifiable commitment will you make?",
    "overdue": 'Your commitment "{title}" targeted {target_year} and is still {status}. '
    "What is the revised date, and what caused the delay?",
    "missed": 'Your commitment "{title}" is recorded as {status}. What will replace it, and by when?',
    "unverified": 'Your commitment "{title}" is {verification}. '
    "Will you have progress verified by an independent third party?",
    "stale": "We find no public information on {company}'s {area} since {newest_month_year}. "
    "What has changed since then?",
    "general": "How does {company} identify, prevent and account for risks in {area}, and how do you report on it?",
}

_STATUS_WORDS = {
    "alleged": "alleged",
    "under-investigation": "under investigation",
    "legal-action": "the subject of legal action",
    "substantiated": "substantiated",
    "remediated": "remediated",
    "dismissed": "dismissed",
    "announced": "only announced",
    "in-progress": "in progress",
    "achieved": "achieved",
    "missed": "missed",
    "withdrawn": "withdrawn",
}
_VERIFICATION_WORDS = {
    "none": "not independently verified",
    "self-reported": "self-reported, without independent verification",
    "third-party": "verified by a third party",
    "certified": "certified",
}
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_year(d: PartialDate) -> str:
    """Return a date as prose, like PartialDate.label(): '2023', 'November 2023' or '20 November 2023'."""
    if not d.month:
        return str(d.year)
    return f"{d.day} {_MONTHS[d.month]} {d.year}" if d.day else f"{_MONTHS[d.month]} {d.year}"


def placeholders_of(template: str) -> list[str]:
    """Return the placeholder names in ``template``; raises ValueError on malformed braces."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


@functools.lru_cache(maxsize=16)
def check_question_bank(taxonomy: Taxonomy) -> None:
    """Raise DataError listing every template with an unknown placeholder or broken braces."""
    problems: list[str] = []
    for area in taxonomy.areas:
        for kind, templates in area.questions.items():
            allowed = PLACEHOLDERS.get(kind, _COMMON)
            for i, template in enumerate(templates):
                where = f"taxonomy: areas[{area.key}].questions.{kind}[{i}]"
                try:
                    names = placeholders_of(template)
                except ValueError as exc:
                    problems.append(f"{where}: {exc}; write literal braces as {{{{ and }}}}")
                    continue
                for name in names:
                    if name not in allowed:
                        problems.append(
                            f"{where}: unknown placeholder {{{name}}}; '{kind}' questions may use "
                            + ", ".join(f"{{{n}}}" for n in sorted(allowed))
                        )
    if problems:
        raise DataError("\n".join(problems))


def join_words(items: Sequence[str]) -> str:
    """Return 'a', 'a and b' or 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, noun: str) -> str:
    word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def _first_source(record: Allegation | Commitment) -> tuple[str, PartialDate]:
    """Return (publisher phrase, date) of the earliest dated source, else of the record."""
    dated = [s for s in record.sources if s.date]
    # _ymd is PartialDate's own order, without its slower generated comparison methods.
    src = min(dated, key=lambda s: _ymd(s.date or record.date)) if dated else record.sources[0]
    publisher = src.publisher or "a published source"
    return publisher, src.date or record.date


def quotable(title: str) -> str:
    """Return ``title`` ready to sit inside double quotes: its own double quotes become single ones."""
    title = title.rstrip(". ")
    if '"' not in title:
        return title
    out, opening = [], True
    for ch in title:
        if ch == '"':
            out.append("\u2018" if opening else "\u2019")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


def reported_sentence(title: str, publisher: str, when: str) -> str:
    """Return 'In <when>, <who> reported: <title>' without saying who reported twice (no final stop).

    Titles are often sentences already naming their publisher ("Global Witness named ...");
    those are used as they stand.
    """
    title = title.rstrip(". ")
    if publisher != "a published source" and title.lower().startswith(publisher.lower()):
        return f"In {when}, {title}"
    if title.startswith("Report "):  # "Report alleged ..." reads as "a report alleged ..."
        return f"In {when}, a report{title[len('Report'):]}"
    if title.startswith("Reports of "):
        return f"In {when}, there were reports of {title[len('Reports of '):]}"
    who = "it was" if publisher == "a published source" else publisher
    return f"In {when}, {who} reported: {title}"


def _primary_area(areas: Sequence[str], keys: Sequence[str]) -> str:
    for k in areas:
        if k in keys:
            return k
    return areas[0]


def _allegation_context(a: Allegation, company: Company, area: Area, as_of: dt.date) -> dict[str, str]:
    publisher, _first_date = _first_source(a)
    # a.latest, ordered by _ymd (PartialDate's own order) rather than its generated comparisons.
    latest = max([a.date] + ([a.updated] if a.updated else []) + [s.date for s in a.sources if s.date], key=_ymd)
    regions = [COUNTRY_NAMES.get(r, r) for r in a.regions]
    return {
        "company": company.name,
        "area": area.short,
        "title": quotable(a.title),
        "reported": reported_sentence(a.title, publisher, month_year(a.date)),
        "month_year": month_year(a.date),
        "latest_month_year": month_year(latest) if _first(latest) <= as_of.toordinal() else month_year(a.date),
        "publisher": publisher,
        "severity": a.severity,
        "status": _STATUS_WORDS[a.status],
        "supplier": a.suppliers[0] if a.suppliers else "the supplier concerned",
        "region": join_words(regions) if regions else "the region concerned",
        "materials": join_words(a.materials) if a.materials else "the materials concerned",
    }


def _commitment_context(c: Commitment, company: Company, area: Area) -> dict[str, str]:
    return {
        "company": company.name,
        "area": area.short,
        "title": quotable(c.title),
        "target": (c.target or c.title).rstrip(". "),
        "target_year": str(c.target_year) if c.target_year else "its target date",
        "month_year": month_year(c.date),
        "status": _STATUS_WORDS[c.status],
        "verification": _VERIFICATION_WORDS[c.verification],
        "materials": join_words(c.materials) if c.materials else "the materials concerned",
    }


# --------------------------------------------------------------------------- gaps


def build_gaps(
    company: Company,
    taxonomy: Taxonomy,
    as_of: dt.date,
    w: Weights,
    areas: tuple[AreaScore, ...],
    scored: Sequence[_Scored],
) -> tuple[Gap, ...]:
    """Return the profile's gaps, highest priority first (priority = the risk behind the gap, 0-100)."""
    keys = taxonomy.keys
    position = {k: i for i, k in reversed(list(enumerate(keys)))}  # keys.index, as a lookup
    shorts = {a.key: a.short for a in reversed(taxonomy.areas)}  # taxonomy.area(key).short
    by_area = {a.key: a for a in areas}
    points = {(s.kind, s.record_id): s for s in scored}
    gaps: list[tuple[tuple[float, int, int, int], Gap]] = []

    def add(kind: str, area: str, record_id: str | None, priority: float, text: str, order: int) -> None:
        priority = round(min(100.0, max(0.0, priority)), 2)
        sort_key = (-priority, GAP_ORDER[kind], position.get(area, 99), order)
        gaps.append((sort_key, Gap(kind, area, record_id, priority, text)))

    for i, a in enumerate(company.allegations):
        s = points.get(("allegation", a.id))
        if s is None or a.status not in OPEN_STATUSES:
            continue
        area = _primary_area(a.areas, keys)
        standalone = saturate(s.points, w.exposure_scale)
        what = f'"{a.title}" ({a.severity}, {_STATUS_WORDS[a.status]}, {month_year(a.date)})'
        if a.company_response is None:
            add("no-response", area, a.id, standalone, f"No company response on record to {what}.", i)
        else:
            add("allegation", area, a.id, 0.8 * standalone, f"Open allegation with a response on record: {what}.", i)
    for i, c in enumerate(company.commitments):
        s = points.get(("commitment", c.id))
        if s is None:
            continue
        area = _primary_area(c.areas, keys)
        worst = max((by_area[k].exposure for k in c.areas if k in by_area), default=0.0)
        if c.status in ("missed", "withdrawn"):
            prio = max(saturate(s.points, w.exposure_scale), worst)
            add("missed", area, c.id, prio, f'Commitment "{c.title}" is {c.status}.', i)
        elif is_overdue(c, as_of):
            prio = max(saturate(w.penalty["overdue"], w.exposure_scale), worst)
            add(
                "overdue",
                area,
                c.id,
                prio,
                f'Commitment "{c.title}" targeted {c.target_year} and is still {_STATUS_WORDS[c.status]}.',
                i,
            )
        elif c.verification in ("none", "self-reported"):
            add(
                "unverified",
                area,
                c.id,
                max(5.0, 0.5 * worst),
                f'Commitment "{c.title}" is {_VERIFICATION_WORDS[c.verification]}.',
                i,
            )
    cutoff = months_before(as_of, w.stale_months)
    for j, score in enumerate(areas):
        contribs = [c for c in score.contributions]
        has_allegation = any(c.record_kind == "allegation" and c.role == "exposure" for c in contribs)
        credible = any(c.role == "credit" and c.points >= w.credible_min for c in contribs)
        if has_allegation and score.exposure >= w.gap_min_exposure and not credible:
            add(
                "no-commitment",
                score.key,
                None,
                score.net,
                f"{shorts[score.key]}: exposure {score.exposure:.1f} from "
                f"{_count(score.allegations, 'allegation')} and no credible commitment.",
                j,
            )
        if score.newest_source is not None and score.newest_source.last_day() < cutoff:
            add(
                "stale",
                score.key,
                None,
                max(5.0, 0.5 * score.exposure),
                f"{shorts[score.key]}: no source since {month_year(score.newest_source)}, "
                f"more than {w.stale_months} months before {as_of.isoformat()}.",
                j,
            )
    gaps.sort(key=lambda g: g[0])
    return tuple(g for _, g in gaps)


GAP_ORDER = {
    k: i
    for i, k in enumerate(("no-response", "missed", "no-commitment", "overdue", "allegation", "unverified", "stale"))
}


# --------------------------------------------------------------------------- questions


def _templates(area: Area, kind: str) -> tuple[str, ...]:
    return area.questions.get(kind) or area.questions.get("general") or (FALLBACK_QUESTIONS[kind],)


def _sources_of(record: Allegation | Commitment, as_of: dt.date) -> tuple[SourceRef, ...]:
    step = as_of.toordinal()
    return tuple(s for s in record.sources if s.date is None or _first(s.date) <= step)


def fill(template: str, context: dict[str, str]) -> str:
    """Return ``template`` with its placeholders filled; raises DataError on an unknown one."""
    try:
        return template.format_map(context)
    except (KeyError, IndexError, ValueError) as exc:
        raise DataError(f"question template {template!r}: cannot fill {exc}") from None


def build_questions(
    company: Company,
    taxonomy: Taxonomy,
    as_of: dt.date,
    w: Weights,
    gaps: Sequence[Gap],
    scored: Sequence[_Scored] = (),
) -> tuple[Question, ...]:
    """Return the engagement questions for ``gaps``, ranked by the risk behind them (rank 1 first).

    ``scored`` are the records' points at ``as_of`` (computed again when not given).
    """
    if not scored:
        scored = [x for x in (_score_allegation(a, as_of, w) for a in company.allegations) if x is not None]
    points = {x.record_id: x.points for x in scored if x.kind == "allegation"}
    check_question_bank(taxonomy)
    allegations = {a.id: a for a in company.allegations}
    commitments = {c.id: c for c in company.commitments}
    used: dict[tuple[str, str], int] = {}
    out: list[Question] = []
    seen: set[str] = set()
    by_key = {a.key: a for a in reversed(taxonomy.areas)}  # taxonomy.area(key), as a lookup
    for gap in gaps:
        area = by_key.get(gap.area) or taxonomy.area(gap.area)
        kind = gap.kind if gap.kind in QUESTION_KINDS else "general"
        record_ids: tuple[str, ...] = ()
        sources: tuple[SourceRef, ...] = ()
        if kind in ("allegation", "no-response") and gap.record_id in allegations:
            a = allegations[gap.record_id]
            ctx = _allegation_context(a, company, area, as_of)
            record_ids, sources = (a.id,), _sources_of(a, as_of)
        elif kind in ("overdue", "missed", "unverified") and gap.record_id in commitments:
            c = commitments[gap.record_id]
            ctx = _commitment_context(c, company, area)
            record_ids, sources = (c.id,), _sources_of(c, as_of)
        elif kind == "no-commitment":
            ctx, record_ids, sources = _no_commitment_context(company, area, as_of, points)
        elif kind == "stale":
            newest = _newest_in_area(company, area.key, as_of)
            ctx = {
                "company": company.name,
                "area": area.short,
                "newest_month_year": month_year(newest) if newest else "2000",
            }
        else:
            ctx = {"company": company.name, "area": area.short}
        templates = _templates(area, kind)
        for _ in range(max(0, w.max_questions_per_gap)):
            n = used.get((area.key, kind), 0)
            used[(area.key, kind)] = n + 1
            text = fill(templates[n % len(templates)], ctx)
            if text in seen:
                continue
            seen.add(text)
            out.append(Question(len(out) + 1, area.key, gap.kind, text, record_ids, sources, gap.priority))
    return tuple(out)


def _no_commitment_context(
    company: Company, area: Area, as_of: dt.date, points: dict[str, float]
) -> tuple[dict[str, str], tuple[str, ...], tuple[SourceRef, ...]]:
    scored = [(points[a.id], a) for a in company.allegations if area.key in a.areas and a.id in points]
    scored.sort(key=lambda t: -t[0])
    top = scored[0][1]
    publisher, _first = _first_source(top)
    ctx = {
        "company": company.name,
        "area": area.short,
        "top_title": quotable(top.title),
        "top_month_year": month_year(top.date),
        "top_publisher": publisher,
        "allegations": _count(len(scored), "allegation"),
    }
    return ctx, tuple(a.id for _, a in scored), _sources_of(top, as_of)


def _newest_in_area(company: Company, key: str, as_of: dt.date) -> PartialDate | None:
    records: list[Allegation | Commitment] = [*company.allegations, *company.commitments]
    step = as_of.toordinal()
    dates = [s.date or r.date for r in records if key in r.areas and _first(r.date) <= step for s in r.sources]
    dates = [d for d in dates if _first(d) <= step]
    return max(dates) if dates else None


# --------------------------------------------------------------------------- opportunities


def build_opportunities(
    company: Company, taxonomy: Taxonomy, as_of: dt.date, w: Weights, areas: tuple[AreaScore, ...]
) -> tuple[Opportunity, ...]:
    """Return own-progress and area opportunities (peer practice is added by compile_profiles)."""
    keys = taxonomy.keys
    records: list[Allegation | Commitment] = [*company.allegations, *company.commitments]
    out: list[Opportunity] = []
    good = [
        c
        for c in company.commitments
        if c.status in ("achieved", "in-progress") and not is_overdue(c, as_of) and _first(c.date) <= as_of.toordinal()
    ]
    position = {c.id: i for i, c in enumerate(company.commitments)}
    rank = {"achieved": 0, "in-progress": 1}
    vrank = {"certified": 0, "third-party": 1, "self-reported": 2, "none": 3}
    for c in sorted(good, key=lambda c: (rank[c.status], vrank[c.verification], position[c.id])):
        key = _primary_area(c.areas, keys)
        if c.status == "achieved":
            text = f'{company.name} reports "{c.title}" as achieved ({_VERIFICATION_WORDS[c.verification]}).'
        else:
            by = f", targeting {c.target_year}" if c.target_year else ""
            text = f'{company.name} reports "{c.title}" as in progress{by} ({_VERIFICATION_WORDS[c.verification]}).'
        out.append(Opportunity("commitment", key, text, (c.id,)))
    # Area levers only where the company's records touch the area; statements that name a
    # material the records name come first.
    step = as_of.toordinal()
    materials: dict[str, set[str]] = {}
    for r in records:
        if r.materials and _first(r.date) <= step:
            for k in r.areas:
                materials.setdefault(k, set()).update(m.replace("-", " ") for m in r.materials)
    by_key = {a.key: a for a in taxonomy.areas}
    for score in sorted(areas, key=lambda a: (-a.net, keys.index(a.key))):
        if not score.allegations and not score.commitments:
            continue
        area = by_key[score.key]
        if not area.opportunities:
            continue
        named = materials.get(score.key, set())
        lowered = [t.lower() for t in area.opportunities]
        ranked = sorted(range(len(lowered)), key=lambda i: (not any(m in lowered[i] for m in named), i))
        ids = tuple(dict.fromkeys(c.record_id for c in score.contributions))
        for i in ranked[: w.opportunities_per_area]:
            out.append(Opportunity("area", score.key, area.opportunities[i], ids))
    return tuple(out)


PeerHolders = dict[str, "PeerPool"]


class PeerPool:
    """The companies holding a verified commitment in good standing in one area, with their best one.

    ``ids`` and ``id_set`` are computed once per workspace: each company's peer opportunity
    would otherwise rebuild the holder list, making peer practice O(companies²).
    """

    __slots__ = ("id_set", "ids", "pairs")

    def __init__(self, pairs: list[tuple[Company, Commitment]]) -> None:
        self.pairs = pairs
        self.ids = tuple(p.id for p, _ in pairs)
        self.id_set = frozenset(self.ids)


def _good_standing(c: Commitment, as_of: dt.date, w: Weights) -> bool:
    return commitment_role(c, as_of) == "credit"


def peer_holders(companies: Sequence[Company], taxonomy: Taxonomy, as_of: dt.date, w: Weights) -> PeerHolders:
    """Return per area the companies holding a verified commitment in good standing there, with their best one.

    Computed once per workspace (companies sorted by name) so peer practice costs O(companies), not O(n²).
    """
    out: dict[str, list[tuple[Company, Commitment]]] = {k: [] for k in taxonomy.keys}
    for peer in sorted(companies, key=lambda p: (p.name.casefold(), p.id)):
        best: dict[str, Commitment] = {}
        for c in peer.commitments:
            if c.verification not in w.peer_verification or not _good_standing(c, as_of, w):
                continue
            rank = (-w.verification[c.verification], -w.commitment_status[c.status], c.id)
            for k in c.areas:
                held = best.get(k)
                if held is None or rank < (
                    -w.verification[held.verification],
                    -w.commitment_status[held.status],
                    held.id,
                ):
                    best[k] = c
        for k, c in best.items():
            if k in out:
                out[k].append((peer, c))
    return {k: PeerPool(v) for k, v in out.items()}


def peer_opportunities(
    company: Company, holders_by_area: PeerHolders, taxonomy: Taxonomy, as_of: dt.date, w: Weights, profile: Profile
) -> tuple[Opportunity, ...]:
    """Return one opportunity per area where peers hold a verified commitment and ``company`` holds none.

    "None" means none in good standing: missed, withdrawn and overdue-announced commitments do not count.
    ``holders_by_area`` comes from ``peer_holders``; ``company`` itself is skipped in it.
    """
    mine = {k for c in company.commitments if _good_standing(c, as_of, w) for k in c.areas}
    out: list[Opportunity] = []
    order = {a.key: (-a.net, i) for i, a in enumerate(profile.areas)}
    areas = {a.key: a for a in taxonomy.areas}
    for key in sorted(areas, key=lambda k: order.get(k, (0.0, 99))):
        if key in mine:
            continue
        pool = holders_by_area.get(key)
        if pool is None or not pool.pairs:
            continue
        holders, ids = pool.pairs, pool.ids
        if company.id in pool.id_set:  # only rebuild the list when the company is among the holders
            holders = [(p, c) for p, c in holders if p.id != company.id]
            ids = tuple(p.id for p, _ in holders)
            if not holders:
                continue
        area = areas[key]
        named = [
            f'{p.name} ("{c.title}", {_VERIFICATION_WORDS[c.verification]}'
            + (f", {_STATUS_WORDS[c.status]}" if c.status != "announced" else "")
            + ")"
            for p, c in holders[:3]
        ]
        more = f" and {len(holders) - 3} more" if len(holders) > 3 else ""
        text = (
            f"Peer practice on {area.short}: {join_words(named)}{more}. "
            f"{company.name} holds no commitment in good standing in this area."
        )
        out.append(Opportunity("peer", key, text, (), ids))
    return tuple(out)
