"""The validated-record cache of a workspace: records, check results and peer values, by file content.

A company file's key is its name and the SHA-256 of its bytes (``engage.digest``, the
batch's definition of a change); every cache file also carries its context (engage's code
and data, the workspace's taxonomy), so any of these changing is a miss. Three kinds of
entry live in ``<workspace>/.engage-cache/<context>/``:

- ``records/<key>``: what loading the file gave, the ``Company`` or its problems;
- ``check-<as-of>``: per file, its problems and the warnings ``check`` gives at that date;
- ``peers-<as-of>-<weights>``: per file, what a profile needs of it as a peer (its area
  nets, whether it is rated, its peer-practice commitments), so that one profile does not
  compile every company;
- ``board-<as-of>-<weights>``: per file, its profile as a leaderboard shows it
  (``board_profile``), so that ``compare`` compiles only the companies that changed.

A new as-of date or new weights is a cold compile for the views of that date.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

from ..digest import sha256_hex
from ..errors import DataError, Problem
from ..profile import OVERALL, AreaScore, Peers, Profile, Weights, rank_peers
from ..profile.compile import gc_paused
from ..profile.opportunities import peer_holders
from ..records import Company, display_path, load_company
from ..taxonomy import Taxonomy
from .store import CACHE_DIR, Store, cache_key, cache_key_path, context_digest

Loaded = tuple[Company | None, tuple[Problem, ...]]
Checked = tuple[tuple[Problem, ...], tuple[Problem, ...]]  # (problems, warnings)


@dataclass(frozen=True)
class PeerFacts:
    """What a company contributes to another's profile at a date: its nets (overall first) and peer practice."""

    company_id: str
    rated: bool
    nets: tuple[tuple[str, float], ...]
    holder: Company  # the company as known at the date, keeping only commitments it is a peer-practice holder of


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Return a hash of the engage code and data a cached record depends on (modules, taxonomy, weights, glyphs)."""
    h = hashlib.sha256()
    todo = [(resources.files("engage"), "")]
    while todo:
        node, prefix = todo.pop()
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = prefix + child.name
            if child.name == "__pycache__" or child.name.startswith("."):
                continue
            if child.is_dir():
                todo.append((child, name + "/"))
            elif name.endswith((".py", ".yaml")) or name.endswith("coverage.txt"):
                data = child.read_bytes()
                h.update(f"{name}\0{len(data)}\0".encode() + data)
    return h.hexdigest()


#: How many records ``engage.documents.export.top_reasons`` names per area: all a leaderboard shows of them.
BOARD_REASONS = 3


def board_profile(profile: Profile) -> Profile:
    """Return ``profile`` as a leaderboard shows it: scores, evidence, benchmarks and ranks, each area's
    baseline and top ``BOARD_REASONS`` contributions; no gaps, questions, opportunities, history or known view."""

    def trim(area: AreaScore) -> AreaScore:
        records = [c for c in area.contributions if c.record_kind != "baseline"]
        top = {id(c) for c in sorted(records, key=lambda c: (-abs(c.net), c.record_id))[:BOARD_REASONS]}
        kept = tuple(c for c in area.contributions if c.record_kind == "baseline" or id(c) in top)
        return dataclasses.replace(area, contributions=kept)

    return dataclasses.replace(
        profile,
        overall=trim(profile.overall),
        areas=tuple(trim(a) for a in profile.areas),
        gaps=(),
        questions=(),
        opportunities=(),
        history=(),
        known=None,
    )


def with_ranks(profile: Profile, peers: Peers) -> Profile:
    """Return ``profile`` with its ranks among ``peers`` (none when it is not rated)."""
    cid = profile.company_id
    return dataclasses.replace(
        profile, ranks=tuple(peers.ranks[cid][k] for k in peers.areas) if cid in peers.ranks else ()
    )


def load_one(path: Path, taxonomy: Taxonomy, root: Path | None, raw: bytes | None = None) -> Loaded:
    """Return the company in ``path`` and no problems, or None and every problem of the file."""
    try:
        return load_company(path, taxonomy, root, raw), ()
    except DataError as exc:
        return None, tuple(exc.problems or [Problem(display_path(path, root), 0, 0, "", str(exc))])


def peer_facts_of(profile: Profile, company: Company, taxonomy: Taxonomy, weights: Weights) -> PeerFacts:
    """Return what ``profile``'s company gives its peers: nets, rated, and the commitments peers may cite."""
    known = profile.known or company
    pools = peer_holders([known], taxonomy, profile.as_of, weights)
    cited = {id(c) for pool in pools.values() for _, c in pool.pairs}
    holder = dataclasses.replace(
        known,
        agms=(),
        contact=None,
        benchmarks=(),
        allegations=(),
        commitments=tuple(c for c in known.commitments if id(c) in cited),
        policies=(),
        exposure_adjustments=(),
        lines={},
    )
    nets = ((OVERALL, profile.overall.net), *((a.key, a.net) for a in profile.areas))
    return PeerFacts(profile.company_id, profile.rated, nets, holder)


@dataclass(frozen=True)
class CacheState:
    """What ``engage doctor`` says of a workspace's cache: where, how big, whether it fits this engage."""

    folder: Path
    files: int
    size: int  # bytes
    current: bool  # holds entries made by this engage with this taxonomy
    stale_contexts: int  # folders of another engage or taxonomy (removed on the next full run)
    key_path: Path
    key_ok: bool  # the per-user key could be kept; without it nothing is cached

    def to_dict(self) -> dict[str, Any]:
        """Return the state as JSON-ready data."""
        return {**dataclasses.asdict(self), "folder": str(self.folder), "key_path": str(self.key_path)}


class WorkspaceCache:
    """The cache of one workspace as opened: file digests for this run, entries on disk (``enabled``)."""

    def __init__(self, root: Path, taxonomy: Taxonomy, *, enabled: bool = True):
        self.root = root
        self.taxonomy = taxonomy
        self.enabled = enabled
        self.base = root / CACHE_DIR
        self._keys: dict[Path, str | None] = {}
        self._raw: dict[Path, bytes] = {}
        self._store: Store | None = None
        self.missed = False  # a record was parsed this run (so unused entries may be pruned)

    @property
    def store(self) -> Store:
        """Return the store of this workspace's context (made on first use)."""
        if self._store is None:
            local = self.root / "taxonomy.yaml"
            try:
                taxonomy = sha256_hex(local.read_bytes())
            except OSError:
                taxonomy = "-"
            context = context_digest(code_digest(), taxonomy)
            key = cache_key() if self.enabled else None
            self._store = Store(self.base / context[:24], context, key)
        return self._store

    # ------------------------------------------------------------------ keys

    def key(self, path: Path) -> str | None:
        """Return the key of a company file (its name and content digest); None when it cannot be cached."""
        if path not in self._keys:
            key = None
            try:
                if not path.is_symlink() and path.is_file():
                    raw = path.read_bytes()
                    self._raw[path] = raw
                    key = f"{path.name}\0{sha256_hex(raw)}"
            except OSError:
                key = None
            self._keys[path] = key
        return self._keys[path]

    def _entry_name(self, key: str) -> str:
        return "records/" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]

    # ------------------------------------------------------------------ records

    def load(self, paths: Sequence[Path]) -> list[Loaded]:
        """Return what loading each file gives (company or problems), from the cache when its content is known."""
        with gc_paused():
            return [self._load(path) for path in paths]

    def _load(self, path: Path) -> Loaded:
        key = self.key(path) if self.enabled else None
        if key is None:
            return load_one(path, self.taxonomy, self.root)
        name = self._entry_name(key)
        hit = self.store.read(name)
        if _is_loaded(hit):
            self._raw.pop(path, None)
            company, problems = hit
            if company is not None and company.path != path:  # the workspace moved: same content, new place
                company = dataclasses.replace(company, path=path)
            return company, problems
        raw = self._raw.pop(path, None)
        if raw is None:  # read again: its bytes were let go after a view had it
            try:
                raw = path.read_bytes()
            except OSError:
                return load_one(path, self.taxonomy, self.root)
            if f"{path.name}\0{sha256_hex(raw)}" != key:  # changed during this command: parse, do not store
                return load_one(path, self.taxonomy, self.root, raw)
        loaded = load_one(path, self.taxonomy, self.root, raw)
        self.missed = True
        self.store.write(name, loaded)
        return loaded

    # ------------------------------------------------------------------ views per date

    def view(
        self,
        kind: str,
        paths: Sequence[Path],
        compute: Callable[[list[Path]], dict[Path, Any]],
        valid: Callable[[Any], bool],
        complete: bool = True,
    ) -> dict[Path, Any]:
        """Return per file the value of view ``kind`` (one cache file), computing the files missing from it.

        ``complete``: ``paths`` are every company file, so entries no file uses any more can go.
        """
        if not self.enabled:
            return compute(list(paths))
        stored = self.store.read(kind)
        known: dict[str, tuple[str, Any]] = stored if isinstance(stored, dict) else {}
        out: dict[Path, Any] = {}
        missing: list[Path] = []
        for path in paths:
            key = self.key(path)
            entry = known.get(path.name)
            if key is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key and valid(entry[1]):
                out[path] = entry[1]
                self._raw.pop(path, None)  # its bytes are needed only to parse it
            else:
                missing.append(path)
        if missing:
            with gc_paused():
                fresh = compute(missing)
            out.update(fresh)
            folder = paths[0].parent
            merged = {n: e for n, e in known.items() if (folder / n).exists()}  # a deleted file's entry goes
            merged.update({p.name: (k, fresh[p]) for p in missing if (k := self.key(p)) is not None})
            self.store.write(kind, merged)
            if complete and self.missed:
                self.prune()
        return out

    def checked(
        self,
        paths: Sequence[Path],
        as_of: dt.date,
        compute: Callable[[list[Path]], dict[Path, Checked]],
        complete: bool = True,
    ) -> dict[Path, Checked]:
        """Return per file its problems and its ``check`` warnings at ``as_of`` (``complete``: every file)."""
        return self.view(f"check-{as_of.isoformat()}", paths, compute, _is_checked, complete)

    def peers(
        self,
        paths: Sequence[Path],
        as_of: dt.date,
        weights: Weights,
        compute: Callable[[list[Path]], dict[Path, PeerFacts | None]],
    ) -> dict[Path, PeerFacts | None]:
        """Return per file its peer facts at ``as_of`` with ``weights`` (None: the file has errors)."""
        kind = f"peers-{as_of.isoformat()}-{_weights_digest(weights)}"
        return self.view(kind, paths, compute, lambda v: v is None or isinstance(v, PeerFacts))

    def has_peers(self, as_of: dt.date, weights: Weights) -> bool:
        """Return whether peer values at ``as_of`` with ``weights`` are stored (a later read refreshes stale ones)."""
        return (self.store.folder / f"peers-{as_of.isoformat()}-{_weights_digest(weights)}").is_file()

    def boards(
        self,
        paths: Sequence[Path],
        as_of: dt.date,
        weights: Weights,
        compute: Callable[[list[Path]], dict[Path, Profile | None]],
    ) -> dict[Path, Profile | None]:
        """Return per file its unranked board profile at ``as_of`` with ``weights`` (None: the file has errors)."""
        kind = f"board-{as_of.isoformat()}-{_weights_digest(weights)}"
        return self.view(kind, paths, compute, lambda v: v is None or isinstance(v, Profile))

    def remember(
        self, facts: dict[Path, PeerFacts | None], boards: dict[Path, Profile | None], as_of: dt.date, weights: Weights
    ) -> None:
        """Store peer facts and board profiles computed elsewhere (a full compile), for later commands."""
        if self.enabled:
            self.peers(list(facts), as_of, weights, lambda missing: {p: facts[p] for p in missing})
            self.boards(list(boards), as_of, weights, lambda missing: {p: boards[p] for p in missing})

    # ------------------------------------------------------------------ housekeeping

    def state(self) -> CacheState:
        """Return the cache's size and whether its entries fit this engage and taxonomy (reads nothing else)."""
        files = size = stale = 0
        current = False
        with contextlib.suppress(OSError):
            for child in self.base.iterdir() if self.base.is_dir() else ():
                if child.is_dir():
                    if child == self.store.folder:
                        current = True
                    else:
                        stale += 1
                for f in child.rglob("*") if child.is_dir() else (child,):
                    with contextlib.suppress(OSError):
                        if f.is_file():
                            files += 1
                            size += f.stat().st_size
        return CacheState(self.base, files, size, current, stale, cache_key_path(), cache_key() is not None)

    def prune(self) -> None:
        """Remove the folders of other contexts (an older engage, another taxonomy) and unused record entries."""
        if not self.enabled or not self.base.is_dir():
            return
        keep = self.store.folder
        with contextlib.suppress(OSError):
            for child in self.base.iterdir():
                if child.is_dir() and child != keep:
                    shutil.rmtree(child, ignore_errors=True)
        used = {self._entry_name(k).split("/", 1)[1] for k in self._keys.values() if k is not None}
        with contextlib.suppress(OSError):
            for entry in (keep / "records").iterdir():
                if entry.name not in used and not entry.name.startswith("."):
                    with contextlib.suppress(OSError):
                        entry.unlink()


def _weights_digest(weights: Weights) -> str:
    # Every number of the weights is in their repr (frozen dataclasses and read-only mappings).
    return sha256_hex(repr(weights).encode("utf-8"))[:16]


def _is_problems(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(p, Problem) for p in value)


def _is_loaded(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and (value[0] is None or isinstance(value[0], Company))
        and _is_problems(value[1])
    )


def _is_checked(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and _is_problems(value[0]) and _is_problems(value[1])


class _Net:
    """An area's net, as ``rank_peers`` reads it of a profile."""

    __slots__ = ("key", "net")

    def __init__(self, key: str, net: float):
        self.key = key
        self.net = net


class _Ranked:
    """What ``rank_peers`` reads of a profile (id, rated, as-of date, overall and area nets), from peer facts."""

    __slots__ = ("_nets", "areas", "as_of", "company_id", "overall", "rated")

    def __init__(self, facts: PeerFacts, as_of: dt.date):
        self.company_id, self.rated, self.as_of = facts.company_id, facts.rated, as_of
        self._nets = {key: _Net(key, net) for key, net in facts.nets}
        self.overall = self._nets[facts.nets[0][0]]  # the nets hold the overall first
        self.areas = tuple(self._nets[key] for key, _ in facts.nets[1:])

    def area(self, key: str) -> _Net:
        return self._nets[key]


def rank_facts(facts: Sequence[PeerFacts], as_of: dt.date) -> Peers:
    """Return the peer ranks of the companies behind ``facts``, as ``rank_peers`` gives them for their profiles."""
    # rank_peers reads only company_id, rated, as_of, overall, areas and area(key).net of a profile.
    return rank_peers(cast(list[Profile], [_Ranked(f, as_of) for f in facts]))
