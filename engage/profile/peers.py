"""Peer ranks: each company's place among a workspace's companies, overall and per area, and the leaderboard."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from ..errors import DataError
from .model import OVERALL, PeerRank, Peers, Profile, new_peer_rank
from .rules import round2


def rank_peers(profiles: Iterable[Profile]) -> Peers:
    """Return the ranks of ``profiles`` against each other, overall and per area (lowest risk = rank 1).

    Only rated profiles are ranked and counted in the medians: a company with nothing on
    record has no number to compare, and a baseline-only score would pass for one.
    """
    everyone = list(profiles)
    if not everyone:
        raise DataError("no profiles to rank")
    as_of = everyone[0].as_of
    profs = [p for p in everyone if p.rated]
    if not profs:
        return Peers(
            as_of, (), (OVERALL, *(a.key for a in everyone[0].areas)), MappingProxyType({}), MappingProxyType({})
        )
    area_keys = (OVERALL, *(a.key for a in profs[0].areas))
    # Each profile's area scores in area_keys' order (p.area(key), without a search per key).
    keys = list(area_keys[1:])
    scores = [
        (p.overall, *p.areas) if [a.key for a in p.areas] == keys else [p.area(k) for k in area_keys] for p in profs
    ]
    rows: list[dict[str, PeerRank]] = [{} for _ in profs]
    medians: dict[str, float] = {}
    n = len(profs)
    for j, key in enumerate(area_keys):
        values = [row[j].net for row in scores]
        ordered = sorted(values)
        mid = n // 2
        median = ordered[mid] if n % 2 else round2((ordered[mid - 1] + ordered[mid]) / 2)
        medians[key] = median
        # Per distinct value, its rank and percentile: how many are lower (bisect_left), how many tie.
        placed: dict[float, tuple[int, float]] = {}
        lower = 0
        for i, v in enumerate(ordered):
            if i + 1 == n or ordered[i + 1] != v:
                ties = i - lower  # the others equal to v
                pct = 100.0 * (lower + 0.5 * ties) / (n - 1) if n > 1 else 0.0
                placed[v] = (lower + 1, round(pct + 0.0, 2) + 0.0)  # round2, inlined
                lower = i + 1
        for row, v in zip(rows, values, strict=True):
            rank, pct = placed[v]
            row[key] = new_peer_rank(key, v, rank, n, pct, median)
    ranks = {p.company_id: row for p, row in zip(profs, rows, strict=True)}
    return Peers(
        as_of=as_of,
        company_ids=tuple(p.company_id for p in profs),
        areas=area_keys,
        ranks=MappingProxyType({k: MappingProxyType(v) for k, v in ranks.items()}),
        medians=MappingProxyType(medians),
    )


def leaderboard(profiles: Mapping[str, Profile] | Sequence[Profile], area: str = OVERALL) -> list[Profile]:
    """Return the profiles ordered for a leaderboard of ``area``: lowest net risk first, not rated last."""
    items = list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)
    return sorted(items, key=lambda p: (not p.rated, p.area(area).net, p.company_name.casefold(), p.company_id))
