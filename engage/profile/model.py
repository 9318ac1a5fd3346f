"""The profile's result types: frozen dataclasses, their constants, and their JSON form.

``Profile`` holds an ``AreaScore`` per action area (and overall), each with the
``Contribution`` of every record that moved it, plus the ``Gap``s, ``Question``s and
``Opportunity``s of the engagement, and the ``PeerRank``s among a workspace's companies.
``to_plain`` turns any of them into JSON-ready data (docs/profile-schema.md).

The annotations here are evaluated when the classes are defined (no ``from __future__
import annotations``), so ``typing.get_type_hints`` resolves them in any namespace: the
JSON Schema in ``engage.export`` is derived from them.
"""

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..dates import PartialDate
from ..records import Benchmark, Company, Source

SCHEMA_VERSION = 2
OVERALL = "overall"
BANDS: tuple[str, ...] = ("low", "moderate", "elevated", "high")
#: What documents show instead of a band when nothing is on record: scores of 0 are not a rating.
NOT_RATED = "not-rated"
GAP_KINDS: tuple[str, ...] = ("no-response", "allegation", "no-commitment", "missed", "overdue", "unverified", "stale")
TREND_CAUSES: tuple[str, ...] = ("new-evidence", "ageing", "mixed", "none")
OPEN_STATUSES = frozenset({"alleged", "under-investigation", "legal-action", "substantiated"})

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one record added to one score, and why.

    ``role`` is 'exposure' (the sector baseline of the area, or an allegation), 'penalty' (a
    missed, withdrawn or overdue commitment: a negative signal counted with exposure) or
    'credit' (management: a commitment's credibility or a policy's status). A 'baseline'
    contribution's ``record_id`` is the area key. ``points`` are model points (exposure points
    or management points); ``exposure``, ``mitigation`` and ``net`` are this record's shares
    of the score's values, which sum exactly (to the hundredth) to the score's totals.
    """

    record_id: str
    record_kind: str  # 'baseline' | 'allegation' | 'commitment' | 'policy'
    role: str  # 'exposure' | 'penalty' | 'credit'
    title: str
    area: str
    factors: Mapping[str, float]
    points: float
    exposure: float
    mitigation: float
    net: float
    note: str


@dataclass(frozen=True, slots=True)
class AreaScore:
    """The risk in one action area (or overall) as of the profile date, with its history.

    All of 0-100: ``exposure`` is the inherent exposure (the sector baseline, ``inherent`` of
    it) plus what allegations and broken commitments add; ``mitigation`` is the management
    score (commitments and policies); ``net`` is the unmanaged risk and ``offset`` = exposure
    - net the managed risk. ``exposure_points`` and ``credit_points`` are the model points
    behind them (``baseline_points`` of the exposure points are the baseline's). ``assessed``
    says whether any management evidence (a commitment or a policy record, found or not) is
    on record. ``peak`` is the highest net at monthly steps over the last 24 months
    (``peak_on`` its most recent step), ``year_ago`` the net a year before, ``trend`` its
    direction and ``trend_cause`` why it moved: 'new-evidence' (records or developments dated
    in the year), 'ageing' (only older allegations losing weight), 'mixed' or 'none'.
    """

    key: str
    title: str
    exposure: float
    mitigation: float
    offset: float
    net: float
    band: str
    exposure_points: float
    credit_points: float
    peak: float
    peak_on: dt.date
    year_ago: float
    trend: str  # 'rising' | 'falling' | 'steady'
    trend_delta: float
    newest_source: PartialDate | None
    allegations: int
    commitments: int
    contributions: tuple[Contribution, ...]
    baseline_points: float
    inherent: float
    policies: int
    assessed: bool
    trend_cause: str  # one of TREND_CAUSES

    @property
    def ranked_on_own_evidence(self) -> bool:
        """Return whether the area holds evidence of the company's own that moves its number.

        Without an allegation, a commitment or a policy that earns points, the area carries only
        the sector baseline (a none-found policy earns none): a peer rank from it says nothing
        about the company, and documents show none.
        """
        return bool(self.allegations or self.commitments or self.credit_points > 0)


# A source cited by a question: the record's own Source (title, publisher, url, date).
SourceRef = Source


@dataclass(frozen=True, slots=True)
class Gap:
    """Something an investor should ask about; ``priority`` (0-100) is the risk behind it."""

    kind: str  # one of GAP_KINDS
    area: str
    record_id: str | None
    priority: float
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    """An engagement question from the taxonomy's bank, filled with a record's specifics."""

    rank: int
    area: str
    kind: str
    text: str
    record_ids: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    priority: float


@dataclass(frozen=True, slots=True)
class Opportunity:
    """Something to acknowledge or encourage: own progress, an area lever, or a peer's practice."""

    kind: str  # 'commitment' | 'area' | 'peer'
    area: str
    text: str
    record_ids: tuple[str, ...] = ()
    peer_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PeerRank:
    """A company's place among the workspace's companies for one area (or overall).

    rank 1 is the lowest net risk (ties share a rank); ``percentile`` is the share of the
    other companies with lower net risk (0 = lowest risk, 100 = highest); ``median`` is
    the peers' median net, this company included.
    """

    area: str
    net: float
    rank: int
    of: int
    percentile: float
    median: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """How current a profile's evidence is: the newest source date known at the as-of date and its age.

    ``newest`` is the first day of the newest dated source (or record date) of any allegation,
    commitment or policy; ``age_days`` the days from it to the as-of date; both None when
    nothing is on record. ``stale`` is true when it is older than the weights'
    ``time.evidence_stale_months``.
    """

    newest: dt.date | None = None
    age_days: int | None = None
    age_months: int | None = None
    stale: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    """One company's risk profile as of a date; ``to_dict`` gives the documented JSON."""

    company_id: str
    company_name: str
    as_of: dt.date
    weights_version: str
    taxonomy_version: int
    overall: AreaScore
    areas: tuple[AreaScore, ...]
    gaps: tuple[Gap, ...]
    questions: tuple[Question, ...]
    opportunities: tuple[Opportunity, ...]
    benchmarks: tuple[Benchmark, ...] = ()
    ranks: tuple[PeerRank, ...] = ()  # overall first, then areas; empty unless compiled with peers, or not rated
    #: False when nothing (no allegation, commitment or policy) is on record: no number, no rank.
    rated: bool = True
    evidence: Evidence = field(default_factory=Evidence)
    assessed_areas: int = 0  # areas with management evidence on record (``AreaScore.assessed``)
    #: The overall net at the monthly history steps, oldest first, ending with the as-of value
    #: (``overall.net``): what the dashboard's sparklines draw. Not in the JSON, which carries
    #: the series' summary (peak, peak_on, year_ago, trend).
    history: tuple[float, ...] = field(default=(), compare=False, metadata={"json": False})
    #: The company as known at ``as_of`` (``engage.asof.known_at``): what documents read. Not in the JSON.
    known: Company | None = field(default=None, compare=False, repr=False, metadata={"json": False})

    def area(self, key: str) -> AreaScore:
        """Return the score of area ``key`` (or 'overall'); raises KeyError."""
        if key == OVERALL:
            return self.overall
        for a in self.areas:
            if a.key == key:
                return a
        raise KeyError(key)

    def rank(self, area: str = OVERALL) -> PeerRank | None:
        """Return the peer rank for ``area`` (or overall), or None when compiled alone."""
        for r in self.ranks:
            if r.area == area:
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as JSON-ready data (schema in docs/profile-schema.md)."""
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        out.update(to_plain(self))
        return out

    def to_json(self) -> str:
        """Return the profile as indented, key-stable JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class Peers:
    """Peer ranks of a set of profiles: ``ranks[company_id][area]``, with peer medians."""

    as_of: dt.date
    company_ids: tuple[str, ...]
    areas: tuple[str, ...]  # 'overall' then the area keys
    ranks: Mapping[str, Mapping[str, PeerRank]]
    medians: Mapping[str, float]

    def board(self, area: str = OVERALL) -> list[tuple[str, PeerRank]]:
        """Return (company_id, rank) for ``area``, lowest risk first (ties by id)."""
        rows = [(cid, self.ranks[cid][area]) for cid in self.company_ids]
        return sorted(rows, key=lambda r: (r[1].rank, r[0]))


def _builder(cls: type[_T]) -> Callable[..., _T]:
    """Return a function that builds a ``cls`` (a frozen, slotted dataclass) from its field values in order.

    What it builds is an ordinary ``cls`` in every respect (equality, hash, repr, pickling,
    immutability) at a fifth of the cost: a frozen dataclass's ``__init__`` sets each field
    through ``object.__setattr__``, a call per field, and a profile holds some two hundred of
    them. The builder fills a mutable twin with exactly ``cls``'s slots, then gives the
    instance ``cls`` as its class (allowed because the memory layouts are identical).
    ``cls`` must have no ``__post_init__``: nothing else runs at construction.
    """
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    twin = dataclasses.make_dataclass(f"_{cls.__name__}Fields", names, slots=True, eq=False, repr=False)
    if twin.__slots__ != cls.__slots__ or hasattr(cls, "__post_init__"):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} cannot be built field by field")

    def build(*values: Any) -> _T:
        obj = twin(*values)
        obj.__class__ = cls
        return obj  # type: ignore[return-value]

    build.__name__ = build.__qualname__ = f"new_{cls.__name__}"
    return build


# Builders of the objects a workspace's profiles hold by the thousand (see _builder).
new_contribution = _builder(Contribution)
new_area_score = _builder(AreaScore)
new_gap = _builder(Gap)
new_question = _builder(Question)
new_opportunity = _builder(Opportunity)
new_peer_rank = _builder(PeerRank)


def is_json_field(f: dataclasses.Field[Any]) -> bool:
    """Return whether dataclass field ``f`` is part of the JSON (not a weights file's raw mapping or an as-of view)."""
    return f.name != "raw" and f.metadata.get("json", True)


def to_plain(value: Any) -> Any:
    """Return ``value`` as JSON-ready data (dates ISO, partial dates as typed, tuples as lists)."""
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value) if is_json_field(f)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


@dataclass(slots=True)
class ScoredRecord:
    """A record's points at the as-of date, before they are split across areas.

    Internal to the profile package (the scorer makes them; areas, gaps and questions read
    them) and never changed once built (not frozen only because a frozen dataclass costs
    several times as much to build, and there is one per record).
    """

    record_id: str
    kind: str  # allegation | commitment
    role: str  # exposure | penalty | credit
    title: str
    areas: tuple[str, ...]
    factors: Mapping[str, float]
    points: float
    note: str
    cents: int  # round(points * 100): the record's points in whole hundredths, as areas add them up
    sources: tuple[Source, ...]  # the record's sources known by the as-of date (undated ones included)
