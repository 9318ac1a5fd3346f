"""The model's small shared rules: day arithmetic on partial dates, recency, saturation, commitment states.

Scoring, history, gaps, questions and opportunities all ask these; each is a pure function
(the ordinal and step memos only remember what they computed). What is known at a date is
``engage.asof``'s rule, which ``has_records`` and ``commitment_role`` follow.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
from collections.abc import Sequence

from ..asof import record_known
from ..dates import PartialDate
from ..records import Allegation, Commitment, Company
from .weights import Weights

_DIGIT = re.compile(r"\d")
#: The average month, in days: ages in months are ages in days over this.
DAYS_PER_MONTH = 30.4375


def months_before(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` calendar months earlier (clamped to the month's end)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def recency_factor(age_months: float, weights: Weights) -> float:
    """Return the recency weight of something ``age_months`` old: 1, then halving, never below the floor."""
    over = age_months - weights.recency_full_months
    if over <= 0:
        return 1.0
    return max(weights.recency_floor, 0.5 ** (over / weights.recency_half_life_months))


def first_ordinal(d: PartialDate) -> int:
    """Return the ordinal of the first day ``d`` can mean."""
    return dt.date(d.year, d.month or 1, d.day or 1).toordinal()


def date_key(d: PartialDate) -> tuple[int, int, int]:
    """Return the sort key of a partial date (the order of PartialDate, without its slower generated methods)."""
    return (d.year, d.month, d.day)


# (first, last) ordinals by (year, month, day): a workspace's records share few distinct dates.
DAY_SPANS: dict[tuple[int, int, int], tuple[int, int]] = {}


def day_span(d: PartialDate) -> tuple[int, int]:
    """Return (first_ordinal(d), last_ordinal(d)), memoised."""
    key = (d.year, d.month, d.day)
    span = DAY_SPANS.get(key)
    if span is None:
        span = DAY_SPANS[key] = (first_ordinal(d), last_ordinal(d))
    return span


def last_ordinal(d: PartialDate) -> int:
    """Return the ordinal of the last day ``d`` can mean."""
    if d.day:
        return dt.date(d.year, d.month, d.day).toordinal()
    if d.month:
        return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1).toordinal() - 1
    return dt.date(d.year, 12, 31).toordinal()


def is_quantified(c: Commitment) -> bool:
    """Return True when the commitment's target names a number (a percentage, a tonnage, a year...)."""
    return bool(c.target and _DIGIT.search(c.target))


def has_records(company: Company, as_of: dt.date) -> bool:
    """Return whether any allegation, commitment or policy of ``company`` is known at ``as_of`` (else: not rated)."""
    return any(
        record_known(r, as_of)
        for records in (company.allegations, company.commitments, company.policies)
        for r in records
    )


def is_overdue(c: Commitment, as_of: dt.date) -> bool:
    """Return True when the target year has passed and the commitment is not achieved, missed or withdrawn."""
    return c.target_year is not None and c.target_year < as_of.year and c.status in ("announced", "in-progress")


def commitment_role(c: Commitment, as_of: dt.date) -> str | None:
    """Return 'penalty' (missed, withdrawn, or overdue and only announced), 'credit', or None (unknown at ``as_of``)."""
    if not record_known(c, as_of):
        return None
    return standing(c, as_of)


def standing(c: Commitment, as_of: dt.date) -> str:
    """Return a known commitment's standing: 'penalty' (missed, withdrawn, or overdue and announced) or 'credit'."""
    if c.status in ("missed", "withdrawn") or (c.status == "announced" and is_overdue(c, as_of)):
        return "penalty"
    return "credit"


def round2(x: float) -> float:
    """Return ``x`` rounded to hundredths, never -0.0."""
    return round(x + 0.0, 2) + 0.0


def saturate(points: float, scale: float) -> float:
    """Return 100 * (1 - exp(-points / scale)): 0 for nothing, approaching 100, never reaching it."""
    return 100.0 * (1.0 - math.exp(-max(points, 0.0) / scale))


@functools.lru_cache(maxsize=32)
def history_steps(
    as_of: dt.date, months: int
) -> tuple[tuple[dt.date, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Return the history's monthly steps (newest first), their ordinals, those oldest first, and their -years.

    The negated years ascend, for bisecting on a target year. The same for every company of a
    workspace, hence computed once.
    """
    steps = tuple(months_before(as_of, k) for k in range(1, months + 1))
    ords = tuple(d.toordinal() for d in steps)
    return steps, ords, ords[::-1], tuple(-d.year for d in steps)


def primary_area(areas: Sequence[str], keys: Sequence[str]) -> str:
    """Return the first of a record's ``areas`` that is in the taxonomy's ``keys`` (else its first area)."""
    for k in areas:
        if k in keys:
            return k
    return areas[0]


#: Areas where an allegation is about people: workers, Indigenous Peoples and communities, those seeking remedy.
PEOPLE_AREAS = frozenset({"workers-rights", "fpic", "grievance"})
_OPEN = frozenset({"alleged", "under-investigation", "legal-action", "substantiated"})
#: Words that make a commitment a business arrangement (a purchase, a venture, an investment), not a target.
DEAL_WORDS = re.compile(
    r"\b(offtake|joint venture|jv|investment|invests?|stake|agreement|memorandum|mou|letter of intent|"
    r"partnership|deal|contract|acquisition|cooperation|trial run)\b",
    re.IGNORECASE,
)


#: A title naming a supply from a company: "Supply of ...", "... from Redwood Materials".
SUPPLY_WORDS = re.compile(r"\b(suppl(?:y|ied)\b|from [A-Z][\w-]+)")

#: Words in an allegation's title or summary that report people harmed, whatever its areas.
HARM_WORDS = re.compile(
    r"\b(child labou?r|forced labou?r|slavery|slavery-like|trafficking|killed|deaths?|died|injur\w*|"
    r"displace\w*|evict\w*|abuse\w*|violence|criminalis\w*|criminaliz\w*|nosebleeds|poison\w*)\b",
    re.IGNORECASE,
)


def reports_harm(a: Allegation) -> bool:
    """Return whether an open allegation reports people harmed (severity medium or worse).

    People are harmed when the allegation is in an area about people (workers' rights, FPIC,
    grievance) or its title or summary names a harm to people (``HARM_WORDS``: child labour,
    deaths, evictions...).

    Only then does an ask or question seek remedy; an exposure-risk finding or a policy
    review names nobody harmed, and asking it for remedy would be unfair and unanswerable.
    """
    if a.status not in _OPEN or a.severity == "low":
        return False
    return not PEOPLE_AREAS.isdisjoint(a.areas) or _names_harm(a.title, a.summary)


@functools.lru_cache(maxsize=4096)
def _names_harm(title: str, summary: str | None) -> bool:
    return bool(HARM_WORDS.search(f"{title} {summary or ''}"))


#: Words in an allegation's title that tie the company to harm only through a supply chain or a risk of exposure.
LINK_WORDS = re.compile(
    r"\b(?:report|study|research|investigation)\s+(?:linked|links)\b|\brisk of exposure\b|\bexposed to\b", re.IGNORECASE
)
#: Words in an allegation's title or summary that make it about organising and bargaining, not forced labour.
ASSOCIATION_WORDS = re.compile(
    r"\b(strikes?|collective (?:agreement|bargaining)|unfair.labou?r.practice|union[- ]busting|"
    r"National Labor Relations Board|NLRB|right to organi[sz]e)\b",
    re.IGNORECASE,
)


def is_linked_only(a: Allegation) -> bool:
    """Return whether an allegation only links the company to harm (through its supply chain or an exposure risk).

    Its title says the company was linked to, or at risk of exposure to, harm found elsewhere:
    the company is asked to use its leverage, not to remedy harm it is not reported to have caused.
    """
    return _links_only(a.title)


@functools.lru_cache(maxsize=4096)
def _links_only(title: str) -> bool:
    return bool(LINK_WORDS.search(title))


def is_association(a: Allegation) -> bool:
    """Return whether an allegation is about freedom of association: a strike, a collective agreement, union charges.

    Such an allegation leads an ask on non-retaliation, recognition and bargaining, never one
    on forced-labour tracing or audits.
    """
    return "workers-rights" in a.areas and _names_association(a.title, a.summary)


@functools.lru_cache(maxsize=4096)
def _names_association(title: str, summary: str | None) -> bool:
    return bool(ASSOCIATION_WORDS.search(f"{title} {summary or ''}"))


def is_deal(c: Commitment) -> bool:
    """Return whether a commitment is a business arrangement (an offtake, a joint venture, an investment...).

    Verification is asked of targets and policies, not of deals: a deal's title names one of
    ``DEAL_WORDS``, or a supply from a named company with no share of purchases to meet.
    """
    return _names_deal(c.title, c.target)


@functools.lru_cache(maxsize=4096)
def _names_deal(title: str, target: str | None) -> bool:
    if DEAL_WORDS.search(title):
        return True
    # A supply from a named company ("copper foil from Redwood Materials") with no share to meet is a purchase.
    return bool(SUPPLY_WORDS.search(title)) and "%" not in f"{title} {target or ''}"
