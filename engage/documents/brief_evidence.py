"""The brief's words about its own evidence: how old it is, why a benchmark ranks the company elsewhere, and policies.

These sentences keep a reader from misreading the numbers: a score built on old evidence
says so on the first page, a fall that only ageing explains is not called an improvement
(``engage.documents.brief.history_text``), and where an external benchmark's rank is far
from engage's, one sentence beside both numbers says what each measures.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..agm import next_agm
from ..profile import OVERALL, Profile
from ..profile.rules import DAYS_PER_MONTH
from ..records import Benchmark, Company, Policy
from .brief_view import FirstPage, PolicyRow, RecordLink
from .environment import date_label
from .references import References

#: Ranks further apart than this share of the field get a sentence saying why.
FAR_APART = 1 / 3

#: What each known benchmark measures, in a clause ("scores ..."); others get the generic clause.
BENCHMARK_MEASURES = {
    "lead the charge leaderboard": "scores the supply-chain policies and practices an automaker discloses",
}
GENERIC_MEASURE = "scores what the company discloses against its own criteria"

POLICY_KIND_WORDS = {
    "hrdd-policy": "Human-rights due-diligence policy",
    "supplier-code": "Supplier code of conduct",
    "fpic-policy": "FPIC (Indigenous Peoples' consent) policy",
    "grievance-mechanism": "Grievance mechanism",
    "smelter-list": "Published smelter or refiner list",
    "sourcing-disclosure": "Sourcing disclosure",
    "deforestation-policy": "Deforestation policy",
    "responsible-minerals-policy": "Responsible-minerals policy",
    "decarbonisation-policy": "Decarbonisation policy for materials",
    "other": "Other policy or disclosure",
}
POLICY_STATUS_WORDS = {
    "none-found": "None found",
    "adopted": "Adopted",
    "implemented": "Implemented",
    "verified": "Independently verified",
}


def policy_rows(
    policies: Sequence[Policy], links: dict[tuple[str, str], RecordLink], shorts: dict[str, str], refs: References
) -> tuple[PolicyRow, ...]:
    """Return the policies table in the book's order, every known source cited."""
    return tuple(
        PolicyRow(
            label=links["policy", p.id].label,
            anchor=links["policy", p.id].anchor,
            title=p.title,
            date=date_label(p.date),
            areas=", ".join(shorts[k] for k in p.areas if k in shorts),
            kind=POLICY_KIND_WORDS.get(p.kind, p.kind),
            status=p.status,
            assessed_by=p.assessed_by,
            summary=p.summary,
            refs=refs.cite(p.sources),
        )
        for p in policies
    )


def evidence_age(profile: Profile) -> tuple[str, str]:
    """Return the newest evidence's date in words and its age ("11–23 months old" for a year).

    A month- or year-precision date is labelled as such, and its age is the range it can be:
    from the period's last day to its first (``age_months``, counted from the first day, is the
    top of it). That is all that is known. Call only when there is evidence.
    """
    ev = profile.evidence
    assert ev.newest is not None
    months = ev.age_months or 0
    dated = profile.overall.newest_source
    partial = dated is not None and dated.precision != "day"
    label = date_label(dated) if partial else date_label(ev.newest)
    if months < 1:
        return label, "this month"
    least = round(max(0, (profile.as_of - dated.last_day()).days) / DAYS_PER_MONTH) if partial and dated else months
    span = f"{least}\u2013{months}" if least < months else f"{months}"
    return label, f"{span} month{'s' if months != 1 else ''} old"


def evidence_note(profile: Profile) -> str:
    """Return the first page's warning when the newest evidence is stale ('' when it is recent or there is none)."""
    ev = profile.evidence
    if ev.newest is None or not ev.stale:
        return ""
    label, age = evidence_age(profile)
    said = (
        f"{age} ({label})"
        if profile.overall.newest_source and profile.overall.newest_source.precision == "day"
        else (f"dated {label}, {age}")
    )
    return f"The newest evidence on record is {said}: read the scores as of then, and ask what has changed since."


def benchmark_gaps(profile: Profile) -> tuple[str, ...]:
    """Return, for each benchmark edition with a rank far from engage's overall rank, why the two differ.

    Positions are compared as shares of each field (rank 1 of 18 and rank 1 of 17 are both
    first); engage's rank is among the rated companies of the workspace. The newest edition
    of each benchmark is used.
    """
    ours = profile.rank(OVERALL)
    if not profile.rated or ours is None or ours.of < 2:
        return ()
    out: list[str] = []
    seen: set[str] = set()
    for b in profile.benchmarks:  # newest first
        key = b.name.casefold()
        if key in seen or b.rank is None or not b.of or b.of < 2:
            continue
        seen.add(key)
        if abs((ours.rank - 1) / (ours.of - 1) - (b.rank - 1) / (b.of - 1)) <= FAR_APART:
            continue
        out.append(_gap_sentence(profile, b, ours.rank, ours.of))
    return tuple(out)


def _gap_sentence(profile: Profile, b: Benchmark, rank: int, of: int) -> str:
    measures = BENCHMARK_MEASURES.get(b.name.casefold(), GENERIC_MEASURE)
    name = profile.company_name
    head = f"{b.name} {b.year} ranks {name} {b.rank} of {b.of}, engage {rank} of {of}: the benchmark {measures}"
    overall = profile.overall
    allegations = overall.allegations
    assert b.rank is not None and b.of  # benchmark_gaps passes only ranked editions
    if (rank - 1) / (of - 1) > (b.rank - 1) / (b.of - 1):  # engage places it nearer the high-risk end
        if allegations:
            return (
                f"{head}, while engage also counts the {allegations} allegation{'s' if allegations != 1 else ''} "
                f"on record as evidence that management has not yet prevented harm."
            )
        return f"{head}, while engage credits only the commitments and policies on record here."
    return (
        f"{head}, while engage finds fewer allegations on record for {name} than for most peers; "
        f"few records are not evidence of good practice."
    )


def first_page(profile: Profile, company: Company) -> FirstPage:
    """Return the cover's facts: the next AGM (or that none is on record), benchmark ranks, coverage, evidence age."""
    upcoming = next_agm(company, profile.as_of)
    if upcoming is None:
        agm = "No AGM on record"
    elif upcoming.expected:
        agm = f"Expected {upcoming.date:%B %Y} (estimate from past meetings; not yet announced)"
    else:
        agm = date_label(upcoming.date)
    editions: list[str] = []
    seen: set[str] = set()
    for b in profile.benchmarks:  # newest first: the newest edition of each benchmark
        if b.name.casefold() in seen:
            continue
        seen.add(b.name.casefold())
        if b.rank is not None and b.of:
            editions.append(f"{b.name} {b.year}: rank {b.rank} of {b.of}")
        elif b.of:
            # The newest edition states no rank: the latest that does is named beside it, so the rank the
            # benchmark-gap sentence cites is on the page too (Hyundai: 2025 unranked, 2024 10 of 18).
            ranked = next(
                (e for e in profile.benchmarks if e.name.casefold() == b.name.casefold() and e.rank and e.of), None
            )
            also = f"; {ranked.year}: rank {ranked.rank} of {ranked.of}" if ranked is not None else ""
            editions.append(f"{b.name} {b.year}: rank not stated ({b.of} assessed){also}")
    ours = profile.rank(OVERALL)
    engage_rank = (
        f"engage: rank {ours.rank} of {ours.of} (1 = lowest unmanaged risk)"
        if profile.rated and ours is not None and ours.of > 1
        else "engage: not ranked"
    )
    areas = len(profile.areas)
    coverage = f"Management assessed in {profile.assessed_areas} of {areas} areas"
    ev = profile.evidence
    if ev.newest is None:
        evidence = "No dated evidence on record"
    else:
        label, age = evidence_age(profile)
        evidence = f"Newest evidence {label} ({age}{', stale' if ev.stale else ''})"
    return FirstPage(agm, tuple(editions), engage_rank, coverage, evidence)
