"""Company records -> risk profiles: one company as of a date, or a whole workspace with peer ranks.

``compile_profile`` scores one company from what ``engage.asof.known_at`` says is known at
the date; ``compile_profiles`` scores every company of a workspace with one shared
``Scorer``, ranks them against each other and adds peer-practice opportunities. Data flows
one way: score -> history -> areas -> gaps -> questions -> opportunities -> peers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
from collections.abc import Iterator, Sequence

from ..asof import known_at
from ..dates import PartialDate
from ..records import Allegation, Commitment, Company, Policy
from ..taxonomy import Taxonomy
from .areas import area_score, overall_score
from .causes import counterfactuals, overall_counterfactual
from .gaps import build_gaps
from .history import history_nets
from .model import Evidence, Peers, Profile, ScoredRecord
from .opportunities import PeerHolders, build_opportunities, peer_holders, peer_opportunities
from .peers import rank_peers
from .questions import build_questions
from .rules import DAYS_PER_MONTH, date_key, months_before
from .score import RecordFacts, Scorer
from .weights import Weights


def compile_profile(company: Company, taxonomy: Taxonomy, as_of: dt.date, weights: Weights) -> Profile:
    """Return the risk profile of ``company`` as of ``as_of``: pure and deterministic.

    Only what ``engage.asof.known_at`` says is known at ``as_of`` counts. Peer ranks and
    peer-practice opportunities need the other companies: use ``compile_profiles``.
    Raises DataError when a question template in the taxonomy uses an unknown placeholder.
    """
    return _compile(company, taxonomy, Scorer(as_of, weights))


def _compile(company: Company, taxonomy: Taxonomy, scorer: Scorer, full: bool = True) -> Profile:
    """Return the profile of ``company``, scored by ``scorer`` (shared by a workspace's companies).

    Not ``full``: only the scores as of the date (no history, trend cause, gaps, questions or
    opportunities), for what peers need of a company; the nets are the full profile's, since
    no net depends on the history.
    """
    w, as_of, step = scorer.w, scorer.as_of, scorer.step
    company = known_at(company, as_of)
    keys = taxonomy.keys
    # Records dated after as-of play no part anywhere (history steps are all before it).
    fa = [(a, f) for a in company.allegations if (f := RecordFacts(a, True)).start <= step]
    fc = [(c, f) for c in company.commitments if (f := RecordFacts(c, False)).start <= step]
    fp = [(p, f) for p in company.policies if (f := RecordFacts(p, False)).start <= step]
    scored: list[ScoredRecord] = []
    for a, f in fa:
        s = scorer.allegation(a, f)
        if s is not None:
            scored.append(s)
    for c, f in fc:
        s = scorer.commitment(c, f)
        if s is not None:
            scored.append(s)
    scored_policies = [scorer.policy(p) for p, _ in fp]
    adjustments = {x.area: x for x in company.exposure_adjustments}
    baselines = [
        scorer.baseline(area.key, area.short, w.baseline.get(area.key, area.baseline), adjustments.get(area.key))
        for area in taxonomy.areas
    ]
    if full:
        nets, steps = history_nets(fa, fc, fp, keys, scorer, [b.points if b else 0.0 for b in baselines])
    else:
        nets, steps = [[] for _ in keys], ()
    newest = _newest_sources([*fa, *fc, *fp], keys, step)
    # Each area's records, in record order: baseline, exposure and penalties; and credit.
    risk: dict[str, list[ScoredRecord]] = {k: [b] if b else [] for k, b in zip(keys, baselines, strict=True)}
    credit: dict[str, list[ScoredRecord]] = {k: [] for k in keys}
    for sc in [*scored, *scored_policies]:
        into = credit if sc.role == "credit" else risk
        for k in sc.areas if len(sc.areas) == 1 else dict.fromkeys(sc.areas):
            held = into.get(k)
            if held is not None:
                held.append(sc)
    # The overall series: the same ordered weighted average at each step (largest areas first).
    top = w.overall
    overall_series = []
    for col in zip(*nets, strict=True):
        ranked = sorted(col, reverse=True)
        overall_series.append(sum([x * v for x, v in zip(top, ranked, strict=False)]))
    counterfactual = counterfactuals((fa, fc, fp), risk, credit, scorer) if full else {}
    areas = [
        area_score(
            area.key,
            area.title,
            risk[area.key],
            credit[area.key],
            w,
            (nets[i], steps, as_of),
            newest.get(area.key),
            counterfactual.get(area.key),
        )
        for i, area in enumerate(taxonomy.areas)
    ]
    overall_cf = overall_counterfactual({a.key: a.net for a in areas}, counterfactual, w)
    overall = overall_score(areas, w, (overall_series, steps, as_of), overall_cf)
    gaps = build_gaps(company, taxonomy, as_of, w, tuple(areas), scored) if full else ()
    questions = build_questions(company, taxonomy, as_of, w, gaps, scored) if full else ()
    opportunities = build_opportunities(company, taxonomy, as_of, w, tuple(areas)) if full else ()
    return Profile(
        company_id=company.id,
        company_name=company.name,
        as_of=as_of,
        weights_version=w.version,
        taxonomy_version=taxonomy.version,
        overall=overall,
        areas=tuple(areas),
        gaps=gaps,
        questions=questions,
        opportunities=opportunities,
        # An edition from a later year than the as-of date was not yet published then.
        benchmarks=tuple(sorted(company.benchmarks, key=lambda b: (-b.year, b.name))),
        rated=bool(fa or fc or fp),
        evidence=_evidence([*fa, *fc, *fp], as_of, w),
        assessed_areas=sum([a.assessed for a in areas]),
        history=(*[round(x, 2) for x in reversed(overall_series)], overall.net),  # nets are never negative
        known=company,
    )


def _evidence(
    records: Sequence[tuple[Allegation | Commitment | Policy, RecordFacts]], as_of: dt.date, w: Weights
) -> Evidence:
    """Return the newest evidence date (first day of the newest source or record date) and its age."""
    if not records:
        return Evidence()
    y, m, d = max(f.newest_key for _, f in records)
    newest = dt.date(y, m or 1, d or 1)
    age = (as_of - newest).days
    months = round(age / DAYS_PER_MONTH)  # 299 days is "10 months", not 9
    return Evidence(newest, age, months, newest < months_before(as_of, w.evidence_stale_months))


def _newest_sources(
    records: Sequence[tuple[Allegation | Commitment | Policy, RecordFacts]], keys: Sequence[str], step: int
) -> dict[str, PartialDate]:
    """Return per area the newest source date on or before ``step`` (a record's date stands in for undated sources)."""
    out: dict[str, PartialDate] = {}
    newest_key: dict[str, tuple[int, int, int]] = {}  # date_key(out[k])
    areas = set(keys)
    for r, f in records:
        if f.start > step:
            continue
        if f.settled <= step:  # every source is dated on or before step
            newest, nk = f.newest, f.newest_key
        else:
            dates = [s.date or r.date for s, first in zip(r.sources, f.src_firsts(), strict=True) if first <= step]
            newest = (max(dates, key=date_key) if len(dates) > 1 else dates[0]) if dates else r.date
            nk = date_key(newest)
        for k in r.areas:
            if k in areas:
                held = newest_key.get(k)
                if held is None or nk > held:
                    out[k] = newest
                    newest_key[k] = nk
    return out


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a workspace's records or profiles are built.

    Records, node trees and profiles hold no reference cycles, so its passes find nothing, and
    over a workspace's worth of growing live objects they cost a third of a compile and half of
    a cold ``check`` of 1,000 companies. On the way out, what was built joins the oldest
    generation, so the collector's next pass does not walk it all again. So does any other young
    object, cyclic garbage included (an exception's traceback, say): it waits for the next full
    collection instead of a young one, a small cost beside a walk of every profile.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            if not gc.get_freeze_count():
                # What the pause allocated would otherwise all sit in the youngest generation, and
                # the first allocation after it would traverse every one of those objects (0.2 s
                # after a 1,000-company compile) to find no garbage. Freezing and unfreezing moves
                # everything to the oldest generation at once instead, as if it had survived there;
                # a full collection still looks at it. Skipped if anything was frozen on purpose
                # (the batch's workers freeze what they keep): unfreeze would thaw it too.
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def compile_scores(
    companies: Sequence[Company], taxonomy: Taxonomy, as_of: dt.date, weights: Weights
) -> dict[str, Profile]:
    """Return each company's unranked scores as of ``as_of``: a profile without history, trend cause, gaps,
    questions or opportunities, whose nets are those of ``compile_profiles`` (what peer ranks need), at
    about half the cost. ``engage check`` fills the cache's peer values with it."""
    with gc_paused():
        scorer = Scorer(as_of, weights)
        return {c.id: _compile(c, taxonomy, scorer, full=False) for c in companies}


def compile_profiles(
    companies: Sequence[Company], taxonomy: Taxonomy, as_of: dt.date, weights: Weights
) -> dict[str, Profile]:
    """Return every company's profile (in input order) with peer ranks and peer-practice opportunities.

    This is the one call a brief, a letter or a leaderboard needs for a workspace.
    """
    with gc_paused():
        return _compile_all(companies, taxonomy, as_of, weights)


def _compile_all(
    companies: Sequence[Company], taxonomy: Taxonomy, as_of: dt.date, weights: Weights
) -> dict[str, Profile]:
    scorer = Scorer(as_of, weights)
    profiles = [_compile(c, taxonomy, scorer) for c in companies]
    if not profiles:
        return {}
    peers = rank_peers(profiles)
    known = [p.known or c for c, p in zip(companies, profiles, strict=True)]
    holders = peer_holders(known, taxonomy, as_of, weights)
    return {
        p.company_id: place_among(p, c, peers, holders, taxonomy, weights) for c, p in zip(known, profiles, strict=True)
    }


def place_among(
    profile: Profile, known: Company, peers: Peers, holders: PeerHolders, taxonomy: Taxonomy, weights: Weights
) -> Profile:
    """Return ``profile`` with its peer ranks and peer-practice opportunities (``known``: the company as known).

    ``compile_profiles`` calls it for every company; ``engage.cache`` for one, from its peers' cached values.
    """
    extra = peer_opportunities(known, holders, taxonomy, profile.as_of, weights, profile)
    cid = profile.company_id
    return dataclasses.replace(
        profile,
        ranks=tuple(peers.ranks[cid][k] for k in peers.areas) if cid in peers.ranks else (),
        opportunities=profile.opportunities + extra,
    )
