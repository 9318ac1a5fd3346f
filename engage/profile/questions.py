"""Engagement questions for a profile's gaps, from the taxonomy's question bank; pure functions.

Question templates come from the taxonomy's bank (``questions:`` per area, keyed by gap
kind) and are filled with a record's specifics. Every placeholder a template may use is
listed in ``PLACEHOLDERS``; each always has a value, and a template naming anything else is
rejected with a DataError, so no question is ever printed with a ``{placeholder}`` left in
it. A template that needs a specific the record lacks ({supplier}, {region}, {materials}) is
skipped for that record rather than filled with a stand-in. This module reads the model
and the records' scored points (passed in by ``engage.profile.compile``), never the scorer.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..asof import known_sources, record_known, source_known
from ..countries import country_in_prose
from ..dates import PartialDate
from ..errors import DataError
from ..records import Allegation, Commitment, Company, Policy
from ..taxonomy import QUESTION_KINDS, Area, Taxonomy
from .model import Gap, Question, ScoredRecord, SourceRef, new_question
from .rules import date_key, first_ordinal, is_association, is_deal, is_linked_only, reports_harm
from .weights import Weights
from .wording import (
    STATUS_WORDS,
    VERIFICATION_WORDS,
    count_words,
    first_sentence,
    fix_possessives,
    join_words,
    month_year,
    prose_dates,
    record_noun,
    reported_sentence,
)

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
_COMMITMENT = frozenset(
    {"commitment", "title", "target", "target_year", "month_year", "status", "verification", "materials"}
)

PLACEHOLDERS: dict[str, frozenset[str]] = {
    "allegation": _COMMON | _ALLEGATION,
    "no-response": _COMMON | _ALLEGATION,
    "no-commitment": _COMMON | frozenset({"top_title", "top_month_year", "top_publisher", "allegations", "including"}),
    "overdue": _COMMON | _COMMITMENT,
    "missed": _COMMON | _COMMITMENT,
    "unverified": _COMMON | _COMMITMENT,
    "stale": _COMMON | frozenset({"newest_month_year"}),
    "general": _COMMON,
}

# Used only when a (workspace) taxonomy leaves a kind and 'general' empty for an area, or when
# every template of the kind needs a specific the record lacks (a supplier, a region...). They
# address the company as "you", assume neither a supplier nor a harm event (a record may be a
# benchmark of policies), and never claim which allegation is the most recent.
FALLBACK_QUESTIONS: dict[str, str] = {
    "allegation": "{reported}. What did your review find, what have you changed since, "
    "and, where anyone was harmed, what remedy was provided?",
    "no-response": "{reported}. We find no public response from {company}. "
    "Will you publish one, with what your review found and what you have changed since?",
    "no-commitment": "{company} faces {allegations} on {area}, {including}{top_title} ({top_month_year}), "
    "but has no credible commitment in this area. What time-bound, verifiable commitment will you make?",
    "overdue": "The target year has passed for {commitment}, which is still {status}. "
    "What is the revised date, and what caused the delay?",
    "missed": "The record shows {commitment} as {status}. What will replace it, and by when?",
    "unverified": "Progress against {commitment} is {verification}. "
    "Will you have it verified by an independent third party?",
    "stale": "We find no public information on {company} and {area} since {newest_month_year}. "
    "What has changed since then?",
    "general": "How do you identify, prevent and account for risks in {area}, and how do you report on them?",
}


#: The fallbacks of allegation questions where nobody was reported harmed: no remedy asked.
NO_REMEDY_QUESTIONS: dict[str, str] = {
    "allegation": "{reported}. What did your review find, and what have you changed since?",
    "no-response": "{reported}. We find no public response from {company}. "
    "Will you publish one, with what your review found and what you have changed since?",
}


#: The questions of an allegation about organising and bargaining (a strike, union charges):
#: nobody is asked for "remedy"; the company is asked how it respects freedom of association.
ASSOCIATION_QUESTIONS: dict[str, str] = {
    "allegation": "{reported}. Where does the matter stand now, and how do you make sure that workers at your "
    "sites and your suppliers' can organise and bargain collectively without interference or retaliation?",
    "no-response": "{reported}. We find no public response from {company}. Will you publish where the matter "
    "stands now, and how you make sure that workers can organise and bargain collectively without "
    "interference or retaliation?",
}


#: A union-rights allegation whose summary records progress since (a vote to join a union, a first contract).
ASSOCIATION_PROGRESS_QUESTION = (
    "{reported}; the record shows progress since. Will you apply the same principles (no retaliation, recognition "
    "of the union workers choose, good-faith bargaining) at your other sites, and what do you expect of your suppliers?"
)
#: Words of a development that show workers' rights now respected: a vote to join a union, a first contract.
PROGRESS_WORDS = re.compile(
    r"\b(voted to (?:join|unionise|unionize)|(?:first|collective) (?:contract|agreement)|recogni[sz]ed the union)\b",
    re.IGNORECASE,
)


def shows_progress(a: Allegation) -> bool:
    """Return whether a later sentence of a summary records workers' rights now respected (a union vote, a contract).

    The first sentence states the allegation ("after Tesla refused to sign a collective agreement").
    """
    text = " ".join((a.summary or "").split())
    return bool(PROGRESS_WORDS.search(text[len(first_sentence(text)) :]))


#: A target's trailing gloss (", cutting about ...") and closing aside ("(the Polestar 0 project)").
_GLOSS = re.compile(r",\s+\w+ing\b.*$")
_ASIDE = re.compile(r"\s*\([^()]*\)$")


def commitment_noun(c: Commitment) -> str:
    """Return a commitment as a person names it mid-sentence, by what it promises, never by pasting its title.

    'your target of at least 10% of primary steel and aluminium purchases near-zero carbon by
    2030'; with no stated target, 'the commitment on steel and aluminum you announced in December
    2022' (the annex heading names the area).
    """
    if c.target:
        what = " ".join(c.target.split()).split(";")[0].strip().rstrip(". ")
        what = _GLOSS.sub("", what)  # ", cutting about ...": a gloss, not the target
        what = _ASIDE.sub("", what)  # a closing aside "(the Polestar 0 project)"
        if what[:1].isupper() and what[1:2].islower():
            what = what[:1].lower() + what[1:]
        year = f" by {c.target_year}" if c.target_year and str(c.target_year) not in what else ""
        return f"your target of {what}{year}"
    on = f" on {join_words(list(c.materials))}" if 0 < len(c.materials) <= 2 else ""
    return f"the commitment{on} you announced in {month_year(c.date)}"


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


def _first_source(record: Allegation | Commitment) -> tuple[str, PartialDate]:
    """Return (publisher phrase, date) of the earliest dated source, else of the record."""
    dated = [s for s in record.sources if s.date]
    # date_key is PartialDate's own order, without its slower generated comparison methods.
    src = min(dated, key=lambda s: date_key(s.date or record.date)) if dated else record.sources[0]
    publisher = src.publisher or "a published source"
    return publisher, src.date or record.date


def _within(d: PartialDate, period: PartialDate) -> bool:
    """Return True when ``d`` and ``period`` can be the same day (equal at the precision both give)."""
    return (
        d.year == period.year
        and (not d.month or not period.month or d.month == period.month)
        and (not d.day or not period.day or d.day == period.day)
    )


def _publisher_within(record: Allegation, as_of: dt.date) -> str | None:
    """Return the publisher of a source dated within the record's date (and by ``as_of``), else None.

    Undated sources and sources of a later date (a post months after the report) do not count:
    the sentence would otherwise tie a publisher to a date it did not publish on.
    """
    for s in record.sources:
        if s.publisher and s.date and _within(s.date, record.date) and source_known(s, as_of):
            return s.publisher
    return None


class _Placeholders(dict[str, str]):
    """A question's placeholder values, each computed when a template first names it.

    Most templates name a few of a record's specifics: the reported-sentence, the regions in
    words, the newest development are only worked out for the templates that use them. An
    unknown name raises KeyError, as a plain dict would.
    """

    __slots__ = ("_args", "_makers")

    def __init__(self, makers: Mapping[str, Callable[..., str]], args: tuple[Any, ...], known: dict[str, str]) -> None:
        super().__init__(known)
        self._makers = makers
        self._args = args

    def __missing__(self, name: str) -> str:
        value = self[name] = self._makers[name](*self._args)
        return value


def _latest_month_year(a: Allegation, as_of: dt.date) -> str:
    """Return the month of the newest development (by as-of), else of the record, as prose."""
    # a.latest, ordered by date_key (PartialDate's own order) rather than its generated comparisons.
    latest = max([a.date] + ([a.updated] if a.updated else []) + [s.date for s in a.sources if s.date], key=date_key)
    return month_year(latest) if first_ordinal(latest) <= as_of.toordinal() else month_year(a.date)


def _regions(a: Allegation) -> str:
    """Return the allegation's regions in words ('Indonesia and the Philippines'), else a stand-in."""
    regions = [country_in_prose(r) for r in a.regions]
    return join_words(regions) if regions else "the region concerned"


# The placeholders of an allegation's questions, beyond {company} and {area}: (allegation, as-of) -> text.
_ALLEGATION_VALUES: dict[str, Callable[[Allegation, dt.date], str]] = {
    "title": lambda a, as_of: record_noun(a.title),
    "reported": lambda a, as_of: reported_sentence(a.title, _publisher_within(a, as_of), a.date),
    "month_year": lambda a, as_of: month_year(a.date),
    "latest_month_year": _latest_month_year,
    "publisher": lambda a, as_of: _first_source(a)[0],
    "severity": lambda a, as_of: a.severity,
    "status": lambda a, as_of: STATUS_WORDS[a.status],
    "supplier": lambda a, as_of: a.suppliers[0] if a.suppliers else "the supplier concerned",
    "region": lambda a, as_of: _regions(a),
    "materials": lambda a, as_of: join_words(a.materials) if a.materials else "the materials concerned",
}

# The placeholders of a commitment's questions, beyond {company} and {area}: commitment -> text.
_COMMITMENT_VALUES: dict[str, Callable[[Commitment], str]] = {
    "commitment": commitment_noun,
    "title": lambda c: " ".join(c.title.split()).rstrip(". "),
    "target": lambda c: (c.target or c.title).rstrip(". "),
    "target_year": lambda c: str(c.target_year) if c.target_year else "its target date",
    "month_year": lambda c: month_year(c.date),
    "status": lambda c: STATUS_WORDS[c.status],
    "verification": lambda c: VERIFICATION_WORDS[c.verification],
    "materials": lambda c: join_words(c.materials) if c.materials else "the materials concerned",
}


@functools.lru_cache(maxsize=8)
def _stand_ins(supplier: bool, region: bool, materials: bool) -> frozenset[str]:
    """Return the placeholders filled only with a stand-in ("the supplier concerned") for the specifics lacking."""
    lacking = (("supplier", supplier), ("region", region), ("materials", materials))
    return frozenset(name for name, stand_in in lacking if stand_in)


def _allegation_context(
    a: Allegation, company: Company, area: Area, as_of: dt.date
) -> tuple[dict[str, str], frozenset[str]]:
    """Return the placeholders of an allegation's questions, and those only filled with a stand-in."""
    ctx = _Placeholders(_ALLEGATION_VALUES, (a, as_of), {"company": company.name, "area": area.short})
    return ctx, _stand_ins(not a.suppliers, not a.regions, not a.materials)


def _commitment_context(c: Commitment, company: Company, area: Area) -> tuple[dict[str, str], frozenset[str]]:
    """Return the placeholders of a commitment's questions, and those only filled with a stand-in."""
    ctx = _Placeholders(_COMMITMENT_VALUES, (c,), {"company": company.name, "area": area.short})
    return ctx, _stand_ins(False, False, not c.materials)


# --------------------------------------------------------------------------- questions


def _templates(area: Area, kind: str) -> tuple[str, ...]:
    return tuple(area.questions.get(kind) or area.questions.get("general") or (FALLBACK_QUESTIONS[kind],))


@functools.lru_cache(maxsize=1024)
def _names(template: str) -> frozenset[str]:
    return frozenset(placeholders_of(template))


@functools.lru_cache(maxsize=1024)
def _eligible(templates: tuple[str, ...], kind: str, missing: frozenset[str]) -> tuple[str, ...]:
    """Return the templates that need none of the ``missing`` specifics, else the kind's fallback.

    A question about "the supplier concerned" or "the region concerned" is never asked: a record
    that names no supplier (a strike at the company's own plant, a benchmark of its policies)
    gets a template that does not assume one.
    """
    if not missing:
        return templates
    fit = tuple(t for t in templates if not (_names(t) & missing))
    return fit or (FALLBACK_QUESTIONS[kind],)


@functools.lru_cache(maxsize=1024)
def _without_remedy(templates: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """Return the templates that do not ask for remedy, else the kind's no-remedy fallback."""
    return tuple(t for t in templates if "remedy" not in t) or (NO_REMEDY_QUESTIONS[kind],)


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
    scored: Sequence[ScoredRecord],
) -> tuple[Question, ...]:
    """Return the engagement questions for ``gaps``, ranked by the risk behind them (rank 1 first).

    ``scored`` are the records' points at ``as_of``, as the scorer gave them to the gaps.
    """
    points = {x.record_id: x.points for x in scored if x.kind == "allegation"}
    # Each scored record's sources known by the as-of date, else known_sources works them out.
    known = {(x.kind, x.record_id): x.sources for x in scored}
    check_question_bank(taxonomy)
    allegations = {a.id: a for a in company.allegations}
    commitments = {c.id: c for c in company.commitments}
    used: dict[tuple[str, str, str], int] = {}
    out: list[Question] = []
    seen: set[str] = set()
    by_key = {a.key: a for a in reversed(taxonomy.areas)}  # taxonomy.area(key), as a lookup
    fitting: dict[tuple[str, str, frozenset[str]], tuple[str, ...]] = {}  # _eligible, by area key, kind and missing
    fix = company.name.endswith("s")  # only then can fix_possessives change a text
    for gap in gaps:
        area = by_key.get(gap.area) or taxonomy.area(gap.area)
        kind = gap.kind if gap.kind in QUESTION_KINDS else "general"
        record_ids: tuple[str, ...] = ()
        sources: tuple[SourceRef, ...] = ()
        missing: frozenset[str] = frozenset()
        if kind in ("allegation", "no-response") and gap.record_id in allegations:
            a = allegations[gap.record_id]
            ctx, missing = _allegation_context(a, company, area, as_of)
            record_ids, sources = (a.id,), known.get(("allegation", a.id)) or known_sources(a.sources, as_of)
        elif kind in ("overdue", "missed", "unverified") and gap.record_id in commitments:
            c = commitments[gap.record_id]
            if kind == "unverified" and is_deal(c):
                continue  # verification is asked of targets and policies, not of a purchase or a venture
            ctx, missing = _commitment_context(c, company, area)
            record_ids, sources = (c.id,), known.get(("commitment", c.id)) or known_sources(c.sources, as_of)
        elif kind == "no-commitment":
            ctx, record_ids, sources = _no_commitment_context(company, area, as_of, points, known)
        elif kind == "stale":
            newest = _newest_in_area(company, area.key, as_of)
            ctx = {
                "company": company.name,
                "area": area.short,
                "newest_month_year": month_year(newest) if newest else "2000",
            }
        else:
            ctx = {"company": company.name, "area": area.short}
        templates = fitting.get((area.key, kind, missing)) or fitting.setdefault(
            (area.key, kind, missing), _eligible(_templates(area, kind), kind, missing)
        )
        if kind in ("allegation", "no-response") and record_ids and not _remedy_fits(allegations[record_ids[0]]):
            # Remedy is asked only where people were reported harmed (rules.reports_harm), and
            # not of a company a report only links to harm in its supply chain (its leverage is asked).
            templates = _without_remedy(templates, kind)
        if kind in ("allegation", "no-response") and record_ids and is_association(allegations[record_ids[0]]):
            # A strike or union charges: asked about freedom of association, never about remedy.
            progress = shows_progress(allegations[record_ids[0]])
            templates = (ASSOCIATION_PROGRESS_QUESTION if progress else ASSOCIATION_QUESTIONS[kind],)
        for _ in range(max(0, w.max_questions_per_gap)):
            # The area's least-used fitting template (first in the bank on a tie), so that
            # questions vary even when some records rule templates out.
            if len(templates) == 1:
                template = templates[0]
            else:
                template = min(templates, key=lambda t: used.get((area.key, kind, t), 0))
            used[(area.key, kind, template)] = used.get((area.key, kind, template), 0) + 1
            text = prose_dates(fill(template, ctx))
            if fix:
                text = fix_possessives(text, company.name)
            if text in seen:
                continue
            seen.add(text)
            out.append(new_question(len(out) + 1, area.key, gap.kind, text, record_ids, sources, gap.priority))
    return tuple(out)


def _remedy_fits(a: Allegation) -> bool:
    """Return whether a question may ask the company about remedy for an allegation."""
    return reports_harm(a) and not is_linked_only(a)


# The placeholders of a no-commitment question about the area's top allegation: allegation -> text.
_TOP_VALUES: dict[str, Callable[[Allegation], str]] = {
    "top_title": lambda a: record_noun(a.title),
    "top_month_year": lambda a: month_year(a.date),
    "top_publisher": lambda a: _first_source(a)[0],
}


def _no_commitment_context(
    company: Company,
    area: Area,
    as_of: dt.date,
    points: dict[str, float],
    known: Mapping[tuple[str, str], tuple[SourceRef, ...]] | None = None,
) -> tuple[dict[str, str], tuple[str, ...], tuple[SourceRef, ...]]:
    """Return the placeholders of a no-commitment question, its allegations' ids and the top one's sources.

    ``known`` holds scored records' sources by (kind, id), else they are worked out again.
    """
    scored = [(points[a.id], a) for a in company.allegations if area.key in a.areas and a.id in points]
    scored.sort(key=lambda t: -t[0])
    top = scored[0][1]
    ctx = _Placeholders(
        _TOP_VALUES,
        (top,),
        {
            "company": company.name,
            "area": area.short,
            "allegations": count_words(len(scored), "allegation"),
            # The top allegation is the highest-scoring, not the newest: templates say "including",
            # never "most recently". One allegation is named as it stands.
            "including": "including " if len(scored) > 1 else "",
        },
    )
    sources = (known or {}).get(("allegation", top.id)) or known_sources(top.sources, as_of)
    return ctx, tuple(a.id for _, a in scored), sources


def _newest_in_area(company: Company, key: str, as_of: dt.date) -> PartialDate | None:
    """Return the newest date of a known source of the area's records at ``as_of`` (undated: the record's date)."""
    records: list[Allegation | Commitment | Policy] = [*company.allegations, *company.commitments, *company.policies]
    dates = [
        s.date or r.date
        for r in records
        if key in r.areas and record_known(r, as_of)
        for s in known_sources(r.sources, as_of)
    ]
    # max(dates), by date_key: PartialDate's own order without its slower generated comparisons.
    return max(dates, key=date_key) if dates else None
