"""Gaps, engagement questions and opportunities of a profile; pure functions used by engage.profile.

Question templates come from the taxonomy's bank (``questions:`` per area, keyed by gap
kind) and are filled with a record's specifics. Every placeholder a template may use is
listed in ``PLACEHOLDERS``; each always has a value, and a template naming anything else is
rejected with a DataError, so no question is ever printed with a ``{placeholder}`` left in
it. A template that needs a specific the record lacks ({supplier}, {region}, {materials}) is
skipped for that record rather than filled with a stand-in. Questions address the company
as "you", write dates in words, and write "General Motors'" for a name ending in s.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

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
    _new_gap,
    _new_opportunity,
    _new_question,
    _score_allegation,
    _Scored,
    _span,
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
    "no-commitment": '{company} faces {allegations} on {area}, {including}"{top_title}" ({top_month_year}), '
    "but has no credible commitment in this area. What time-bound, verifiable commitment will you make?",
    "overdue": 'Your commitment "{title}" targeted {target_year} and is still {status}. '
    "What is the revised date, and what caused the delay?",
    "missed": 'Your commitment "{title}" is recorded as {status}. What will replace it, and by when?',
    "unverified": 'Your commitment "{title}" is {verification}. '
    "Will you have progress verified by an independent third party?",
    "stale": "We find no public information on {company} and {area} since {newest_month_year}. "
    "What has changed since then?",
    "general": "How do you identify, prevent and account for risks in {area}, and how do you report on them?",
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


def date_phrase(d: PartialDate) -> str:
    """Return the date with its preposition: 'on 27 October 2023', 'in October 2023' or 'in 2023'."""
    return f"{'on' if d.day else 'in'} {month_year(d)}"


_ISO_DAY = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")


def prose_dates(text: str) -> str:
    """Return ``text`` with its ISO day dates ('2024-07-04') written out ('4 July 2024')."""
    if "-0" not in text and "-1" not in text:  # no ISO month without either: skip the expression's scan
        return text
    return _ISO_DAY.sub(lambda m: f"{int(m.group(3))} {_MONTHS[int(m.group(2))]} {m.group(1)}", text)


def possessive(name: str) -> str:
    """Return the possessive of a name: "Volkswagen's", but "General Motors'" for a name ending in s."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _fix_possessives(text: str, name: str) -> str:
    """Return ``text`` with "<name>'s" (a template's "{company}'s") as ``possessive(name)``."""
    if not name.endswith("s"):
        return text
    return text.replace(f"{name}'s", possessive(name)).replace(f"{name}\u2019s", f"{name}\u2019")


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


# A title is used as a clause after "In July 2024, " only when it plainly is one: a named actor
# and one of these verbs ("Global Witness named ..."), or a report and one of the report verbs
# ("BHRRC report linked ...", "Report alleged ..."). Any other title is quoted, so a headline
# or a noun phrase ("NLRB charges of union-busting at ...") never has to pass for a sentence.
_ACTOR_VERBS = frozenset(
    "announced asked called concluded demanded documented ended filed fined found identified joined launched "
    "named published questioned ranked rated refused rejected reported revealed said showed signed stated sued "
    "told urged warned withdrew wrote".split()
)
_REPORT_VERBS = _ACTOR_VERBS | frozenset(
    {"accused", "alleged", "claimed", "criticised", "criticized", "estimated", "linked"}
)
_REPORT_NOUNS = frozenset(
    {"report", "reports", "investigation", "investigations", "study", "analysis", "survey", "audit", "review"}
)
_CONNECTORS = frozenset({"and", "&", "of", "for", "on", "the"})
# Actors named with "the": "the US Department of Labor", "the Business & Human Rights Resource Centre".
_THE_FIRST = frozenset({"US", "UK", "EU", "UN", "UAW", "NLRB", "ILO", "OECD"})
_THE_WORDS = frozenset({"Department", "Ministry", "Centre", "Center", "Commission", "Agency", "Office", "Council"})


def _with_article(name: str) -> str:
    """Return an institution's name as it reads mid-sentence: 'the US Department of Labor', 'Global Witness'."""
    words = name.split("(")[0].split()
    if words and words[0].lower() != "the" and (words[0] in _THE_FIRST or any(w in _THE_WORDS for w in words)):
        return f"the {name}"
    return name


def _indefinite(word: str) -> str:
    """Return 'a' or 'an' for the word that follows: 'an Amnesty report', 'an NGO report', 'a UN report'."""
    if len(word) > 1 and word.isupper():
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    return "an" if word[:1] in ("A", "E", "I", "O", "a", "e", "i", "o") else "a"


def _as_clause(title: str) -> str | None:
    """Return ``title`` as a clause to follow "In July 2024, ", or None when it is not plainly one."""
    words = title.split()
    if len(words) < 2:
        return None
    if words[0] == "Reports" and words[1] in ("of", "that"):  # "Reports of X": "there were reports of X"
        return "there were reports " + " ".join(words[1:])
    if words[0] == "Report" and words[1] == "that":  # "Report that X": "a report said that X"
        return "a report said " + " ".join(words[1:])
    if title[0] in '"\u201c':  # a named report: '"Short circuits" report found ...'
        close = title.find('"' if title[0] == '"' else "\u201d", 1)
        rest = title[close + 1 :].split() if close > 0 else []
        if len(rest) >= 2 and rest[0] in _REPORT_NOUNS and rest[1] in _REPORT_VERBS:
            return f"the {title}"
        return None
    i = 0
    while i < len(words) and (words[i][0].isupper() or words[i][0].isdigit() or (i and words[i] in _CONNECTORS)):
        i += 1
    subject, rest = words[:i], words[i:]
    if not subject or not rest or subject[-1] in _CONNECTORS:
        return None
    if subject in (["Report"], ["Reports"]) and rest[0] in _REPORT_VERBS:  # "Report alleged ..."
        return ("a report " if subject == ["Report"] else "reports ") + " ".join(rest)
    if rest[0] in _ACTOR_VERBS:  # "Global Witness named ..."
        return _with_article(" ".join(subject)) + " " + " ".join(rest)
    if len(rest) >= 2 and rest[0] in _REPORT_NOUNS and rest[1] in _REPORT_VERBS:  # "BHRRC report linked ..."
        article = "" if rest[0].endswith("s") else _indefinite(subject[0]) + " "
        return article + title
    return None


def reported_sentence(title: str, publisher: str | None, when: PartialDate) -> str:
    """Return a sentence (no final stop) saying when, and if known by whom, ``title`` was reported.

    'In July 2024, Global Witness named ...' when the title is plainly a clause; otherwise the
    title is quoted: 'On 4 July 2024, Solutions for Our Climate reported "..."', or, with no
    ``publisher``, 'In January 2024, a report described "..."'. ``publisher`` must be that of a
    source dated within ``when`` (see ``_publisher_within``), so the two are never at odds.
    """
    lead = date_phrase(when)
    lead = lead[0].upper() + lead[1:]
    title = title.rstrip(". ")
    clause = _as_clause(title)
    if clause is not None:
        return f"{lead}, {clause}"
    if publisher:
        return f'{lead}, {_with_article(publisher)} reported "{quotable(title)}"'
    return f'{lead}, a report described "{quotable(title)}"'


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
    step = as_of.toordinal()
    for s in record.sources:
        if s.publisher and s.date and _within(s.date, record.date) and _span(s.date)[0] <= step:
            return s.publisher
    return None


def _primary_area(areas: Sequence[str], keys: Sequence[str]) -> str:
    for k in areas:
        if k in keys:
            return k
    return areas[0]


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
    # a.latest, ordered by _ymd (PartialDate's own order) rather than its generated comparisons.
    latest = max([a.date] + ([a.updated] if a.updated else []) + [s.date for s in a.sources if s.date], key=_ymd)
    return month_year(latest) if _first(latest) <= as_of.toordinal() else month_year(a.date)


def _regions(a: Allegation) -> str:
    """Return the allegation's regions in words ('Indonesia and the Philippines'), else a stand-in."""
    regions = [COUNTRY_NAMES.get(r, r) for r in a.regions]
    return join_words(regions) if regions else "the region concerned"


# The placeholders of an allegation's questions, beyond {company} and {area}: (allegation, as-of) -> text.
_ALLEGATION_VALUES: dict[str, Callable[[Allegation, dt.date], str]] = {
    "title": lambda a, as_of: quotable(a.title),
    "reported": lambda a, as_of: reported_sentence(a.title, _publisher_within(a, as_of), a.date),
    "month_year": lambda a, as_of: month_year(a.date),
    "latest_month_year": _latest_month_year,
    "publisher": lambda a, as_of: _first_source(a)[0],
    "severity": lambda a, as_of: a.severity,
    "status": lambda a, as_of: _STATUS_WORDS[a.status],
    "supplier": lambda a, as_of: a.suppliers[0] if a.suppliers else "the supplier concerned",
    "region": lambda a, as_of: _regions(a),
    "materials": lambda a, as_of: join_words(a.materials) if a.materials else "the materials concerned",
}

# The placeholders of a commitment's questions, beyond {company} and {area}: commitment -> text.
_COMMITMENT_VALUES: dict[str, Callable[[Commitment], str]] = {
    "title": lambda c: quotable(c.title),
    "target": lambda c: (c.target or c.title).rstrip(". "),
    "target_year": lambda c: str(c.target_year) if c.target_year else "its target date",
    "month_year": lambda c: month_year(c.date),
    "status": lambda c: _STATUS_WORDS[c.status],
    "verification": lambda c: _VERIFICATION_WORDS[c.verification],
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
        # round(min(100.0, max(0.0, priority)), 2), without the calls (0.0 also for -0.0, as max gives)
        priority = round(0.0 if priority <= 0.0 else 100.0 if priority >= 100.0 else priority, 2)
        sort_key = (-priority, GAP_ORDER[kind], position.get(area, 99), order)
        gaps.append((sort_key, _new_gap(kind, area, record_id, priority, prose_dates(text))))

    exposure_scale = w.exposure_scale
    for i, a in enumerate(company.allegations):
        s = points.get(("allegation", a.id))
        if s is None or a.status not in OPEN_STATUSES:
            continue
        area = a.areas[0] if a.areas[0] in position else _primary_area(a.areas, keys)
        standalone = saturate(s.points, exposure_scale)
        what = f'"{quotable(a.title)}" ({a.severity}, {_STATUS_WORDS[a.status]}, {month_year(a.date)})'
        if a.company_response is None:
            add("no-response", area, a.id, standalone, f"No company response on record to {what}.", i)
        else:
            add("allegation", area, a.id, 0.8 * standalone, f"Open allegation with a response on record: {what}.", i)
    for i, c in enumerate(company.commitments):
        s = points.get(("commitment", c.id))
        if s is None:
            continue
        area = c.areas[0] if c.areas[0] in position else _primary_area(c.areas, keys)
        if c.status in ("missed", "withdrawn"):
            worst = max((by_area[k].exposure for k in c.areas if k in by_area), default=0.0)
            prio = max(saturate(s.points, exposure_scale), worst)
            add("missed", area, c.id, prio, f'Commitment "{quotable(c.title)}" is {c.status}.', i)
        elif is_overdue(c, as_of):
            worst = max((by_area[k].exposure for k in c.areas if k in by_area), default=0.0)
            prio = max(saturate(w.penalty["overdue"], exposure_scale), worst)
            add(
                "overdue",
                area,
                c.id,
                prio,
                f'Commitment "{quotable(c.title)}" targeted {c.target_year} and is still {_STATUS_WORDS[c.status]}.',
                i,
            )
        elif c.verification in ("none", "self-reported"):
            worst = max((by_area[k].exposure for k in c.areas if k in by_area), default=0.0)
            add(
                "unverified",
                area,
                c.id,
                max(5.0, 0.5 * worst),
                f'Commitment "{quotable(c.title)}" is {_VERIFICATION_WORDS[c.verification]}.',
                i,
            )
    cutoff = months_before(as_of, w.stale_months).toordinal()
    for j, score in enumerate(areas):
        if (
            score.exposure >= w.gap_min_exposure
            and not any(c.role == "credit" and c.points >= w.credible_min for c in score.contributions)
            and any(c.record_kind == "allegation" and c.role == "exposure" for c in score.contributions)
        ):
            add(
                "no-commitment",
                score.key,
                None,
                score.net,
                f"{shorts[score.key]}: exposure {score.exposure:.1f} from "
                f"{_count(score.allegations, 'allegation')} and no credible commitment.",
                j,
            )
        # PartialDate.last_day(), as an ordinal from the memo of spans.
        if score.newest_source is not None and _span(score.newest_source)[1] < cutoff:
            add(
                "stale",
                score.key,
                None,
                max(5.0, 0.5 * score.exposure),
                f"{shorts[score.key]}: no source since {month_year(score.newest_source)}, "
                f"more than {w.stale_months} months before {month_year(PartialDate.from_date(as_of))}.",
                j,
            )
    gaps.sort(key=itemgetter(0))
    return tuple(g for _, g in gaps)


GAP_ORDER = {
    k: i
    for i, k in enumerate(("no-response", "missed", "no-commitment", "overdue", "allegation", "unverified", "stale"))
}


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


def _sources_of(record: Allegation | Commitment, as_of: dt.date) -> tuple[SourceRef, ...]:
    step = as_of.toordinal()
    return tuple([s for s in record.sources if s.date is None or _span(s.date)[0] <= step])


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
    # Each scored record's sources known by the as-of date, else _sources_of works them out.
    known = {(x.kind, x.record_id): x.sources for x in scored}
    check_question_bank(taxonomy)
    allegations = {a.id: a for a in company.allegations}
    commitments = {c.id: c for c in company.commitments}
    used: dict[tuple[str, str, str], int] = {}
    out: list[Question] = []
    seen: set[str] = set()
    by_key = {a.key: a for a in reversed(taxonomy.areas)}  # taxonomy.area(key), as a lookup
    fitting: dict[tuple[str, str, frozenset[str]], tuple[str, ...]] = {}  # _eligible, by area key, kind and missing
    fix = company.name.endswith("s")  # only then can _fix_possessives change a text
    for gap in gaps:
        area = by_key.get(gap.area) or taxonomy.area(gap.area)
        kind = gap.kind if gap.kind in QUESTION_KINDS else "general"
        record_ids: tuple[str, ...] = ()
        sources: tuple[SourceRef, ...] = ()
        missing: frozenset[str] = frozenset()
        if kind in ("allegation", "no-response") and gap.record_id in allegations:
            a = allegations[gap.record_id]
            ctx, missing = _allegation_context(a, company, area, as_of)
            record_ids, sources = (a.id,), known.get(("allegation", a.id)) or _sources_of(a, as_of)
        elif kind in ("overdue", "missed", "unverified") and gap.record_id in commitments:
            c = commitments[gap.record_id]
            ctx, missing = _commitment_context(c, company, area)
            record_ids, sources = (c.id,), known.get(("commitment", c.id)) or _sources_of(c, as_of)
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
                text = _fix_possessives(text, company.name)
            if text in seen:
                continue
            seen.add(text)
            out.append(_new_question(len(out) + 1, area.key, gap.kind, text, record_ids, sources, gap.priority))
    return tuple(out)


# The placeholders of a no-commitment question about the area's top allegation: allegation -> text.
_TOP_VALUES: dict[str, Callable[[Allegation], str]] = {
    "top_title": lambda a: quotable(a.title),
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
            "allegations": _count(len(scored), "allegation"),
            # The top allegation is the highest-scoring, not the newest: templates say "including",
            # never "most recently". One allegation is named as it stands.
            "including": "including " if len(scored) > 1 else "",
        },
    )
    sources = (known or {}).get(("allegation", top.id)) or _sources_of(top, as_of)
    return ctx, tuple(a.id for _, a in scored), sources


def _newest_in_area(company: Company, key: str, as_of: dt.date) -> PartialDate | None:
    records: list[Allegation | Commitment] = [*company.allegations, *company.commitments]
    step = as_of.toordinal()
    dates = [s.date or r.date for r in records if key in r.areas and _span(r.date)[0] <= step for s in r.sources]
    dates = [d for d in dates if _span(d)[0] <= step]
    # max(dates), by _ymd: PartialDate's own order without its slower generated comparisons.
    return max(dates, key=_ymd) if dates else None


# --------------------------------------------------------------------------- opportunities


def build_opportunities(
    company: Company, taxonomy: Taxonomy, as_of: dt.date, w: Weights, areas: tuple[AreaScore, ...]
) -> tuple[Opportunity, ...]:
    """Return own-progress and area opportunities (peer practice is added by compile_profiles)."""
    keys = taxonomy.keys
    records: list[Allegation | Commitment] = [*company.allegations, *company.commitments]
    out: list[Opportunity] = []
    step = as_of.toordinal()
    good = [
        c
        for c in company.commitments
        if c.status in ("achieved", "in-progress") and not is_overdue(c, as_of) and _span(c.date)[0] <= step
    ]
    position = {c.id: i for i, c in enumerate(company.commitments)}
    rank = {"achieved": 0, "in-progress": 1}
    vrank = {"certified": 0, "third-party": 1, "self-reported": 2, "none": 3}
    for c in sorted(good, key=lambda c: (rank[c.status], vrank[c.verification], position[c.id])):
        key = _primary_area(c.areas, keys)
        title, verified = quotable(c.title), _VERIFICATION_WORDS[c.verification]
        if c.status == "achieved":
            text = f'{company.name} reports "{title}" as achieved ({verified}).'
        else:
            by = f", targeting {c.target_year}" if c.target_year else ""
            text = f'{company.name} reports "{title}" as in progress{by} ({verified}).'
        out.append(_new_opportunity("commitment", key, text, (c.id,), ()))
    # Area levers only where the company's records touch the area; statements that name a
    # material the records name come first.
    materials: dict[str, set[str]] = {}
    for r in records:
        if r.materials and _span(r.date)[0] <= step:
            for k in r.areas:
                materials.setdefault(k, set()).update(m.replace("-", " ") for m in r.materials)
    by_key = {a.key: a for a in taxonomy.areas}
    key_index = {k: i for i, k in reversed(list(enumerate(keys)))}  # keys.index, as a lookup
    for score in sorted(areas, key=lambda a: (-a.net, key_index[a.key])):
        if not score.allegations and not score.commitments:
            continue
        area = by_key[score.key]
        if not area.opportunities:
            continue
        named = materials.get(score.key)
        if named:
            lowered = [t.lower() for t in area.opportunities]
            ranked = sorted(range(len(lowered)), key=lambda i: (not any(m in lowered[i] for m in named), i))
        else:  # no material to put first: the statements in their order
            ranked = list(range(len(area.opportunities)))
        ids = tuple(dict.fromkeys([c.record_id for c in score.contributions]))
        for i in ranked[: w.opportunities_per_area]:
            out.append(_new_opportunity("area", score.key, area.opportunities[i], ids, ()))
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
            f'{p.name} ("{quotable(c.title)}", {_VERIFICATION_WORDS[c.verification]}'
            + (f", {_STATUS_WORDS[c.status]}" if c.status != "announced" else "")
            + ")"
            for p, c in holders[:3]
        ]
        more = f" and {len(holders) - 3} more" if len(holders) > 3 else ""
        text = (
            f"Peer practice on {area.short}: {join_words(named)}{more}. "
            f"{company.name} holds no commitment in good standing in this area."
        )
        out.append(_new_opportunity("peer", key, text, (), ids))
    return tuple(out)
