"""Records -> risk profile: per-area exposure, mitigation and net risk with their reasons; pure functions.

``compile_profile`` scores one company as of a date; ``compile_profiles`` scores a whole
workspace, ranks the companies against each other and adds peer-practice opportunities.
Nothing here reads the clock, the disk (except the packaged weights.yaml) or imports
click, rich or jinja2. Every number in a ``Profile`` carries the records that moved it:
the contributions of an ``AreaScore`` sum to its totals to the hundredth. The model is
explained in docs/methodology.md and the JSON form in docs/profile-schema.md.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import math
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import accumulate
from types import MappingProxyType
from typing import Any, TypeVar

from .asof import known_at
from .dates import PartialDate
from .errors import DataError
from .records import Allegation, Benchmark, Commitment, Company, Source
from .taxonomy import Taxonomy

SCHEMA_VERSION = 1
OVERALL = "overall"
BANDS: tuple[str, ...] = ("low", "moderate", "elevated", "high")
#: What documents show instead of a band when nothing is on record: scores of 0 are not a rating.
NOT_RATED = "not-rated"
GAP_KINDS: tuple[str, ...] = ("no-response", "allegation", "no-commitment", "missed", "overdue", "unverified", "stale")
OPEN_STATUSES = frozenset({"alleged", "under-investigation", "legal-action", "substantiated"})
_DAYS_PER_MONTH = 30.4375
_DIGIT = re.compile(r"\d")
_T = TypeVar("_T")
# Recency by age in whole days, per (full_months, half_life_months, floor): a memo of a pure function.
_RECENCY_MEMOS: dict[tuple[float, float, float], dict[int, float]] = {}

# --------------------------------------------------------------------------- weights


@dataclass(frozen=True, slots=True)
class Weights:
    """Every weight and threshold of the model, from resources/weights.yaml (plus overrides)."""

    version: str
    severity: Mapping[str, float]
    allegation_status: Mapping[str, float]
    no_response: float
    recency_full_months: float
    recency_half_life_months: float
    recency_floor: float
    corroboration_step: float
    corroboration_max: float
    commitment_base: float
    quantified: float
    time_bound: float
    verification: Mapping[str, float]
    commitment_status: Mapping[str, float]
    penalty: Mapping[str, float]
    credible_min: float
    exposure_scale: float
    mitigation_scale: float
    mitigation_cap: float
    bands: Mapping[str, float]
    overall: tuple[float, ...]
    peak_months: int
    trend_months: int
    trend_threshold: float
    stale_months: int
    gap_min_exposure: float
    max_questions_per_gap: int
    opportunities_per_area: int
    peer_verification: tuple[str, ...]
    raw: Mapping[str, Any] = dataclasses.field(repr=False, compare=False, hash=False, default_factory=dict)

    def band(self, net: float) -> str:
        """Return the band of a net risk value: low, moderate, elevated or high."""
        if net >= self.bands["high"]:
            return "high"
        if net >= self.bands["elevated"]:
            return "elevated"
        if net >= self.bands["moderate"]:
            return "moderate"
        return "low"

    def to_dict(self) -> dict[str, Any]:
        """Return the weights as the nested mapping of weights.yaml (JSON-serialisable)."""
        return json.loads(json.dumps(_plain(self.raw)))


def packaged_weights_text() -> str:
    """Return the text of the packaged weights.yaml."""
    return (resources.files("engage") / "resources" / "weights.yaml").read_text(encoding="utf-8")


def _packaged_weights() -> dict[str, Any]:
    from .yamlsafe import YamlProblem, compose_text, plain_value

    try:
        node = compose_text(packaged_weights_text())
    except YamlProblem as exc:  # pragma: no cover - packaged file
        raise DataError(f"engage/resources/weights.yaml:{exc.line}:{exc.column}: {exc.message}") from None
    data = plain_value(node) if node is not None else None
    if not isinstance(data, dict):  # pragma: no cover - packaged file
        raise DataError("engage/resources/weights.yaml: expected a mapping")
    return data


def _merge(base: Any, over: Any, where: str, problems: list[str]) -> Any:
    """Return ``base`` with ``over`` merged in; collect unknown keys and type mismatches."""
    if isinstance(base, dict):
        if not isinstance(over, dict):
            problems.append(f"weights.{where}: expected a mapping with keys {', '.join(base)}")
            return base
        out = dict(base)
        for key, value in over.items():
            key = str(key)
            path = f"{where}.{key}" if where else key
            if key not in base:
                problems.append(f"weights.{path}: unknown key '{key}'; known keys: {', '.join(base)}")
                continue
            out[key] = _merge(base[key], value, path, problems)
        return out
    if isinstance(base, list):
        if not isinstance(over, list):
            problems.append(f"weights.{where}: expected a list")
            return base
        kind = type(base[0]) if base else None
        for item in over:
            if (kind in (int, float) and not _is_number(item)) or (kind is str and not isinstance(item, str)):
                problems.append(f"weights.{where}: '{item}' is not a {'number' if kind in (int, float) else 'text'}")
                return base
        return list(over)
    if isinstance(base, bool) or isinstance(base, str):
        if not isinstance(over, (str, int, float)) or isinstance(over, bool):
            problems.append(f"weights.{where}: expected text")
            return base
        return str(over)
    if _is_number(base):
        if not _is_number(over):
            problems.append(f"weights.{where}: '{over}' is not a number")
            return base
        return over
    return over  # pragma: no cover


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(data: dict[str, Any], problems: list[str]) -> None:
    """Collect the constraints the model relies on (ranges, orderings, monotonicity)."""

    def at_least(path: str, value: float, low: float, strict: bool = False) -> None:
        if value < low or (strict and value == low):
            problems.append(f"weights.{path}: {value} must be {'>' if strict else '>='} {low}")

    a, c, s, t = data["allegations"], data["commitments"], data["scores"], data["time"]
    sev = [a["severity"][k] for k in ("low", "medium", "high", "severe")]
    if any(x < 0 for x in sev) or sev != sorted(sev):
        problems.append("weights.allegations.severity: must be >= 0 and rise from low to severe")
    for k, v in a["status"].items():
        at_least(f"allegations.status.{k}", v, 0)
    at_least("allegations.no_response", a["no_response"], 1)
    at_least("allegations.recency.full_months", a["recency"]["full_months"], 0)
    at_least("allegations.recency.half_life_months", a["recency"]["half_life_months"], 0, strict=True)
    floor = a["recency"]["floor"]
    if not 0 <= floor <= 1:
        problems.append(f"weights.allegations.recency.floor: {floor} must be between 0 and 1")
    at_least("allegations.corroboration.per_extra_source", a["corroboration"]["per_extra_source"], 0)
    at_least("allegations.corroboration.max", a["corroboration"]["max"], 1)
    for k in ("base", "quantified", "time_bound", "credible_min"):
        at_least(f"commitments.{k}", c[k], 0)
    for group in ("verification", "status", "penalty"):
        for k, v in c[group].items():
            at_least(f"commitments.{group}.{k}", v, 0)
    at_least("scores.exposure_scale", s["exposure_scale"], 0, strict=True)
    at_least("scores.mitigation_scale", s["mitigation_scale"], 0, strict=True)
    if not 0 <= s["mitigation_cap"] < 1:
        problems.append(f"weights.scores.mitigation_cap: {s['mitigation_cap']} must be >= 0 and < 1")
    bands = [s["bands"][k] for k in ("moderate", "elevated", "high")]
    if bands != sorted(bands) or bands[0] <= 0 or bands[-1] > 100:
        problems.append("weights.scores.bands: thresholds must rise (moderate <= elevated <= high) within (0, 100]")
    overall = s["overall"]
    if (
        not overall
        or any(w < 0 for w in overall)
        or abs(sum(overall) - 1) > 1e-9
        or overall != sorted(overall, reverse=True)
    ):
        problems.append("weights.scores.overall: weights must be >= 0, non-increasing and sum to 1")
    for k in ("peak_months", "trend_months", "stale_months"):
        if not isinstance(t[k], int) or t[k] < 1:
            problems.append(f"weights.time.{k}: must be a whole number of months >= 1")
    if (
        isinstance(t["peak_months"], int)
        and isinstance(t["trend_months"], int)
        and t["trend_months"] > t["peak_months"]
    ):
        problems.append("weights.time.trend_months: must not exceed time.peak_months")
    at_least("time.trend_threshold", t["trend_threshold"], 0)
    at_least("gaps.min_exposure", data["gaps"]["min_exposure"], 0)
    for k, path in (("max_questions_per_gap", "gaps"), ("per_area", "opportunities")):
        v = data[path][k]
        if not isinstance(v, int) or v < 0:
            problems.append(f"weights.{path}.{k}: must be a whole number >= 0")
    for v in data["opportunities"]["peer_verification"]:
        if v not in c["verification"]:
            problems.append(
                f"weights.opportunities.peer_verification: '{v}' is not one of {', '.join(c['verification'])}"
            )


def load_weights(overrides: Mapping[str, Any] | None = None) -> Weights:
    """Return the packaged weights with ``overrides`` (engage.yaml's ``weights:``) merged in.

    Raises DataError naming every unknown key, mistyped value or broken constraint. With
    overrides the version becomes ``<version>+<hash of the overrides>`` (their own ``version``
    if they set one, else the packaged one), so a profile always says which numbers made it:
    naming a version never hides changed numbers.
    """
    base = _packaged_weights()
    problems: list[str] = []
    data = _merge(base, dict(overrides or {}), "", problems) if overrides else base
    if not problems:
        _check(data, problems)
    if problems:
        raise DataError("invalid weights:\n" + "\n".join(problems))
    version = str(data["version"])
    changes = {k: v for k, v in (overrides or {}).items() if k != "version"}
    if changes:
        digest = hashlib.sha256(json.dumps(_plain(changes), sort_keys=True).encode()).hexdigest()[:8]
        version = f"{version}+{digest}"
        data = {**data, "version": version}
    a, c, s, t = data["allegations"], data["commitments"], data["scores"], data["time"]
    ro = MappingProxyType
    return Weights(
        version=version,
        severity=ro({k: float(v) for k, v in a["severity"].items()}),
        allegation_status=ro({k: float(v) for k, v in a["status"].items()}),
        no_response=float(a["no_response"]),
        recency_full_months=float(a["recency"]["full_months"]),
        recency_half_life_months=float(a["recency"]["half_life_months"]),
        recency_floor=float(a["recency"]["floor"]),
        corroboration_step=float(a["corroboration"]["per_extra_source"]),
        corroboration_max=float(a["corroboration"]["max"]),
        commitment_base=float(c["base"]),
        quantified=float(c["quantified"]),
        time_bound=float(c["time_bound"]),
        verification=ro({k: float(v) for k, v in c["verification"].items()}),
        commitment_status=ro({k: float(v) for k, v in c["status"].items()}),
        penalty=ro({k: float(v) for k, v in c["penalty"].items()}),
        credible_min=float(c["credible_min"]),
        exposure_scale=float(s["exposure_scale"]),
        mitigation_scale=float(s["mitigation_scale"]),
        mitigation_cap=float(s["mitigation_cap"]),
        bands=ro({k: float(v) for k, v in s["bands"].items()}),
        overall=tuple(float(w) for w in s["overall"]),
        peak_months=int(t["peak_months"]),
        trend_months=int(t["trend_months"]),
        trend_threshold=float(t["trend_threshold"]),
        stale_months=int(t["stale_months"]),
        gap_min_exposure=float(data["gaps"]["min_exposure"]),
        max_questions_per_gap=int(data["gaps"]["max_questions_per_gap"]),
        opportunities_per_area=int(data["opportunities"]["per_area"]),
        peer_verification=tuple(data["opportunities"]["peer_verification"]),
        raw=ro(data),
    )


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one record added to one score, and why.

    ``role`` is 'exposure' (an allegation), 'penalty' (a missed, withdrawn or overdue
    commitment: a negative signal counted with exposure) or 'credit' (a commitment's
    credibility). ``points`` are model points (allegation points or credit points);
    ``exposure``, ``mitigation`` and ``net`` are this record's shares of the score's
    values, which sum exactly (to the hundredth) to the score's totals.
    """

    record_id: str
    record_kind: str  # 'allegation' | 'commitment'
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

    exposure, mitigation and net are 0-100; ``offset`` = exposure - net is what commitments
    took off. ``exposure_points`` and ``credit_points`` are the model points behind them.
    ``peak`` is the highest net at monthly steps over the last 24 months (``peak_on`` its
    most recent step), ``year_ago`` the net a year before and ``trend`` its direction.
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
    ranks: tuple[PeerRank, ...] = ()  # overall first, then areas; empty unless compiled with peers
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
        out.update(_plain(self))
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
_new_contribution = _builder(Contribution)
_new_area_score = _builder(AreaScore)
_new_gap = _builder(Gap)
_new_question = _builder(Question)
_new_opportunity = _builder(Opportunity)
_new_peer_rank = _builder(PeerRank)


def is_json_field(f: dataclasses.Field[Any]) -> bool:
    """Return whether dataclass field ``f`` is part of the JSON (not a weights file's raw mapping or an as-of view)."""
    return f.name != "raw" and f.metadata.get("json", True)


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON-ready data (dates ISO, partial dates as typed, tuples as lists)."""
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if is_json_field(f)
        }
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


# --------------------------------------------------------------------------- time helpers


def months_before(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` calendar months earlier (clamped to the month's end)."""
    import calendar

    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def recency_factor(age_months: float, weights: Weights) -> float:
    """Return the recency weight of something ``age_months`` old: 1, then halving, never below the floor."""
    over = age_months - weights.recency_full_months
    if over <= 0:
        return 1.0
    return max(weights.recency_floor, 0.5 ** (over / weights.recency_half_life_months))


def _first(d: PartialDate) -> int:
    """Return the ordinal of the first day ``d`` can mean."""
    return dt.date(d.year, d.month or 1, d.day or 1).toordinal()


def _ymd(d: PartialDate) -> tuple[int, int, int]:
    """Return the sort key of a partial date (the order of PartialDate, without its slower generated methods)."""
    return (d.year, d.month, d.day)


# (first, last) ordinals by (year, month, day): a workspace's records share few distinct dates.
_SPANS: dict[tuple[int, int, int], tuple[int, int]] = {}


def _span(d: PartialDate) -> tuple[int, int]:
    """Return (_first(d), _last(d)), memoised."""
    key = (d.year, d.month, d.day)
    span = _SPANS.get(key)
    if span is None:
        span = _SPANS[key] = (_first(d), _last(d))
    return span


def _last(d: PartialDate) -> int:
    """Return the ordinal of the last day ``d`` can mean."""
    if d.day:
        return dt.date(d.year, d.month, d.day).toordinal()
    if d.month:
        return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1).toordinal() - 1
    return dt.date(d.year, 12, 31).toordinal()


# publisher_key by (publisher, url) for named publishers: a workspace cites few distinct ones.
_PUBLISHER_KEYS: dict[str, str] = {}


def _publisher_key(publisher: str | None, url: str | None) -> str:
    """Return publisher_key(publisher, url), memoised by publisher name."""
    if publisher:
        key = _PUBLISHER_KEYS.get(publisher)
        if key is None:
            key = publisher_key(publisher, url)
            if not publisher.isspace():  # a blank name falls back to the url: not memoisable by name
                _PUBLISHER_KEYS[publisher] = key
        return key
    return publisher_key(publisher, url)


def publisher_key(publisher: str | None, url: str | None) -> str:
    """Return the independence key of a source: its publisher, else its web domain."""
    if publisher and not publisher.isspace():
        return " ".join(publisher.casefold().split())
    if url:
        host = urllib.parse.urlsplit(url).hostname or ""
        return host.removeprefix("www.") or url
    return "(unattributed)"


# --------------------------------------------------------------------------- record factors


@dataclass(slots=True)
class _Scored:
    """A record's points at the as-of date, before they are split across areas.

    Private and never changed once built (not frozen only because a frozen dataclass costs
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


class _Facts:
    """A record's date ordinals and publisher keys, computed once per profile.

    The as-of score, the 24 monthly history steps, the newest-source dates and the questions
    all need the same ordinals and publisher keys; computing them once per record (rather
    than in each of those passes) removes most of the date arithmetic of a workspace.

    ``start`` is the first day of the record's date. Of its dated developments (its date, an
    allegation's ``updated`` date, its dated sources) ``settled`` is the latest first day (from
    then on every development is known) and ``last`` the latest last day. ``keys`` counts an
    allegation's independent publishers. ``newest`` is the newest source date (in PartialDate's
    order; the record's date for an undated source, or with no source), ``newest_key`` its
    (year, month, day). What a record needs only while its developments are still appearing
    (each one's days, each source's) is worked out on demand by the methods.
    """

    __slots__ = ("allegation", "keys", "last", "newest", "newest_key", "record", "settled", "start")

    def __init__(self, r: Allegation | Commitment, allegation: bool) -> None:
        # _span(d), with the memo looked up here: a record has a few dates, a workspace many records.
        spans = _SPANS
        d = r.date
        own_key = (d.year, d.month, d.day)
        start, last = spans.get(own_key) or _span(d)
        settled = start
        if allegation:
            upd = r.updated  # type: ignore[union-attr]
            if upd:
                first, end = _span(upd)
                settled = max(settled, first)
                last = max(last, end)
        newest, newest_key = None, None
        for src in r.sources:
            dated = src.date
            if dated:
                key = (dated.year, dated.month, dated.day)
                first, end = spans.get(key) or _span(dated)
                if first > settled:
                    settled = first
                if end > last:
                    last = end
            else:
                dated, key = r.date, own_key
            if newest_key is None or key > newest_key:
                newest, newest_key = dated, key
        self.record = r
        self.allegation = allegation
        self.start = start
        self.settled = settled
        self.last = last
        self.newest = newest or r.date
        self.newest_key = newest_key or own_key
        self.keys = len(set(self.publishers())) if allegation else 0

    def devs(self) -> list[tuple[int, int]]:
        """Return the (first, last) ordinals of the dated developments, sorted."""
        r = self.record
        devs = [_span(r.date)]
        if self.allegation and r.updated:  # type: ignore[union-attr]
            devs.append(_span(r.updated))  # type: ignore[union-attr]
        devs += [_span(s.date) for s in r.sources if s.date]
        devs.sort()
        return devs

    def src_firsts(self) -> list[int]:
        """Return the first ordinal of each source's date (the record's date for an undated source), in source order."""
        start = self.start
        return [_span(s.date)[0] if s.date else start for s in self.record.sources]

    def publishers(self) -> list[str]:
        """Return each source's publisher key, in source order."""
        known = _PUBLISHER_KEYS
        return [
            (x.publisher and known.get(x.publisher)) or _publisher_key(x.publisher, x.url) for x in self.record.sources
        ]

    def sources_by(self, step: int) -> tuple[Source, ...]:
        """Return the record's sources dated on or before ``step``, undated ones included."""
        return tuple([s for s, first in zip(self.record.sources, self.src_firsts(), strict=True) if first <= step])

    def pubs(self) -> list[tuple[int, str]]:
        """Return the sorted (first ordinal, publisher key) of each source."""
        return sorted(zip(self.src_firsts(), self.publishers(), strict=True))

    def anchor(self, step: int) -> int:
        """Return the latest dated development on or before ``step``, aged from min(its last day, step).

        max(min(last, step)) over the developments so far = min(max(last), step).
        """
        if self.settled <= step:
            return min(self.last, step)
        return min(max(lo for f, lo in self.devs() if f <= step), step)

    def sources_known(self, step: int) -> int:
        """Return the number of independent sources dated on or before ``step`` (at least 1)."""
        if self.settled <= step:
            return max(1, self.keys)
        return max(1, len({k for f, k in zip(self.src_firsts(), self.publishers(), strict=True) if f <= step}))


def _corroboration(n: int, w: Weights) -> float:
    return min(w.corroboration_max, 1.0 + w.corroboration_step * (n - 1))


def _response_factor(a: Allegation, w: Weights) -> float:
    return w.no_response if a.company_response is None and a.status in OPEN_STATUSES else 1.0


def _score_allegation(a: Allegation, as_of: dt.date, w: Weights) -> _Scored | None:
    return _Scorer(as_of, w).allegation(a, _Facts(a, True))


class _Scorer:
    """Scores records as of one date under one set of weights, remembering what records share.

    A workspace's records share few severities, statuses, dates, source counts and commitment
    terms: each factor and note fragment is worked out once per distinct value (and date)
    rather than once per record. The parts are the same text and numbers either way.
    """

    __slots__ = (
        "_ages", "_by_age", "_corroborations", "_credits", "_heads", "_penalties", "as_of", "rows", "step", "w",
    )

    def __init__(self, as_of: dt.date, w: Weights) -> None:
        self.as_of = as_of
        self.step = as_of.toordinal()
        self.w = w
        # Recency by age in whole days (shared by every compile with the same recency weights),
        # and ``rows``: recency_row by the day a latest development ended.
        self._by_age = _RECENCY_MEMOS.setdefault(
            (w.recency_full_months, w.recency_half_life_months, w.recency_floor), {}
        )
        self.rows: dict[int, list[float]] = {}
        self._heads: dict[tuple[str, str, bool], tuple[float, float, float, float, str]] = {}
        self._ages: dict[int, tuple[float, float, float, str]] = {}
        self._corroborations: dict[int, tuple[float, str]] = {}
        self._credits: dict[tuple[bool, int | None, bool, str, str], tuple[float, Mapping[str, float], str]] = {}
        self._penalties: dict[tuple[str, int], tuple[float, Mapping[str, float], str]] = {}

    def recency(self, age_days: int) -> float:
        """Return the recency weight of a development ``age_days`` old (recency_factor, by whole days)."""
        r = self._by_age.get(age_days)
        if r is None:
            w = self.w
            over = age_days / _DAYS_PER_MONTH - w.recency_full_months
            r = 1.0 if over <= 0 else max(w.recency_floor, 0.5 ** (over / w.recency_half_life_months))
            self._by_age[age_days] = r
        return r

    def recency_row(self, last: int) -> list[float]:
        """Return the recency at each history step (newest first) of the latest development, ended on day ``last``.

        Records share their dates: the row is worked out once per day (an age of 0 before it ends).
        """
        row = self.rows.get(last)
        if row is None:
            _, ords, _, _ = _steps(self.as_of, self.w.peak_months)
            recency = self.recency
            row = self.rows[last] = [recency(s - last if last < s else 0) for s in ords]
        return row

    def _head(self, a: Allegation) -> tuple[float, float, float, float, str]:
        """Return (severity, status, response, their product, the note's opening) of an allegation."""
        key = (a.severity, a.status, a.company_response is None)
        head = self._heads.get(key)
        if head is None:
            w = self.w
            sev = w.severity[a.severity]
            status = w.allegation_status[a.status]
            response = _response_factor(a, w)
            text = f"{a.severity} ({_g(sev)}) x {a.status} ({_g(status)})" + (
                f" x no company response ({_g(response)})" if response != 1.0 else ""
            )
            head = self._heads[key] = (sev, status, response, sev * status * response, text)
        return head

    def _age(self, anchor: int) -> tuple[float, float, float, str]:
        """Return (recency, it and the age in months rounded as factors, the note's part) for a latest development."""
        aged = self._ages.get(anchor)
        if aged is None:
            age = (self.step - anchor) / _DAYS_PER_MONTH
            recency = recency_factor(age, self.w)
            latest = dt.date.fromordinal(anchor)
            text = f" x recency {recency:.2f} (latest development {latest.isoformat()}, {age:.0f} months before)"
            aged = self._ages[anchor] = (recency, round(recency, 4), round(age, 2), text)
        return aged

    def _corroboration(self, n: int) -> tuple[float, str]:
        """Return (corroboration, the note's closing) for ``n`` independent sources."""
        corr = self._corroborations.get(n)
        if corr is None:
            factor = _corroboration(n, self.w)
            text = f" x {n} independent source{'s' if n != 1 else ''} ({_g(factor)})"
            corr = self._corroborations[n] = (factor, text)
        return corr

    def allegation(self, a: Allegation, facts: _Facts) -> _Scored | None:
        """Return the allegation's points as of the date, or None when it is dated after it."""
        step = self.step
        if facts.start > step:
            return None
        sev, status, response, base, head = self._head(a)
        if facts.settled <= step:  # every development and source is known by the date
            last = facts.last
            recency, recency_4, age_2, when = self._age(last if last < step else step)
            n = facts.keys or 1
        else:
            recency, recency_4, age_2, when = self._age(facts.anchor(step))
            n = facts.sources_known(step)
        corr, tail = self._corroboration(n)
        points = round(base * recency * corr + 0.0, 2) + 0.0  # _r2, inlined
        factors = {
            "severity": sev,
            "status": status,
            "response": response,
            "recency": recency_4,
            "age_months": age_2,
            "independent_sources": float(n),
            "corroboration": corr,
        }
        return _Scored(
            a.id, "allegation", "exposure", a.title, a.areas, MappingProxyType(factors), points, head + when + tail,
            round(points * 100), a.sources if facts.settled <= step else facts.sources_by(step),
        )

    def commitment(self, c: Commitment, facts: _Facts) -> _Scored | None:
        """Return the commitment's credit or penalty as of the date, or None when it is dated after it."""
        step = self.step
        if facts.start > step:
            return None
        overdue = is_overdue(c, self.as_of)
        if c.status in ("missed", "withdrawn") or (overdue and c.status == "announced"):
            # Still overdue today: no decay; a missed or withdrawn one decays from its latest development.
            key = ("overdue", c.target_year or 0) if c.status == "announced" else (c.status, facts.anchor(step))
            penalty = self._penalties.get(key)
            if penalty is None:
                penalty = self._penalties[key] = self._penalty(c, key)
            points, factors, note = penalty
            role = "penalty"
        else:
            terms = (is_quantified(c), c.target_year, overdue, c.verification, c.status)
            credit = self._credits.get(terms)
            if credit is None:
                credit = self._credits[terms] = self._credit(c, overdue)
            points, factors, note = credit
            role = "credit"
        sources = c.sources if facts.settled <= step else facts.sources_by(step)
        return _Scored(c.id, "commitment", role, c.title, c.areas, factors, points, note, round(points * 100), sources)

    def _penalty(self, c: Commitment, key: tuple[str, int]) -> tuple[float, Mapping[str, float], str]:
        w = self.w
        kind = key[0]
        base = w.penalty[kind]
        if kind == "overdue":
            recency, age = 1.0, 0.0
        else:
            age = (self.step - key[1]) / _DAYS_PER_MONTH
            recency = recency_factor(age, w)
        why = {
            "missed": "missed",
            "withdrawn": "withdrawn",
            "overdue": f"target year {c.target_year} passed and still only announced",
        }[kind]
        note = f"negative signal: {why} ({_g(base)} points) x recency {recency:.2f}"
        factors = {"penalty": base, "recency": round(recency, 4), "age_months": round(age, 2)}
        return _r2(base * recency), MappingProxyType(factors), note

    def _credit(self, c: Commitment, overdue: bool) -> tuple[float, Mapping[str, float], str]:
        w = self.w
        quantified = w.quantified if is_quantified(c) else 0.0
        time_bound = w.time_bound if c.target_year is not None and not overdue else 0.0
        verification = w.verification[c.verification]
        status = w.commitment_status[c.status]
        points = _r2(w.commitment_base + quantified + time_bound + verification + status)
        parts = [f"commitment ({_g(w.commitment_base)})"]
        parts.append(f"quantified ({_g(quantified)})" if quantified else "not quantified (0)")
        if overdue:
            parts.append(f"target year {c.target_year} passed (0)")
        else:
            parts.append(f"time-bound {c.target_year} ({_g(time_bound)})" if time_bound else "no target year (0)")
        parts.append(f"verification {c.verification} ({_g(verification)})")
        parts.append(f"{c.status} ({_g(status)})")
        factors = {
            "base": w.commitment_base,
            "quantified": quantified,
            "time_bound": time_bound,
            "verification": verification,
            "status": status,
        }
        return points, MappingProxyType(factors), " + ".join(parts)


def is_quantified(c: Commitment) -> bool:
    """Return True when the commitment's target names a number (a percentage, a tonnage, a year...)."""
    return bool(c.target and _DIGIT.search(c.target))


def has_records(company: Company, as_of: dt.date) -> bool:
    """Return whether any allegation or commitment of ``company`` is dated on or before ``as_of`` (else: not rated)."""
    return any(a.date.first_day() <= as_of for a in company.allegations) or any(
        c.date.first_day() <= as_of for c in company.commitments
    )


def is_overdue(c: Commitment, as_of: dt.date) -> bool:
    """Return True when the target year has passed and the commitment is not achieved, missed or withdrawn."""
    return c.target_year is not None and c.target_year < as_of.year and c.status in ("announced", "in-progress")


def commitment_role(c: Commitment, as_of: dt.date) -> str | None:
    """Return 'penalty' (missed, withdrawn, or overdue and only announced), 'credit', or None (after ``as_of``)."""
    if _span(c.date)[0] > as_of.toordinal():
        return None
    if c.status in ("missed", "withdrawn") or (c.status == "announced" and is_overdue(c, as_of)):
        return "penalty"
    return "credit"


# --------------------------------------------------------------------------- arithmetic


def _r2(x: float) -> float:
    return round(x + 0.0, 2) + 0.0


def _g(x: float) -> str:
    return f"{x:g}"


def _cents(x: float) -> int:
    return round(x * 100)


def _apportion(total_cents: int, shares: Sequence[float]) -> list[int]:
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


def saturate(points: float, scale: float) -> float:
    """Return 100 * (1 - exp(-points / scale)): 0 for nothing, approaching 100, never reaching it."""
    return 100.0 * (1.0 - math.exp(-max(points, 0.0) / scale))


def _owa(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Return the ordered-weighted-average weight of each value (largest value, largest weight)."""
    # Largest first; a stable sort keeps equal values in their order, reversed or not.
    order = sorted(range(len(values)), key=values.__getitem__, reverse=True)
    out = [0.0] * len(values)
    for i, weight in zip(order, weights, strict=False):
        out[i] = weight
    return out


# --------------------------------------------------------------------------- scores


def _area_score(
    key: str,
    title: str,
    risk: Sequence[_Scored],
    credit: Sequence[_Scored],
    w: Weights,
    history: tuple[Sequence[float], Sequence[dt.date], dt.date],
    newest: PartialDate | None,
) -> AreaScore:
    """Return an area's score from its records' points: ``risk`` (exposure and penalties) and ``credit``."""
    if not risk and not credit:
        return _with_trend(key, title, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, history[2], 0.0, newest, 0, 0, (), w)
    e_points = sum([s.cents for s in risk]) / 100
    c_points = sum([s.cents for s in credit]) / 100
    exposure = saturate(e_points, w.exposure_scale)
    mitigation = saturate(c_points, w.mitigation_scale)
    net = exposure * (1.0 - w.mitigation_cap * mitigation / 100)
    x_c, m_c, n_c = _cents(exposure), _cents(mitigation), _cents(net)
    off_c = x_c - n_c
    x_sh = _apportion(x_c, [exposure * s.points / e_points for s in risk] if e_points else [0.0] * len(risk))
    contributions = [
        _new_contribution(s.record_id, s.kind, s.role, s.title, key, s.factors, s.points, x / 100, 0.0, x / 100, s.note)
        for s, x in zip(risk, x_sh, strict=False)
    ]
    if credit:
        m_sh = _apportion(m_c, [mitigation * s.points / c_points for s in credit] if c_points else [0.0] * len(credit))
        off = off_c / 100
        o_sh = _apportion(off_c, [off * s.points / c_points for s in credit] if c_points else [0.0] * len(credit))
        contributions += [
            _new_contribution(
                s.record_id, s.kind, s.role, s.title, key, s.factors, s.points, 0.0, m / 100, -o / 100 + 0.0, s.note
            )
            for s, m, o in zip(credit, m_sh, o_sh, strict=False)
        ]
    net_v = n_c / 100
    peak, peak_on, year_ago = _summarise(history[0], history[1], net_v, history[2], w)
    n_allegations = sum([s.kind == "allegation" for s in risk])  # credit is only ever a commitment's
    return _with_trend(
        key,
        title,
        x_c / 100,
        m_c / 100,
        off_c / 100,
        net_v,
        e_points,
        c_points,
        peak,
        peak_on,
        year_ago,
        newest,
        n_allegations,
        len(risk) + len(credit) - n_allegations,
        tuple(contributions),
        w,
    )


def _with_trend(
    key: str,
    title: str,
    exposure: float,
    mitigation: float,
    offset: float,
    net: float,
    e_points: float,
    c_points: float,
    peak: float,
    peak_on: dt.date,
    year_ago: float,
    newest: PartialDate | None,
    n_allegations: int,
    n_commitments: int,
    contributions: tuple[Contribution, ...],
    w: Weights,
) -> AreaScore:
    delta = _r2(net - year_ago)
    trend = "rising" if delta >= w.trend_threshold else "falling" if delta <= -w.trend_threshold else "steady"
    # Positional, in field order (key, title, exposure, mitigation, offset, net, band, exposure_points,
    # credit_points, peak, peak_on, year_ago, trend, trend_delta, newest_source, allegations,
    # commitments, contributions): keyword calls cost more, and there are 14 per company.
    return _new_area_score(
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
        n_allegations,
        n_commitments,
        contributions,
    )


def _overall(
    areas: Sequence[AreaScore], w: Weights, history: tuple[Sequence[float], Sequence[dt.date], dt.date]
) -> AreaScore:
    """Combine area scores: an ordered weighted average of each measure, largest areas first."""
    wx = _owa([a.exposure for a in areas], w.overall)
    wm = _owa([a.mitigation for a in areas], w.overall)
    wn = _owa([a.net for a in areas], w.overall)
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
    x_sh = _apportion(x_c, [e[1] for e in entries])
    m_sh = _apportion(m_c, [e[2] for e in entries])
    n_sh = _apportion(n_c, [e[3] for e in entries])
    contributions = []
    for e, x, m, n in zip(entries, x_sh, m_sh, n_sh, strict=True):
        c = e[0]
        used = ", ".join(e[4])
        note = c.note + (f"; overall weights: {used}" if used else "; overall weight 0 (not among the top areas)")
        contributions.append(
            _new_contribution(
                c.record_id,
                c.record_kind,
                c.role,
                c.title,
                OVERALL,
                c.factors,
                c.points,
                x / 100,
                m / 100,
                n / 100,
                note,
            )
        )
    risk_points = {(c.record_kind, c.record_id): c.points for c in contributions if c.role != "credit"}
    credit_points = {(c.record_kind, c.record_id): c.points for c in contributions if c.role == "credit"}
    newest = max((a.newest_source for a in areas if a.newest_source), default=None)
    net_v = n_c / 100
    peak, peak_on, year_ago = _summarise(history[0], history[1], net_v, history[2], w)
    return _with_trend(
        OVERALL,
        "Overall",
        x_c / 100,
        m_c / 100,
        (x_c - n_c) / 100,
        net_v,
        sum([round(p * 100) for p in risk_points.values()]) / 100,  # _cents, inlined
        sum([round(p * 100) for p in credit_points.values()]) / 100,
        max(peak, net_v),
        peak_on,
        year_ago,
        newest,
        len({c.record_id for c in contributions if c.record_kind == "allegation"}),
        len({c.record_id for c in contributions if c.record_kind == "commitment"}),
        tuple(contributions),
        w,
    )


# --------------------------------------------------------------------------- history (peak, trend)


def _history(
    allegations: Sequence[tuple[Allegation, _Facts]],
    commitments: Sequence[tuple[Commitment, _Facts]],
    keys: Sequence[str],
    scorer: _Scorer,
) -> tuple[list[list[float]], Sequence[dt.date]]:
    """Return net per step per area (steps 1..peak_months back; step 0 is computed in full elsewhere).

    Per-record factors are computed once; each step only re-evaluates what time changes:
    inclusion, the latest development, sources so far, recency and overdue status. A record
    whose points do not change over the steps it is included in (recency still full, or
    already at the floor) is added once through a difference array instead of per step; one
    whose points change gets its values as whole lists (recency rows from ``scorer``, stretches
    between developments, the years before and after a target year), added area by area.
    """
    w = scorer.w
    steps, ords, ascending, years = _steps(scorer.as_of, w.peak_months)
    n = len(steps)
    index = {k: i for i, k in enumerate(keys)}
    e_pts = [[0.0] * n for _ in keys]
    c_pts = [[0.0] * n for _ in keys]
    e_diff = [[0.0] * (n + 1) for _ in keys]
    c_diff = [[0.0] * (n + 1) for _ in keys]
    full, hl, floor = w.recency_full_months, w.recency_half_life_months, w.recency_floor
    full_days = full * _DAYS_PER_MONTH
    floor_days = (full + hl * math.log2(1 / floor)) * _DAYS_PER_MONTH if floor > 0 else math.inf

    # Recency at each step, by the day the latest development ended: records share their dates.
    rows, recency_row = scorer.rows, scorer.recency_row  # rows.get(d) or recency_row(d): the memo first

    for a, facts in allegations:
        start = facts.start
        included = n - bisect.bisect_left(ascending, start)  # steps 0..included-1 are on/after the record
        if not included:
            continue
        base = w.severity[a.severity] * w.allegation_status[a.status] * _response_factor(a, w)
        if base == 0:
            continue
        idx = [index[k] for k in a.areas if k in index]
        earliest = ords[included - 1]
        if facts.settled <= earliest:
            last = facts.last
            b = base * _corroboration(facts.keys, w)
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
            for lo, hi, latest, sources in _stretches(facts.devs(), facts.pubs(), ords, ascending, included):
                bc = base * _corroboration(max(1, sources), w)
                vec[lo:hi] = [bc * r for r in (rows.get(latest) or recency_row(latest))[lo:hi]]
        for i in idx:
            # Same additions as row[j] += vec[j] (record by record), as one list operation.
            row = e_pts[i]
            row[:included] = [x + v for x, v in zip(row, vec, strict=False)]
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
                for lo, hi, latest, _sources in _stretches(facts.devs(), (), ords, ascending, included):
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
    exp = math.exp
    damp = w.mitigation_cap / 100 * 100.0  # (cap / 100) * 100.0, not cap: the rounding the steps always had
    xs, ms = w.exposure_scale, w.mitigation_scale
    nets: list[list[float]] = []
    for i in range(len(keys)):
        # Exposure and credit points at each step: the per-step points plus the running sums of
        # the difference arrays, as in acc += d[j] from 0.0 (0.0 + x is x exactly). Net is the
        # saturated exposure damped by the saturated credit (no credit: no damping; no exposure: 0).
        nets.append(
            [
                0.0
                if (e := x + e_acc) <= 1e-12
                else 100.0 * (1.0 - exp(-e / xs)) * (1.0 - damp * (1.0 - exp(-credit / ms)))
                if (credit := y + c_acc) > 1e-12
                else 100.0 * (1.0 - exp(-e / xs))
                for x, e_acc, y, c_acc in zip(
                    e_pts[i], accumulate(e_diff[i][:n]), c_pts[i], accumulate(c_diff[i][:n]), strict=True
                )
            ]
        )
    return nets, steps


@functools.lru_cache(maxsize=32)
def _steps(
    as_of: dt.date, months: int
) -> tuple[tuple[dt.date, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Return the history's monthly steps (newest first), their ordinals, those oldest first, and their -years.

    The negated years ascend, for bisecting on a target year. The same for every company of a
    workspace, hence computed once.
    """
    steps = tuple(months_before(as_of, k) for k in range(1, months + 1))
    ords = tuple(d.toordinal() for d in steps)
    return steps, ords, ords[::-1], tuple(-d.year for d in steps)


def _stretches(
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


def _summarise(
    series: Sequence[float], steps: Sequence[dt.date], current: float, as_of: dt.date, w: Weights
) -> tuple[float, dt.date, float]:
    """Return (peak, peak_on, year_ago) from the current value and the stepped history.

    The peak is the highest value rounded to hundredths; ``peak_on`` is the most recent step
    that reaches the raw maximum (the as-of date when the current value is as high).
    """
    year_ago = _r2(series[w.trend_months - 1]) if series else 0.0
    if not series:
        return current, as_of, year_ago
    top = max(series)
    peak = _r2(top)
    if peak <= current:
        return current, as_of, year_ago
    return peak, steps[series.index(top)], year_ago


# --------------------------------------------------------------------------- compile


def compile_profile(company: Company, taxonomy: Taxonomy, as_of: dt.date, weights: Weights) -> Profile:
    """Return the risk profile of ``company`` as of ``as_of``: pure and deterministic.

    Only what ``engage.asof.known_at`` says is known at ``as_of`` counts. Peer ranks and
    peer-practice opportunities need the other companies: use ``compile_profiles``.
    Raises DataError when a question template in the taxonomy uses an unknown placeholder.
    """
    return _compile(company, taxonomy, _Scorer(as_of, weights))


def _compile(company: Company, taxonomy: Taxonomy, scorer: _Scorer) -> Profile:
    """Return the profile of ``company``, scored by ``scorer`` (shared by a workspace's companies)."""
    from .questions import build_gaps, build_opportunities, build_questions

    w, as_of, step = scorer.w, scorer.as_of, scorer.step
    company = known_at(company, as_of)
    keys = taxonomy.keys
    # Records dated after as-of play no part anywhere (history steps are all before it).
    fa = [(a, f) for a in company.allegations if (f := _Facts(a, True)).start <= step]
    fc = [(c, f) for c in company.commitments if (f := _Facts(c, False)).start <= step]
    scored: list[_Scored] = []
    for a, f in fa:
        s = scorer.allegation(a, f)
        if s is not None:
            scored.append(s)
    for c, f in fc:
        s = scorer.commitment(c, f)
        if s is not None:
            scored.append(s)
    nets, steps = _history(fa, fc, keys, scorer)
    newest = _newest_sources([*fa, *fc], keys, step)
    # Each area's records, in record order: exposure and penalties, and credit.
    risk: dict[str, list[_Scored]] = {k: [] for k in keys}
    credit: dict[str, list[_Scored]] = {k: [] for k in keys}
    for sc in scored:
        into = credit if sc.role == "credit" else risk
        for k in sc.areas if len(sc.areas) == 1 else dict.fromkeys(sc.areas):
            held = into.get(k)
            if held is not None:
                held.append(sc)
    areas = [
        _area_score(
            area.key, area.title, risk[area.key], credit[area.key], w, (nets[i], steps, as_of), newest.get(area.key)
        )
        for i, area in enumerate(taxonomy.areas)
    ]
    # The overall series: the same ordered weighted average at each step (largest areas first).
    top = w.overall
    overall_series = []
    for col in zip(*nets, strict=True):
        ranked = sorted(col, reverse=True)
        overall_series.append(sum([x * v for x, v in zip(top, ranked, strict=False)]))
    overall = _overall(areas, w, (overall_series, steps, as_of))
    gaps = build_gaps(company, taxonomy, as_of, w, tuple(areas), scored)
    questions = build_questions(company, taxonomy, as_of, w, gaps, scored)
    opportunities = build_opportunities(company, taxonomy, as_of, w, tuple(areas))
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
        known=company,
    )


def _newest_sources(
    records: Sequence[tuple[Allegation | Commitment, _Facts]], keys: Sequence[str], step: int
) -> dict[str, PartialDate]:
    """Return per area the newest source date on or before ``step`` (a record's date stands in for undated sources)."""
    out: dict[str, PartialDate] = {}
    newest_key: dict[str, tuple[int, int, int]] = {}  # _ymd(out[k])
    areas = set(keys)
    for r, f in records:
        if f.start > step:
            continue
        if f.settled <= step:  # every source is dated on or before step
            newest, nk = f.newest, f.newest_key
        else:
            dates = [s.date or r.date for s, first in zip(r.sources, f.src_firsts(), strict=True) if first <= step]
            newest = (max(dates, key=_ymd) if len(dates) > 1 else dates[0]) if dates else r.date
            nk = _ymd(newest)
        for k in r.areas:
            if k in areas:
                held = newest_key.get(k)
                if held is None or nk > held:
                    out[k] = newest
                    newest_key[k] = nk
    return out


def rank_peers(profiles: Iterable[Profile]) -> Peers:
    """Return the ranks of ``profiles`` against each other, overall and per area (lowest risk = rank 1)."""
    profs = list(profiles)
    if not profs:
        raise DataError("no profiles to rank")
    as_of = profs[0].as_of
    area_keys = (OVERALL, *(a.key for a in profs[0].areas))
    ranks: dict[str, dict[str, PeerRank]] = {p.company_id: {} for p in profs}
    medians: dict[str, float] = {}
    for key in area_keys:
        values = [p.area(key).net for p in profs]
        ordered = sorted(values)
        n = len(values)
        mid = n // 2
        median = ordered[mid] if n % 2 else _r2((ordered[mid - 1] + ordered[mid]) / 2)
        medians[key] = median
        for p, v in zip(profs, values, strict=True):
            lower = bisect.bisect_left(ordered, v)
            ties = bisect.bisect_right(ordered, v) - lower - 1
            pct = 100.0 * (lower + 0.5 * ties) / (n - 1) if n > 1 else 0.0
            ranks[p.company_id][key] = _new_peer_rank(key, v, lower + 1, n, _r2(pct), median)
    return Peers(
        as_of=as_of,
        company_ids=tuple(p.company_id for p in profs),
        areas=area_keys,
        ranks=MappingProxyType({k: MappingProxyType(v) for k, v in ranks.items()}),
        medians=MappingProxyType(medians),
    )


def compile_profiles(
    companies: Sequence[Company], taxonomy: Taxonomy, as_of: dt.date, weights: Weights
) -> dict[str, Profile]:
    """Return every company's profile (in input order) with peer ranks and peer-practice opportunities.

    This is the one call a brief, a letter or a leaderboard needs for a workspace.
    """

    # Profiles hold no reference cycles, so the cyclic collector has nothing to find; its
    # full passes over a workspace's worth of live objects would cost a third of the time.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _compile_all(companies, taxonomy, as_of, weights)
    finally:
        if paused:
            gc.enable()


def _compile_all(
    companies: Sequence[Company], taxonomy: Taxonomy, as_of: dt.date, weights: Weights
) -> dict[str, Profile]:
    from .questions import peer_holders, peer_opportunities

    scorer = _Scorer(as_of, weights)
    profiles = [_compile(c, taxonomy, scorer) for c in companies]
    if not profiles:
        return {}
    peers = rank_peers(profiles)
    known = [p.known or c for c, p in zip(companies, profiles, strict=True)]
    holders = peer_holders(known, taxonomy, as_of, weights)
    out: dict[str, Profile] = {}
    for c, p in zip(known, profiles, strict=True):
        extra = peer_opportunities(c, holders, taxonomy, as_of, weights, p)
        out[p.company_id] = dataclasses.replace(
            p,
            ranks=tuple(peers.ranks[p.company_id][k] for k in peers.areas),
            opportunities=p.opportunities + extra,
        )
    return out


def leaderboard(profiles: Mapping[str, Profile] | Sequence[Profile], area: str = OVERALL) -> list[Profile]:
    """Return the profiles ordered for a leaderboard of ``area``: lowest net risk first, ties by name."""
    items = list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)
    return sorted(items, key=lambda p: (p.area(area).net, p.company_name.casefold(), p.company_id))
