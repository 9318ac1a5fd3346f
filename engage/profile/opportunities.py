"""A profile's opportunities: the company's own progress, the levers of its areas, and peers' practice.

``build_opportunities`` reads one company; peer practice needs the workspace, so
``peer_holders`` gathers once per workspace who holds a verified commitment in good
standing in each area, and ``peer_opportunities`` names them to each company without one.
Every company here is as known at the as-of date (``engage.asof.known_at``, as
``engage.profile.compile`` passes it): its records need no date filter of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..records import Allegation, Commitment, Company
from ..taxonomy import Taxonomy
from .model import AreaScore, Opportunity, Profile, new_opportunity
from .rules import is_overdue, primary_area, standing
from .weights import Weights
from .wording import STATUS_WORDS, VERIFICATION_WORDS, join_words, quotable


def build_opportunities(
    company: Company, taxonomy: Taxonomy, as_of: dt.date, w: Weights, areas: tuple[AreaScore, ...]
) -> tuple[Opportunity, ...]:
    """Return own-progress and area opportunities of ``company`` as known at ``as_of`` (peers: compile_profiles)."""
    keys = taxonomy.keys
    records: list[Allegation | Commitment] = [*company.allegations, *company.commitments]
    out: list[Opportunity] = []
    good = [c for c in company.commitments if c.status in ("achieved", "in-progress") and not is_overdue(c, as_of)]
    position = {c.id: i for i, c in enumerate(company.commitments)}
    rank = {"achieved": 0, "in-progress": 1}
    vrank = {"certified": 0, "third-party": 1, "self-reported": 2, "none": 3}
    for c in sorted(good, key=lambda c: (rank[c.status], vrank[c.verification], position[c.id])):
        key = primary_area(c.areas, keys)
        title, verified = quotable(c.title), VERIFICATION_WORDS[c.verification]
        if c.status == "achieved":
            text = f'{company.name} reports "{title}" as achieved ({verified}).'
        else:
            by = f", targeting {c.target_year}" if c.target_year else ""
            text = f'{company.name} reports "{title}" as in progress{by} ({verified}).'
        out.append(new_opportunity("commitment", key, text, (c.id,), ()))
    # Area levers only where the company's records touch the area; statements that name a
    # material the records name come first.
    materials: dict[str, set[str]] = {}
    for r in records:
        if r.materials:
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
            out.append(new_opportunity("area", score.key, area.opportunities[i], ids, ()))
    return tuple(out)


PeerHolders = dict[str, "PeerPool"]


class PeerPool:
    """The companies holding a verified commitment in good standing in one area, with their best one.

    ``ids`` and ``id_set`` are computed once per workspace: each company's peer opportunity
    would otherwise rebuild the holder list, making peer practice O(companies²).
    """

    __slots__ = ("_named", "id_set", "ids", "pairs")

    def __init__(self, pairs: list[tuple[Company, Commitment]]) -> None:
        self.pairs = pairs
        self.ids = tuple(p.id for p, _ in pairs)
        self.id_set = frozenset(self.ids)
        self._named: str | None = None

    def named(self) -> str:
        """Return the holders in words (``holders_in_words``), worked out once: most companies are not among them."""
        if self._named is None:
            self._named = holders_in_words(self.pairs)
        return self._named


def holders_in_words(holders: Sequence[tuple[Company, Commitment]]) -> str:
    """Return the first three holders with their commitments, and how many more, as a phrase."""
    named = [
        f'{p.name} ("{quotable(c.title)}", {VERIFICATION_WORDS[c.verification]}'
        + (f", {STATUS_WORDS[c.status]}" if c.status != "announced" else "")
        + ")"
        for p, c in holders[:3]
    ]
    more = f" and {len(holders) - 3} more" if len(holders) > 3 else ""
    return join_words(named) + more


def _good_standing(c: Commitment, as_of: dt.date, w: Weights) -> bool:
    return standing(c, as_of) == "credit"


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
        ids = pool.ids
        if company.id in pool.id_set:  # only rebuild the list when the company is among the holders
            holders = [(p, c) for p, c in pool.pairs if p.id != company.id]
            if not holders:
                continue
            ids = tuple(p.id for p, _ in holders)
            named = holders_in_words(holders)
        else:
            named = pool.named()
        text = (
            f"Peer practice on {areas[key].short}: {named}. "
            f"{company.name} holds no commitment in good standing in this area."
        )
        out.append(new_opportunity("peer", key, text, (), ids))
    return tuple(out)
