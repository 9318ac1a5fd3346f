"""Why a number moved over the trend window: new evidence, the ageing of old evidence, or both.

The change since a year ago splits in two at a counterfactual: the net *now* of only what was
known a year ago, aged to now. From the year-ago net to it is ageing (allegations and broken
commitments losing recency weight; nothing else in the model changes with time alone); from
it to the net now is new evidence (records, developments and sources dated in the window,
and target years that passed in it). The cause names the parts that moved the number in the
direction it moved: a fall that ageing alone explains is 'ageing', however much new evidence
pushed the other way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

from ..records import Allegation, Commitment, Policy
from .model import ScoredRecord
from .rules import history_steps, is_overdue, is_quantified
from .score import RecordFacts, Scorer, corroboration, response_factor
from .weights import Weights

#: A part of the change smaller than this (in score points) did not move the number.
MATERIAL = 0.05

Records = tuple[
    Sequence[tuple[Allegation, RecordFacts]],
    Sequence[tuple[Commitment, RecordFacts]],
    Sequence[tuple[Policy, RecordFacts]],
]


def counterfactuals(
    records: Records,
    risk: Mapping[str, Sequence[ScoredRecord]],
    credit: Mapping[str, Sequence[ScoredRecord]],
    scorer: Scorer,
) -> dict[str, float]:
    """Return the counterfactual net now (what was known a year ago, aged to now) of each area something changed in.

    ``risk`` and ``credit`` are each area's scored records now (as areas.area_score takes
    them). An area missing from the result had no change in the window: its counterfactual
    is its net now, and all of its change is ageing.
    """
    changed, touched = _changed(records, scorer)
    if not changed:
        return {}
    w = scorer.w
    out: dict[str, float] = {}
    for key in touched:
        items = risk.get(key)
        if items is None:
            continue
        b = e_cf = c_cf = 0.0
        for s in (*items, *credit[key]):
            role, points = changed.get((s.kind, s.record_id)) or (s.role, s.points)
            if s.kind == "baseline":
                b += points
            if role == "credit":
                c_cf += points
            else:
                e_cf += points
        out[key] = unmanaged(b, e_cf, c_cf, w)
    return out


def overall_counterfactual(nets: Mapping[str, float], counterfactual: Mapping[str, float], w: Weights) -> float | None:
    """Return the overall counterfactual (None when no area changed): the areas' counterfactuals, OWA-combined."""
    if not counterfactual:
        return None
    return _owa([counterfactual.get(k, v) for k, v in nets.items()], w)


def cause_of(net: float, year_ago: float, counterfactual: float | None) -> str:
    """Return the trend cause of a move from ``year_ago`` to ``net``, split at ``counterfactual`` (None: no change)."""
    cf = net if counterfactual is None else counterfactual
    return cause(net - year_ago, net - cf, cf - year_ago)


def cause(change: float, new: float, ageing: float) -> str:
    """Return which parts moved the number in the direction of ``change``: 'new-evidence', 'ageing', 'mixed', 'none'."""
    if abs(change) < MATERIAL:
        return "none"
    sign = 1.0 if change > 0 else -1.0
    parts = [name for name, part in (("new-evidence", new), ("ageing", ageing)) if part * sign >= MATERIAL]
    if len(parts) == 2:
        return "mixed"
    if parts:
        return parts[0]
    return "new-evidence" if new * sign > ageing * sign else "ageing"


def unmanaged(b: float, e: float, c: float, w: Weights) -> float:
    """Return the unmanaged risk of an area from baseline, exposure and credit points (areas.area_score's formula)."""
    if e <= 1e-12:
        return 0.0
    exposure = 100.0 * (1.0 - math.exp(-e / w.exposure_scale))
    if c <= 1e-12:
        return exposure
    managed = (
        (1.0 - math.exp(-c / w.management_scale)) * (w.manageable_inherent * b + w.manageable_evidence * (e - b)) / e
    )
    return exposure * (1.0 - managed)


def _owa(values: Iterable[float], w: Weights) -> float:
    ranked = sorted(values, reverse=True)
    return sum([x * v for x, v in zip(w.overall, ranked, strict=False)])


def _changed(records: Records, scorer: Scorer) -> tuple[dict[tuple[str, str], tuple[str, float]], set[str]]:
    """Return the role and points *now* of what was known a year ago, for each record that changed in the window.

    A record first known in the window counts 0; one with a development or source in it counts
    what was known a year ago, aged to now; a commitment whose target year passed in it counts
    as it stood a year ago. Records missing from the result are as they are now. The set is
    the areas those records are in.
    """
    w, as_of, step = scorer.w, scorer.as_of, scorer.step
    _, ords, _, _ = history_steps(as_of, w.peak_months)
    ya = ords[w.trend_months - 1]
    ya_date = dt.date.fromordinal(ya)
    allegations, commitments, policies = records
    out: dict[tuple[str, str], tuple[str, float]] = {}
    touched: set[str] = set()
    for a, f in allegations:
        if f.start > ya:
            out["allegation", a.id] = ("exposure", 0.0)
            touched.update(a.areas)
        elif f.settled > ya:
            base = w.severity[a.severity] * w.allegation_status[a.status] * response_factor(a, w)
            anchor = f.anchor(ya)
            points = base * corroboration(f.sources_known(ya), w) * scorer.recency(step - anchor)
            out["allegation", a.id] = ("exposure", points)
            touched.update(a.areas)
    for c, f in commitments:
        if f.start > ya:
            out["commitment", c.id] = ("credit", 0.0)
            touched.update(c.areas)
        elif f.settled > ya or (is_overdue(c, as_of) and not is_overdue(c, ya_date)):
            out["commitment", c.id] = _commitment_then(c, f, ya, ya_date, scorer)
            touched.update(c.areas)
    for p, f in policies:
        if f.start > ya:
            out["policy", p.id] = ("credit", 0.0)
            touched.update(p.areas)
    return out, touched


def _commitment_then(c: Commitment, f: RecordFacts, ya: int, ya_date: dt.date, scorer: Scorer) -> tuple[str, float]:
    """Return a commitment's role and points now, as it stood at ``ya`` (its penalty aged to now)."""
    w = scorer.w
    if c.status in ("missed", "withdrawn"):
        return "penalty", w.penalty[c.status] * scorer.recency(scorer.step - f.anchor(ya))
    overdue = is_overdue(c, ya_date)
    if overdue and c.status == "announced":
        return "penalty", w.penalty["overdue"]
    return "credit", (
        w.commitment_base
        + (w.quantified if is_quantified(c) else 0.0)
        + (w.time_bound if c.target_year is not None and not overdue else 0.0)
        + w.verification[c.verification]
        + w.commitment_status[c.status]
    )
