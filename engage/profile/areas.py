"""Record points -> area and overall scores: exposure, mitigation and net, each record's share to the cent.

An area's contributions sum exactly (to the hundredth) to its totals (``apportion``); the
overall score is an ordered weighted average of the areas, largest first (``owa``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from ..dates import PartialDate
from .causes import cause_of
from .history import summarise
from .model import OVERALL, AreaScore, Contribution, ScoredRecord, new_area_score, new_contribution
from .rules import round2, saturate
from .weights import Weights


def _cents(x: float) -> int:
    """Return ``x`` in whole hundredths."""
    return round(x * 100)


def apportion(total_cents: int, shares: Sequence[float]) -> list[int]:
    """Split ``total_cents`` over ``shares`` (floats summing to about total/100), largest remainder first."""
    if len(shares) <= 1:
        return [total_cents] if shares else []
    raw = [s * 100 for s in shares]
    out = list(map(math.floor, raw))
    rem = total_cents - sum(out)
    if not rem:
        return out
    # Largest remainder first, ties by position: (o - r) is exactly -(r - o).
    # The sort is stable, so equal remainders keep their positions' order.
    order = sorted(range(len(raw)), key=[o - r for r, o in zip(raw, out, strict=True)].__getitem__)
    # A cent at a time round the order (from its end when taking cents away): every share
    # gets the whole rounds, the first (or last) ``extra`` one more.
    rounds, extra = divmod(abs(rem), len(order))
    step = 1 if rem > 0 else -1
    if rounds:
        out = [o + step * rounds for o in out]
    for i in order[:extra] if rem > 0 else order[len(order) - extra :]:
        out[i] += step
    return out


def owa(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Return the ordered-weighted-average weight of each value (largest value, largest weight)."""
    # Largest first; a stable sort keeps equal values in their order, reversed or not.
    order = sorted(range(len(values)), key=values.__getitem__, reverse=True)
    out = [0.0] * len(values)
    for i, weight in zip(order, weights, strict=False):
        out[i] = weight
    return out


def area_score(
    key: str,
    title: str,
    risk: Sequence[ScoredRecord],
    credit: Sequence[ScoredRecord],
    w: Weights,
    history: tuple[Sequence[float], Sequence[dt.date], dt.date],
    newest: PartialDate | None,
    counterfactual: float | None,
) -> AreaScore:
    """Return an area's score from its records' points: ``risk`` (baseline, exposure and penalties) and ``credit``.

    Exposure saturates the baseline and evidence points together; management saturates the
    credit points. Full management would take off ``manageable_inherent`` of the baseline's
    share of exposure and ``manageable_evidence`` of the evidence's (an allegation shows that
    management failed); the unmanaged rest is the net. Records' shares sum to the cent.
    """
    assessed = bool(credit) or any(s.role == "penalty" for s in risk)
    if not risk and not credit:
        return _with_trend(
            key,
            title,
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
            (0.0, history[2], 0.0),
            newest,
            (0, 0, 0),
            (),
            w,
            (False, counterfactual),
        )
    e_points = sum([s.cents for s in risk]) / 100
    c_points = sum([s.cents for s in credit]) / 100
    # The baseline, when there is one, is the first of the risk records (compile puts it there).
    base = risk[0].kind == "baseline" if risk else False
    b_points = risk[0].cents / 100 if base else 0.0
    exposure = saturate(e_points, w.exposure_scale)
    management = saturate(c_points, w.management_scale)
    net = exposure * (1.0 - management / 100 * manageable_share(b_points, e_points, w))
    x_c, m_c, n_c = _cents(exposure), _cents(management), _cents(net)
    off_c = x_c - n_c
    f = exposure / e_points if e_points else 0.0
    x_sh = apportion(x_c, [s.points * f for s in risk])
    contributions = [
        new_contribution(s.record_id, s.kind, s.role, s.title, key, s.factors, s.points, x / 100, 0.0, x / 100, s.note)
        for s, x in zip(risk, x_sh, strict=False)
    ]
    inherent_c = x_sh[0] if base else 0
    if credit:
        fm = management / c_points if c_points else 0.0
        fo = off_c / 100 / c_points if c_points else 0.0
        m_sh = apportion(m_c, [s.points * fm for s in credit])
        o_sh = apportion(off_c, [s.points * fo for s in credit])
        contributions += [
            new_contribution(
                s.record_id, s.kind, s.role, s.title, key, s.factors, s.points, 0.0, m / 100, -o / 100 + 0.0, s.note
            )
            for s, m, o in zip(credit, m_sh, o_sh, strict=False)
        ]
    net_v = n_c / 100
    peak, peak_on, year_ago = summarise(history[0], history[1], net_v, history[2], w)
    kinds = [s.kind for s in risk]
    n_allegations = kinds.count("allegation")
    n_policies = [s.kind for s in credit].count("policy") if credit else 0
    n_commitments = kinds.count("commitment") + len(credit) - n_policies
    return _with_trend(
        key,
        title,
        (x_c / 100, m_c / 100, off_c / 100, net_v, e_points, c_points, b_points),
        (peak, peak_on, year_ago),
        newest,
        (n_allegations, n_commitments, n_policies),
        tuple(contributions),
        w,
        (assessed, counterfactual),
        inherent_c / 100,
    )


def manageable_share(b_points: float, e_points: float, w: Weights) -> float:
    """Return the share of exposure full management could take off: the baseline's and the evidence's, weighted."""
    if e_points <= 0:
        return 0.0
    return (w.manageable_inherent * b_points + w.manageable_evidence * (e_points - b_points)) / e_points


def _with_trend(
    key: str,
    title: str,
    values: tuple[float, float, float, float, float, float, float],
    history: tuple[float, dt.date, float],
    newest: PartialDate | None,
    counts: tuple[int, int, int],
    contributions: tuple[Contribution, ...],
    w: Weights,
    state: tuple[bool, float | None],
    inherent: float = 0.0,
) -> AreaScore:
    """Return the AreaScore of (exposure, mitigation, offset, net, exposure, credit and baseline points)."""
    exposure, mitigation, offset, net, e_points, c_points, b_points = values
    peak, peak_on, year_ago = history
    delta = round2(net - year_ago)
    trend = "rising" if delta >= w.trend_threshold else "falling" if delta <= -w.trend_threshold else "steady"
    # Positional, in field order: keyword calls cost more, and there are 14 per company.
    return new_area_score(
        key,
        title,
        exposure,
        mitigation,
        offset,
        net,
        w.band(net),
        e_points,
        c_points,
        peak,
        peak_on,
        year_ago,
        trend,
        delta,
        newest,
        counts[0],
        counts[1],
        contributions,
        b_points,
        inherent,
        counts[2],
        state[0],
        cause_of(net, year_ago, state[1]) if delta else "none",  # an unmoved number has nothing to explain
    )


def overall_score(
    areas: Sequence[AreaScore],
    w: Weights,
    history: tuple[Sequence[float], Sequence[dt.date], dt.date],
    counterfactual: float | None,
) -> AreaScore:
    """Combine area scores: an ordered weighted average of each measure, largest areas first."""
    wx = owa([a.exposure for a in areas], w.overall)
    wm = owa([a.mitigation for a in areas], w.overall)
    wn = owa([a.net for a in areas], w.overall)
    exposure = sum([x * a.exposure for x, a in zip(wx, areas, strict=False)])
    mitigation = sum([x * a.mitigation for x, a in zip(wm, areas, strict=False)])
    net = sum([x * a.net for x, a in zip(wn, areas, strict=False)])
    x_c, m_c, n_c = _cents(exposure), _cents(mitigation), _cents(net)
    n_c = min(n_c, x_c)
    # One overall contribution per (record, role); its shares are the weighted area shares.
    # entry: [first contribution, weighted exposure, mitigation and net shares, labels of the
    # record's areas that weigh in the overall net]
    keyed: dict[tuple[str, str, str], list[Any]] = {}
    for i, a in enumerate(areas):
        if not a.contributions:
            continue
        fx, fm, fn = wx[i], wm[i], wn[i]
        # An area outside the top ones adds 0.0 x share to every sum, which changes none: skip the sums.
        weighs = fx or fm or fn
        label = f"{a.key} x{fn:.2f}" if fn else None
        for c in a.contributions:
            k = (c.record_kind, c.record_id, c.role)
            entry = keyed.get(k)
            if entry is None:
                entry = keyed[k] = [c, 0.0, 0.0, 0.0, []]
            if weighs:
                entry[1] += fx * c.exposure
                entry[2] += fm * c.mitigation
                entry[3] += fn * c.net
            if label:
                entry[4].append(label)
    entries = list(keyed.values())
    x_sh = apportion(x_c, [e[1] for e in entries])
    m_sh = apportion(m_c, [e[2] for e in entries])
    n_sh = apportion(n_c, [e[3] for e in entries])
    contributions = []
    # Each record's points in whole hundredths, by (kind, id) and role (the same in every area).
    risk_cents: dict[tuple[str, str], int] = {}
    credit_cents: dict[tuple[str, str], int] = {}
    inherent = 0.0
    for e, x, m, n in zip(entries, x_sh, m_sh, n_sh, strict=True):
        c = e[0]
        used = ", ".join(e[4])
        note = c.note + (f"; overall weights: {used}" if used else "; overall weight 0 (not among the top areas)")
        kind, points = c.record_kind, c.points
        contributions.append(
            new_contribution(
                c.record_id, kind, c.role, c.title, OVERALL, c.factors, points, x / 100, m / 100, n / 100, note
            )
        )
        if c.role == "credit":
            credit_cents[kind, c.record_id] = round(points * 100)
        else:
            risk_cents[kind, c.record_id] = round(points * 100)
            if kind == "baseline":
                inherent += x / 100
    newest = max((a.newest_source for a in areas if a.newest_source), default=None)
    net_v = n_c / 100
    peak, peak_on, year_ago = summarise(history[0], history[1], net_v, history[2], w)
    kinds = [kind for kind, _ in (*risk_cents, *credit_cents)]
    return _with_trend(
        OVERALL,
        "Overall",
        (
            x_c / 100,
            m_c / 100,
            (x_c - n_c) / 100,
            net_v,
            sum(risk_cents.values()) / 100,
            sum(credit_cents.values()) / 100,
            sum([v for (kind, _), v in risk_cents.items() if kind == "baseline"]) / 100,
        ),
        (max(peak, net_v), peak_on, year_ago),
        newest,
        (kinds.count("allegation"), kinds.count("commitment"), kinds.count("policy")),
        tuple(contributions),
        w,
        (any(a.assessed for a in areas), counterfactual),
        round2(inherent),
    )
