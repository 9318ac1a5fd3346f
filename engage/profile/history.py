"""The 24-month history of a profile: net risk at monthly steps before the as-of date, its peak and trend.

Step 0 (the as-of date) is scored in full by ``engage.profile.score``; the steps before it
re-evaluate only what time changes (inclusion, the latest development, sources so far,
recency, overdue status) with ordinal arithmetic that follows ``engage.asof``'s rule: a
source counts from the first day its date can mean, and a record from then once one of its
sources does (``RecordFacts.start``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence
from itertools import accumulate

from ..records import Allegation, Commitment, Policy
from .rules import DAYS_PER_MONTH, history_steps, is_quantified, round2
from .score import RecordFacts, Scorer, corroboration, response_factor
from .weights import Weights


class _Grid:
    """The per-area, per-step points of one profile's history, as the record passes add to them.

    ``e_pts``/``c_pts`` hold exposure and credit points step by step (newest first);
    ``e_diff``/``c_diff`` are difference arrays for points constant over a record's steps.
    """

    __slots__ = ("ascending", "c_diff", "c_pts", "e_diff", "e_pts", "index", "n", "ords", "years")

    def __init__(
        self, keys: Sequence[str], ords: Sequence[int], ascending: Sequence[int], years: Sequence[int]
    ) -> None:
        n = self.n = len(ords)
        self.ords, self.ascending, self.years = ords, ascending, years
        self.index = {k: i for i, k in enumerate(keys)}
        self.e_pts = [[0.0] * n for _ in keys]
        self.c_pts = [[0.0] * n for _ in keys]
        self.e_diff = [[0.0] * (n + 1) for _ in keys]
        self.c_diff = [[0.0] * (n + 1) for _ in keys]


def history_nets(
    allegations: Sequence[tuple[Allegation, RecordFacts]],
    commitments: Sequence[tuple[Commitment, RecordFacts]],
    policies: Sequence[tuple[Policy, RecordFacts]],
    keys: Sequence[str],
    scorer: Scorer,
    baselines: Sequence[float],
) -> tuple[list[list[float]], Sequence[dt.date]]:
    """Return net per step per area (steps 1..peak_months back; step 0 is computed in full elsewhere).

    Per-record factors are computed once; each step only re-evaluates what time changes:
    inclusion, the latest development, sources so far, recency and overdue status. A record
    whose points do not change over the steps it is included in (recency still full, or
    already at the floor) is added once through a difference array instead of per step; one
    whose points change gets its values as whole lists (recency rows from ``scorer``, stretches
    between developments, the years before and after a target year), added area by area.
    """
    steps, ords, ascending, years = history_steps(scorer.as_of, scorer.w.peak_months)
    grid = _Grid(keys, ords, ascending, years)
    _add_allegations(allegations, grid, scorer)
    _add_commitments(commitments, grid, scorer)
    _add_policies(policies, grid, scorer.w)
    return _nets(grid, scorer.w, baselines), steps


def _add_allegations(allegations: Sequence[tuple[Allegation, RecordFacts]], grid: _Grid, scorer: Scorer) -> None:
    """Add each allegation's exposure points at the steps it is included in."""
    w = scorer.w
    n, ords, ascending, index = grid.n, grid.ords, grid.ascending, grid.index
    e_pts, e_diff = grid.e_pts, grid.e_diff
    full, hl, floor = w.recency_full_months, w.recency_half_life_months, w.recency_floor
    full_days = full * DAYS_PER_MONTH
    floor_days = (full + hl * math.log2(1 / floor)) * DAYS_PER_MONTH if floor > 0 else math.inf

    # Recency at each step, by the day the latest development ended: records share their dates.
    rows, recency_row = scorer.rows, scorer.recency_row  # rows.get(d) or recency_row(d): the memo first

    for a, facts in allegations:
        start = facts.start
        included = n - bisect.bisect_left(ascending, start)  # steps 0..included-1 are on/after the record
        if not included:
            continue
        base = w.severity[a.severity] * w.allegation_status[a.status] * response_factor(a, w)
        if base == 0:
            continue
        idx = [index[k] for k in a.areas if k in index]
        earliest = ords[included - 1]
        if facts.settled <= earliest:
            last = facts.last
            b = base * corroboration(facts.keys, w)
            oldest_age = ords[0] - min(last, ords[0])
            youngest_age = earliest - min(last, earliest)
            if oldest_age <= full_days or youngest_age >= floor_days:
                v = b if oldest_age <= full_days else b * floor
                for i in idx:
                    e_diff[i][0] += v
                    e_diff[i][included] -= v
                continue
            vec = [b * r for r in (rows.get(last) or recency_row(last))[:included]]
        else:
            # Developments and sources appear within the window: between two appearances the
            # latest development and the count of sources hold, so each stretch of steps is one list.
            vec = [0.0] * included
            for lo, hi, latest, sources in stretches(facts.devs(), facts.pubs(), ords, ascending, included):
                bc = base * corroboration(max(1, sources), w)
                vec[lo:hi] = [bc * r for r in (rows.get(latest) or recency_row(latest))[lo:hi]]
        for i in idx:
            # Same additions as row[j] += vec[j] (record by record), as one list operation.
            row = e_pts[i]
            row[:included] = [x + v for x, v in zip(row, vec, strict=False)]


def _add_commitments(commitments: Sequence[tuple[Commitment, RecordFacts]], grid: _Grid, scorer: Scorer) -> None:
    """Add each commitment's credit (or penalty, as exposure) at the steps it is included in."""
    w = scorer.w
    n, ords, ascending, years, index = grid.n, grid.ords, grid.ascending, grid.years, grid.index
    e_pts, c_pts, c_diff = grid.e_pts, grid.c_pts, grid.c_diff
    rows, recency_row = scorer.rows, scorer.recency_row  # rows.get(d) or recency_row(d): the memo first
    for c, facts in commitments:
        start = facts.start
        included = n - bisect.bisect_left(ascending, start)
        if not included:
            continue
        idx = [index[k] for k in c.areas if k in index]
        negative = c.status in ("missed", "withdrawn")
        target = c.target_year
        dated_open = target is not None and c.status in ("announced", "in-progress")
        if not negative and not dated_open:
            # Credit, the same at every included step (no deadline can pass within the window).
            v = (
                w.commitment_base
                + (w.quantified if is_quantified(c) else 0.0)
                + w.verification[c.verification]
                + w.commitment_status[c.status]
                + (w.time_bound if target is not None else 0.0)
            )
            for i in idx:
                c_diff[i][0] += v
                c_diff[i][included] -= v
            continue
        if negative:
            # A penalty that decays with the age of the latest development, as an allegation's points do.
            pen = w.penalty[c.status]
            if facts.settled <= ords[included - 1]:
                last = facts.last
                vec = [pen * r for r in (rows.get(last) or recency_row(last))[:included]]
            else:
                vec = [0.0] * included
                for lo, hi, latest, _sources in stretches(facts.devs(), (), ords, ascending, included):
                    vec[lo:hi] = [pen * r for r in (rows.get(latest) or recency_row(latest))[lo:hi]]
            for i in idx:
                row = e_pts[i]
                row[:included] = [x + v for x, v in zip(row, vec, strict=False)]
            continue
        # An open commitment with a target year is overdue at the steps of the years after it
        # (the newest ``overdue`` steps): then an announced one is a penalty, one in progress
        # loses its time-bound credit; before that it earns full credit.
        assert target is not None  # dated_open
        overdue = min(included, bisect.bisect_left(years, -target))
        credit = (
            w.commitment_base
            + (w.quantified if is_quantified(c) else 0.0)
            + w.verification[c.verification]
            + w.commitment_status[c.status]
        )
        on_time = credit + w.time_bound
        late = w.penalty["overdue"] if c.status == "announced" else credit + 0.0
        late_rows = e_pts if c.status == "announced" else c_pts
        for i in idx:
            if overdue:
                row = late_rows[i]
                row[:overdue] = [x + late for x in row[:overdue]]
            if overdue < included:
                row = c_pts[i]
                row[overdue:included] = [x + on_time for x in row[overdue:included]]


def _add_policies(policies: Sequence[tuple[Policy, RecordFacts]], grid: _Grid, w: Weights) -> None:
    """Add each policy's management points from the first step on or after its date (policies do not age)."""
    n, ascending, index, c_diff = grid.n, grid.ascending, grid.index, grid.c_diff
    for p, facts in policies:
        included = n - bisect.bisect_left(ascending, facts.start)
        v = w.policy_status[p.status]
        if not included or not v:
            continue
        for k in p.areas:
            i = index.get(k)
            if i is not None:
                c_diff[i][0] += v
                c_diff[i][included] -= v


def _nets(grid: _Grid, w: Weights, baselines: Sequence[float]) -> list[list[float]]:
    """Return the net risk of each area at each step, from the grid's points and the areas' baselines."""
    n, e_pts, c_pts, e_diff, c_diff = grid.n, grid.e_pts, grid.c_pts, grid.e_diff, grid.c_diff
    exp = math.exp
    xs, ms = w.exposure_scale, w.management_scale
    k_in, k_ev = w.manageable_inherent, w.manageable_evidence
    nets: list[list[float]] = []
    for i in range(len(e_pts)):
        # Exposure and credit points at each step: the per-step points plus the running sums of
        # the difference arrays, as in acc += d[j] from 0.0 (0.0 + x is x exactly). Net is the
        # saturated exposure (baseline plus evidence) less the manageable share that the
        # saturated credit manages (areas.area_score's formula; no credit: none managed).
        b = baselines[i]
        c_diff_i = c_diff[i]
        if not any(c_pts[i]) and not any(c_diff_i[1:n]):
            # Credit the same at every step (policies and undated-target commitments from before
            # the window, or none): its managed share is worked out once, not at each step.
            credit = c_diff_i[0]  # the running sum of [credit, 0.0, ...] is credit at every step
            managed = 1.0 - exp(-credit / ms) if credit > 1e-12 else 0.0
            nets.append(
                [
                    0.0
                    if (e := b + x + e_acc) <= 1e-12
                    else 100.0 * (1.0 - exp(-e / xs)) * (1.0 - managed * (k_in * b + k_ev * (e - b)) / e)
                    if managed
                    else 100.0 * (1.0 - exp(-e / xs))
                    for x, e_acc in zip(e_pts[i], accumulate(e_diff[i][:n]), strict=True)
                ]
            )
            continue
        nets.append(
            [
                0.0
                if (e := b + x + e_acc) <= 1e-12
                else 100.0 * (1.0 - exp(-e / xs)) * (1.0 - (1.0 - exp(-credit / ms)) * (k_in * b + k_ev * (e - b)) / e)
                if (credit := y + c_acc) > 1e-12
                else 100.0 * (1.0 - exp(-e / xs))
                for x, e_acc, y, c_acc in zip(
                    e_pts[i], accumulate(e_diff[i][:n]), c_pts[i], accumulate(c_diff[i][:n]), strict=True
                )
            ]
        )
    return nets


def stretches(
    devs: Sequence[tuple[int, int]],
    pubs: Sequence[tuple[int, str]],
    ords: Sequence[int],
    ascending: Sequence[int],
    included: int,
) -> list[tuple[int, int, int, int]]:
    """Return the runs of steps (of the newest ``included``) over which a record's known facts hold.

    Each run is (lo, hi, latest, sources): at steps lo..hi-1 (newest first) the latest
    development known ends on day ``latest`` and ``sources`` independent sources are known.
    ``devs`` are (first, last) ordinals and ``pubs`` (first ordinal, publisher key), both sorted
    by first day; a run ends where the next of them appears. The steps are walked oldest
    first, so the latest development is a running maximum: max(min(last, s)) = min(max(last), s).
    """
    n = len(ascending)
    runs = []
    di = pi = 0
    n_devs, n_pubs = len(devs), len(pubs)
    latest = -1
    seen: set[str] = set()
    hi = included  # steps lo..hi-1 are still to be given a run
    while hi:
        s = ords[hi - 1]
        while di < n_devs and devs[di][0] <= s:
            if devs[di][1] > latest:
                latest = devs[di][1]
            di += 1
        while pi < n_pubs and pubs[pi][0] <= s:
            seen.add(pubs[pi][1])
            pi += 1
        upcoming = min(devs[di][0] if di < n_devs else math.inf, pubs[pi][0] if pi < n_pubs else math.inf)
        lo = n - bisect.bisect_left(ascending, upcoming) if upcoming != math.inf else 0  # steps on/after it
        runs.append((lo, hi, latest, len(seen)))
        hi = lo
    return runs


def summarise(
    series: Sequence[float], steps: Sequence[dt.date], current: float, as_of: dt.date, w: Weights
) -> tuple[float, dt.date, float]:
    """Return (peak, peak_on, year_ago) from the current value and the stepped history.

    The peak is the highest value rounded to hundredths; ``peak_on`` is the most recent step
    that reaches the raw maximum (the as-of date when the current value is as high).
    """
    year_ago = round2(series[w.trend_months - 1]) if series else 0.0
    if not series:
        return current, as_of, year_ago
    top = max(series)
    peak = round2(top)
    if peak <= current:
        return current, as_of, year_ago
    return peak, steps[series.index(top)], year_ago
