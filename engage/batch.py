"""Many companies at once: plan what is stale, render it in a pool of warm workers, keep a manifest.

A batch run is three steps, each a plain function so the CLI stays a thin shell:

``plan_batch``
    selects companies (ids, ``--all``, an AGM window), validates them, compiles the
    profiles of the whole workspace (peer ranks depend on every company) and gives each
    document a fingerprint: a hash of everything its bytes depend on. A document whose
    fingerprint matches the manifest and whose files are intact is skipped. When the
    inputs of the previous identical run are unchanged (one hash over every input file),
    the plan is made from the manifest alone: no YAML parsing, no profiles, no WeasyPrint.
``run_batch``
    renders the stale documents in a process pool whose workers each set WeasyPrint up
    once; one company's failure never stops the others; Ctrl-C stops promptly and the
    manifest keeps what finished.
``agenda``
    upcoming AGMs with the state of each company's documents.

Nothing here imports click or rich; WeasyPrint, Jinja2 and the renderers are imported only
in the worker processes (and in the index task).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import re
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from . import __version__
from .errors import DataError, EngageError, RenderError, UsageError
from .output import write_atomic
from .records import Company, company_id_of, display_path, load_company
from .workspace import Settings, Signatory, Workspace, load_settings

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future, ProcessPoolExecutor

    from .profile import Profile, Weights
    from .taxonomy import Taxonomy

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "MANIFEST_NAME",
    "AgendaRow",
    "BatchEvent",
    "BatchOptions",
    "BatchSummary",
    "CompanyResult",
    "DocumentKind",
    "Plan",
    "PlanItem",
    "RenderContext",
    "Selection",
    "agenda",
    "merge_manifests",
    "parse_shard",
    "plan_batch",
    "read_manifest",
    "run_batch",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = 1
#: Bump when the fingerprint recipe changes, so old manifests never match by accident.
FINGERPRINT_RECIPE = 1
#: A worker whose resident memory passes this is retired (the pool is replaced between tasks).
#: WeasyPrint's native caches grow about 1 MB a document and each retirement costs a drain
#: and a cold start, so the mark sits under issue 8's 300 MB ceiling but not far below: a
#: worker's peak is this plus one company's documents (about 5 MB on 14-page briefs).
RECYCLE_MB = 275.0
#: After Ctrl-C, documents already being rendered get this long to finish before workers are stopped.
INTERRUPT_GRACE_SECONDS = 2.0
#: How many run records (option sets with their input digest) a manifest keeps for the fast path.
MAX_RUN_RECORDS = 16

_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_SHARD_MANIFEST_RE = re.compile(r"^manifest\.shard-(\d+)-of-(\d+)\.json$")


# --------------------------------------------------------------------------- pickling


def _make_proxy(data: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(data)


def _reduce_proxy(proxy: MappingProxyType[str, Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return _make_proxy, (dict(proxy),)


def _register_pickling() -> None:
    """Teach multiprocessing (only it, not pickle at large) to send read-only mappings to workers.

    Profiles and weights keep their factors in ``MappingProxyType``, which pickle refuses;
    a copy of the mapping, wrapped again on arrival, is what a worker needs.
    """
    from multiprocessing.reduction import ForkingPickler

    ForkingPickler.register(MappingProxyType, _reduce_proxy)


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Selection:
    """Which companies a run is about: explicit ids, all of them, or those with an AGM in a window."""

    ids: tuple[str, ...] = ()
    all: bool = False
    agm_within: int | None = None  # days after the as-of date
    agm_before: dt.date | None = None

    def check(self) -> None:
        """Raise UsageError unless exactly one way of selecting is given."""
        ways = sum([bool(self.ids), self.all, self.agm_within is not None, self.agm_before is not None])
        if ways == 0:
            raise UsageError("name companies, or pass --all, --agm-within DAYS or --agm-before DATE")
        if ways > 1:
            raise UsageError("choose one of: company ids, --all, --agm-within, --agm-before")
        if self.agm_within is not None and self.agm_within < 0:
            raise UsageError("--agm-within must not be negative")

    def window(self, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
        """Return the AGM window (first and last day, inclusive) or None when not selecting by AGM."""
        if self.agm_within is not None:
            return as_of, as_of + dt.timedelta(days=self.agm_within)
        if self.agm_before is not None:
            return as_of, self.agm_before
        return None

    def describe(self, as_of: dt.date) -> str:
        """Return the selection in words, for messages."""
        window = self.window(as_of)
        if window is not None:
            return f"AGM between {window[0].isoformat()} and {window[1].isoformat()}"
        if self.all:
            return "all companies"
        return ", ".join(self.ids)


@dataclass(frozen=True)
class BatchOptions:
    """Everything a batch run is asked to do; the options that change output enter fingerprints."""

    as_of: dt.date
    selection: Selection
    kinds: tuple[str, ...] = ("brief", "letter")
    out_dir: Path | None = None  # default <workspace>/briefs
    jobs: int | None = None  # default os.cpu_count()
    force: bool = False
    shard: tuple[int, int] | None = None  # (K, N), 1-based
    paper: str = "a4"
    letter_formats: tuple[str, ...] | None = None  # default engage.yaml letter.formats, else pdf
    stage: str | None = None  # default engage.yaml letter.stage, else first
    respond_by: dt.date | None = None
    signatories_file: Path | None = None
    index: bool = True

    def run_key(self) -> str:
        """Return a hash of the options that decide what a run selects and writes (not jobs or force)."""
        return _digest_json(
            {
                "as_of": self.as_of.isoformat(),
                "selection": dataclasses.asdict(self.selection),
                "kinds": list(self.kinds),
                "shard": list(self.shard) if self.shard else None,
                "paper": self.paper,
                "letter_formats": list(self.letter_formats) if self.letter_formats is not None else None,
                "stage": self.stage,
                "respond_by": self.respond_by.isoformat() if self.respond_by else None,
                "signatories_file": str(self.signatories_file) if self.signatories_file else None,
                "index": self.index,
            }
        )


def parse_shard(text: str) -> tuple[int, int]:
    """Return (K, N) from 'K/N' with 1 <= K <= N; raises UsageError."""
    match = _SHARD_RE.match(text)
    if not match:
        raise UsageError(f"'{text}' is not a shard; expected K/N, for example 2/4")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"shard {k}/{n} does not exist; K runs from 1 to N")
    return k, n


def shard_of(ids: Sequence[str], shard: tuple[int, int] | None) -> list[str]:
    """Return the ids of shard K of N: every N-th id of the sorted selection, starting at the K-th.

    Round-robin over the sorted ids balances the shards to within one company and gives
    every machine the same answer for the same selection and as-of date.
    """
    ordered = sorted(ids)
    if shard is None:
        return ordered
    k, n = shard
    return ordered[k - 1 :: n]


# --------------------------------------------------------------------------- document kinds


@dataclass(frozen=True)
class RenderContext:
    """What every document of a run shares; sent to each worker once."""

    root: Path
    templates_dir: Path | None
    out_dir: Path
    settings: Settings
    taxonomy: Taxonomy
    weights: Weights
    as_of: dt.date
    peer_count: int
    paper: str
    letter_formats: tuple[str, ...]
    stage: str | None
    respond_by: dt.date | None
    signatories: tuple[Signatory, ...] | None


class RenderFunction(Protocol):
    """Render one company's document: ``{file name in <out>/<company-id>/: bytes}``."""

    def __call__(
        self, company: Company, profile: Profile, context: RenderContext, renderer: Any
    ) -> Mapping[str, bytes]: ...


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document a batch makes per company; the functions must be module-level (picklable)."""

    name: str
    render: RenderFunction
    files: Callable[[RenderContext], tuple[str, ...]]
    options: Callable[[RenderContext], Mapping[str, Any]]
    #: Whether the document shows anything derived from other companies (peer ranks,
    #: medians, peers' practice); when False, editing another company never makes it stale.
    uses_peers: bool = True
    #: Whether ``render`` needs the PDF renderer (a worker then sets WeasyPrint up once).
    needs_renderer: bool = True


def _brief_files(context: RenderContext) -> tuple[str, ...]:
    return ("brief.pdf",)


def _brief_options(context: RenderContext) -> Mapping[str, Any]:
    return {"format": "pdf", "paper": context.paper}


_BRIEF_MAKERS: dict[int, Any] = {}


def render_brief(company: Company, profile: Profile, context: RenderContext, renderer: Any) -> Mapping[str, bytes]:
    """Return ``{'brief.pdf': bytes}``: the brief of engage.render, with one BriefMaker per renderer."""
    from .render import BriefMaker, build_brief

    maker = _BRIEF_MAKERS.get(id(renderer))
    if maker is None:
        maker = _BRIEF_MAKERS[id(renderer)] = BriefMaker(context.templates_dir, renderer=renderer)
    view = build_brief(
        company,
        profile,
        taxonomy=context.taxonomy,
        settings=context.settings,
        weights=context.weights,
        peer_count=context.peer_count,
    )
    return {"brief.pdf": maker.pdf(view, paper=context.paper).pdf}


def _letter_files(context: RenderContext) -> tuple[str, ...]:
    from .letter import FILE_NAMES

    return tuple(FILE_NAMES[f] for f in context.letter_formats)


def _letter_options(context: RenderContext) -> Mapping[str, Any]:
    signatories = None
    if context.signatories is not None:
        signatories = [dataclasses.asdict(s) for s in context.signatories]
    return {
        "formats": list(context.letter_formats),
        "stage": context.stage,
        "respond_by": context.respond_by.isoformat() if context.respond_by else None,
        "signatories": signatories,
    }


def render_letter(company: Company, profile: Profile, context: RenderContext, renderer: Any) -> Mapping[str, bytes]:
    """Return ``{'letter.pdf': bytes, ...}``: engage.letter's letter in the run's formats."""
    from .letter import FILE_NAMES, options_from_settings, render_company_letter

    options = options_from_settings(
        context.settings, stage=context.stage, respond_by=context.respond_by, signatories=context.signatories
    )
    data = render_company_letter(
        company,
        profile,
        context.settings,
        renderer,
        taxonomy=context.taxonomy,
        as_of=context.as_of,
        formats=context.letter_formats,
        options=options,
    )
    return {FILE_NAMES[fmt]: payload for fmt, payload in data.items()}


KINDS: dict[str, DocumentKind] = {
    "brief": DocumentKind("brief", render_brief, _brief_files, _brief_options),
    # A letter asks the profile's questions, which come from the company's own records.
    "letter": DocumentKind("letter", render_letter, _letter_files, _letter_options, uses_peers=False),
}
DEFAULT_KINDS: tuple[str, ...] = ("brief", "letter")


def _default_renderer(templates_dir: Path | None) -> Any:
    from .pdf import Renderer

    return Renderer(templates_dir)


# --------------------------------------------------------------------------- hashing inputs


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_json(value: Any) -> str:
    return _sha256(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8"))


def _hash_tree(h: Any, files: Iterable[tuple[str, bytes]]) -> None:
    for name, data in files:
        h.update(name.encode("utf-8") + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)


def _traverse(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.name == "__pycache__" or child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _traverse(child, name + "/")
        elif child.is_file():
            yield name, child


@functools.lru_cache(maxsize=1)
def engine_digest() -> str:
    """Return a hash of engage itself: version, code, packaged resources, and the renderers' versions.

    Any change to the code, templates, stylesheets, fonts, taxonomy or weights that ship
    with engage changes every fingerprint, even without a version bump.
    """
    h = hashlib.sha256()
    h.update(f"engage {__version__} recipe {FINGERPRINT_RECIPE}\0".encode())
    for dist in ("weasyprint", "pydyf", "fonttools", "python-docx", "jinja2"):
        try:
            h.update(f"{dist} {metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} -\0".encode())
    root = resources.files("engage")
    _hash_tree(
        h,
        (
            (name, item.read_bytes())
            for name, item in _traverse(root, "")
            # The CLI only chooses options (which enter fingerprints themselves), not bytes.
            if (name.endswith(".py") and not name.startswith("cli/")) or name.startswith("resources/")
        ),
    )
    return h.hexdigest()


def _workspace_files(folder: Path) -> list[tuple[str, bytes]]:
    """Return (relative name, bytes) of the regular files under ``folder``, sorted; hidden files skipped."""
    out: list[tuple[str, bytes]] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or not path.is_file():
            continue
        with contextlib.suppress(OSError):
            out.append((rel, path.read_bytes()))
    return out


def _read_optional(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None


@dataclass(frozen=True)
class Inputs:
    """Every input file of a workspace, hashed: the shared parts and each company file."""

    shared: Mapping[str, str]  # part name -> hash: engage, settings, taxonomy, templates, signatories
    companies: Mapping[str, str]  # company id -> hash of its file
    digest: str  # one hash over all of the above


def hash_inputs(ws: Workspace, signatories_file: Path | None = None) -> Inputs:
    """Return the hashes of every file a run reads; cheap (no parsing)."""
    settings = _read_optional(ws.config_path)
    taxonomy = _read_optional(ws.root / "taxonomy.yaml")
    templates = hashlib.sha256()
    _hash_tree(templates, _workspace_files(ws.templates_dir))
    shared = {
        "engage": engine_digest(),
        "settings": _sha256(settings) if settings is not None else "-",
        "taxonomy": _sha256(taxonomy) if taxonomy is not None else "-",
        "templates": templates.hexdigest(),
    }
    if signatories_file is not None:
        data = _read_optional(signatories_file)
        shared["signatories"] = _sha256(data) if data is not None else "-"
    companies: dict[str, str] = {}
    for path in ws.company_files():
        data = _read_optional(path)
        companies[company_id_of(path)] = _sha256(data or b"")
    digest = _digest_json({"shared": shared, "companies": companies})
    return Inputs(MappingProxyType(shared), MappingProxyType(companies), digest)


# --------------------------------------------------------------------------- manifest


def manifest_name(shard: tuple[int, int] | None) -> str:
    """Return the manifest's file name: ``manifest.json``, or ``manifest.shard-K-of-N.json`` for a shard."""
    if shard is None:
        return MANIFEST_NAME
    return f"manifest.shard-{shard[0]}-of-{shard[1]}.json"


def _manifest_files(out_dir: Path) -> list[Path]:
    files = [out_dir / MANIFEST_NAME]
    if out_dir.is_dir():
        files += sorted(p for p in out_dir.iterdir() if _SHARD_MANIFEST_RE.match(p.name))
    return [p for p in files if p.is_file()]


def _empty_manifest() -> dict[str, Any]:
    return {"schema": MANIFEST_SCHEMA, "engage": __version__, "companies": {}, "runs": {}, "index": None}


def _load_one(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable or half-copied: treat as absent, everything is re-planned
    if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
        return None
    if not isinstance(data.get("companies"), dict):
        return None
    return data


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """Return the manifest of ``out_dir``: ``manifest.json`` merged with every shard manifest.

    Per company the newest entry wins (by its ``updated`` time), so shard runs on several
    machines can be copied into one folder and read as one. Unreadable files count as absent.
    """
    merged = _empty_manifest()
    for path in _manifest_files(out_dir):
        data = _load_one(path)
        if data is None:
            continue
        for cid, entry in data["companies"].items():
            old = merged["companies"].get(cid)
            if old is None or str(entry.get("updated", "")) >= str(old.get("updated", "")):
                merged["companies"][cid] = entry
        for key, run in (data.get("runs") or {}).items():
            old_run = merged["runs"].get(key)
            if old_run is None or str(run.get("at", "")) >= str(old_run.get("at", "")):
                merged["runs"][key] = run
        index = data.get("index")
        if index and (merged["index"] is None or str(index.get("at", "")) >= str(merged["index"].get("at", ""))):
            merged["index"] = index
    return merged


def write_manifest(out_dir: Path, manifest: Mapping[str, Any], shard: tuple[int, int] | None = None) -> Path:
    """Write the manifest atomically (``manifest.json`` or the shard's file) and return its path."""
    runs = dict(manifest.get("runs") or {})
    if len(runs) > MAX_RUN_RECORDS:
        keep = sorted(runs, key=lambda k: str(runs[k].get("at", "")))[-MAX_RUN_RECORDS:]
        runs = {k: runs[k] for k in keep}
    data = {**manifest, "schema": MANIFEST_SCHEMA, "engage": __version__, "runs": runs}
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return write_atomic(out_dir / manifest_name(shard), text)


def merge_manifests(out_dir: Path) -> tuple[Path, list[Path]]:
    """Fold every shard manifest into ``manifest.json``, delete the shard files; return (manifest, merged files)."""
    shards = [p for p in _manifest_files(out_dir) if p.name != MANIFEST_NAME]
    merged = read_manifest(out_dir)
    path = write_manifest(out_dir, merged)
    for p in shards:
        with contextlib.suppress(OSError):
            p.unlink()
    return path, shards


def lock_name(shard: tuple[int, int] | None) -> str:
    """Return the lock file of a run's manifest: ``.manifest.json.lock`` (``.manifest.shard-K-of-N.json.lock``)."""
    return f".{manifest_name(shard)}.lock"


#: What a lock file says to someone who finds it in the output folder.
LOCK_NOTE = (
    "engage batch lock for {manifest}: a running `engage batch` holds it while it writes to this folder.\n"
    "It is kept on purpose (deleting a lock another run may be opening lets two runs write at once);\n"
    "it holds no data and is safe to delete when no batch is running.\n"
)


@contextlib.contextmanager
def _lock(out_dir: Path, shard: tuple[int, int] | None) -> Iterator[None]:
    """Hold an exclusive lock on the run's manifest so two runs never write the same one; raise UsageError.

    The lock file stays after the run. Unlinking it on exit would race: a second run that
    opened the file just before the unlink would lock the deleted inode while a third run
    creates and locks a new file, and both would write the manifest. So the file is kept,
    and says in its text what it is.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / lock_name(shard)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(
                f"another engage batch is writing to {out_dir} ({manifest_name(shard)}); wait for it to finish"
            ) from None
        note = LOCK_NOTE.format(manifest=manifest_name(shard)).encode("utf-8")
        with contextlib.suppress(OSError):  # the note is a courtesy; the lock is what matters
            if os.pread(fd, len(note) + 1, 0) != note:
                os.ftruncate(fd, 0)
                os.pwrite(fd, note, 0)
        yield
    finally:
        os.close(fd)


def _iso_date(value: Any) -> dt.date | None:
    """Return a date from an ISO string in a manifest, or None."""
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _now_iso(clock: Callable[[], float]) -> str:
    return dt.datetime.fromtimestamp(clock(), dt.timezone.utc).isoformat(timespec="microseconds")


def _file_matches(path: Path, sha256: str, size: int | None) -> bool:
    try:
        if size is not None and path.stat().st_size != size:
            return False
        return _sha256(path.read_bytes()) == sha256
    except OSError:
        return False


def _outputs_intact(out_dir: Path, outputs: Mapping[str, Any]) -> bool:
    for rel, info in outputs.items():
        sha, size = (info.get("sha256"), info.get("size")) if isinstance(info, dict) else (info, None)
        if not isinstance(sha, str) or not _file_matches(out_dir / rel, sha, size):
            return False
    return True


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class PlannedDocument:
    """One document of one company: whether it will be rendered, and why."""

    kind: str
    action: str  # 'render' | 'skip'
    reason: str
    fingerprint: str
    parts: Mapping[str, str]
    files: tuple[str, ...]  # relative to the output folder: '<id>/brief.pdf'


@dataclass(frozen=True)
class PlanItem:
    """One selected company: its documents, or the data error that stops them."""

    company_id: str
    name: str
    agm: dt.date | None
    documents: tuple[PlannedDocument, ...] = ()
    error: str | None = None  # the first problem of an invalid record
    band: str | None = None
    net: float | None = None

    @property
    def action(self) -> str:
        """Return 'fail' (invalid record), 'render' (some document is stale) or 'skip'."""
        if self.error is not None:
            return "fail"
        return "render" if any(d.action == "render" for d in self.documents) else "skip"


@dataclass
class Plan:
    """What a run will do, company by company; ``fast`` when made from the manifest alone."""

    workspace: Workspace
    options: BatchOptions
    out_dir: Path
    items: list[PlanItem]
    inputs: Inputs
    manifest: dict[str, Any]
    fast: bool = False
    context: RenderContext | None = None
    companies: dict[str, Company] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    kinds: dict[str, DocumentKind] = field(default_factory=dict)
    all_companies: list[Company] = field(default_factory=list)

    @property
    def to_render(self) -> list[PlanItem]:
        """Return the items with at least one stale document."""
        return [i for i in self.items if i.action == "render"]

    @property
    def writes_index(self) -> bool:
        """Return whether this run keeps briefs/index.html and index.pdf (not shards other than 1/N)."""
        return self.options.index and (self.options.shard is None or self.options.shard[0] == 1)


def _first_problem(exc: DataError, label: str) -> str:
    problems = [p for p in exc.problems if p.level != "warning"]
    if problems:
        more = f" (and {len(problems) - 1} more; run `engage check`)" if len(problems) > 1 else ""
        return f"{problems[0]}{more}"
    return f"{label}: {exc}"


def _raw_agm(path: Path) -> dt.date | None:
    """Return the ``agm:`` of a record that did not validate, if it can still be read; else None."""
    from .yamlsafe import MappingNode, YamlProblem, compose_file

    try:
        node = compose_file(path)
    except YamlProblem:
        return None
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if getattr(key, "value", None) == "agm":
            with contextlib.suppress(ValueError, TypeError):
                return dt.date.fromisoformat(str(value.value))
    return None


def _peer_part(profile: Profile) -> str:
    """Hash the values a company's documents take from its peers: ranks, medians and peer opportunities."""
    from .profile import _plain

    return _digest_json({"ranks": _plain(profile.ranks), "opportunities": _plain(profile.opportunities)})


def _fingerprint(parts: Mapping[str, str]) -> str:
    return _digest_json(dict(parts))


_PART_REASONS = {
    "record": "record changed",
    "peers": "peer ranks or peer practice changed",
    "as_of": "as-of date changed",
    "options": "options changed",
    "engage": "engage or its templates changed",
    "settings": "engage.yaml changed",
    "taxonomy": "taxonomy.yaml changed",
    "templates": "templates/ changed",
    "signatories": "signatories file changed",
}


def _why_stale(old: Mapping[str, Any] | None, parts: Mapping[str, str], out_dir: Path, force: bool) -> str | None:
    """Return why a document must be rendered, or None when it is up to date."""
    if force:
        return "forced"
    if not old:
        return "new"
    if old.get("status") != "ok":
        return "failed last time"
    old_parts = old.get("parts") or {}
    changed = [name for name in parts if old_parts.get(name) != parts[name]]
    changed += [name for name in old_parts if name not in parts]
    if changed:
        reasons = list(dict.fromkeys(_PART_REASONS.get(name, f"{name} changed") for name in changed))
        return ", ".join(reasons)
    if old.get("fingerprint") != _fingerprint(parts):
        return "fingerprint changed"
    if not _outputs_intact(out_dir, old.get("outputs") or {}):
        return "output missing or modified"
    return None


def _resolve_kinds(names: Sequence[str], kinds: Mapping[str, DocumentKind]) -> dict[str, DocumentKind]:
    unknown = [n for n in names if n not in kinds]
    if unknown:
        raise UsageError(f"unknown document kind '{unknown[0]}'; choose from {', '.join(kinds)}")
    if not names:
        raise UsageError("--only needs at least one of: " + ", ".join(kinds))
    return {n: kinds[n] for n in dict.fromkeys(names)}


def _letter_defaults(settings: Settings, options: BatchOptions) -> tuple[tuple[str, ...], str | None]:
    """Return the letter formats and stage: the options, else engage.yaml, else what `engage letter` does."""
    formats = options.letter_formats
    if not formats:
        from .letter import FORMATS

        formats = tuple(settings.letter.get("formats") or FORMATS)
    return tuple(dict.fromkeys(formats)), options.stage


def _fast_plan(
    ws: Workspace, options: BatchOptions, out_dir: Path, inputs: Inputs, manifest: dict[str, Any]
) -> Plan | None:
    """Return an all-skip plan when the previous identical run saw the same inputs and its outputs are intact.

    The run record keeps, per company, the fingerprints that run left; each must still be
    the one in the manifest (another run with other options may have replaced a document).
    """
    if options.force:
        return None
    run = (manifest.get("runs") or {}).get(options.run_key())
    if not run or run.get("inputs") != inputs.digest or not isinstance(run.get("companies"), dict):
        return None
    items: list[PlanItem] = []
    for cid, fingerprints in run["companies"].items():
        entry = manifest["companies"].get(cid)
        if not entry or entry.get("error") or not isinstance(fingerprints, dict):
            return None
        documents = []
        for kind in options.kinds:
            doc = (entry.get("documents") or {}).get(kind)
            if not doc or doc.get("status") != "ok" or doc.get("fingerprint") != fingerprints.get(kind):
                return None
            if not _outputs_intact(out_dir, doc.get("outputs") or {}):
                return None
            documents.append(
                PlannedDocument(
                    kind, "skip", "up to date", doc["fingerprint"], doc.get("parts") or {}, tuple(doc["outputs"])
                )
            )
        agm = entry.get("agm")
        items.append(
            PlanItem(
                cid,
                entry.get("name", cid),
                dt.date.fromisoformat(agm) if agm else None,
                tuple(documents),
                band=entry.get("band"),
                net=entry.get("net"),
            )
        )
    if options.index and (options.shard is None or options.shard[0] == 1):
        index = manifest.get("index")
        if not index or not _outputs_intact(out_dir, index.get("outputs") or {}):
            return None
    return Plan(ws, options, out_dir, items, inputs, manifest, fast=True)


def plan_batch(
    ws: Workspace,
    options: BatchOptions,
    *,
    kinds: Mapping[str, DocumentKind] | None = None,
    judge_only: bool = False,
) -> Plan:
    """Return the plan of a run: the selected companies and, per document, render or skip and why.

    Raises DataError when the settings, taxonomy or weights are invalid or letters have no
    signatories (every company needs them) and UsageError for a bad selection; an invalid
    company record becomes a failed item and the others go on. ``judge_only`` (for the
    agenda) always compares fingerprints and does not check what only rendering needs.
    """
    options.selection.check()
    chosen = _resolve_kinds(options.kinds, kinds or KINDS)
    out_dir = (options.out_dir or ws.default_out).resolve()
    inputs = hash_inputs(ws, options.signatories_file)
    manifest = read_manifest(out_dir)
    fast = None if judge_only else _fast_plan(ws, options, out_dir, inputs, manifest)
    if fast is not None:
        fast.kinds = chosen
        return fast

    from .profile import NOT_RATED, compile_profiles, has_records, load_weights
    from .taxonomy import load_taxonomy

    settings = load_settings(ws)
    taxonomy = load_taxonomy(ws.root)
    weights = load_weights(settings.weights or None)
    signatories: tuple[Signatory, ...] | None = None
    if options.signatories_file is not None:
        from .signatories import load_signatories

        signatories = load_signatories(options.signatories_file, ws.root)
    if "letter" in chosen and chosen["letter"] is KINDS["letter"] and not judge_only:
        from .letter import options_from_settings, resolve_signatories

        # No one to sign is a problem of the run, not of each company: say it once.
        resolve_signatories(settings, options_from_settings(settings, signatories=signatories))

    # Every company is loaded: peer ranks depend on all of them, and an AGM window needs dates.
    companies: dict[str, Company] = {}
    errors: dict[str, tuple[str, Path]] = {}
    for path in ws.company_files():
        cid = company_id_of(path)
        try:
            companies[cid] = load_company(path, taxonomy, ws.root)
        except DataError as exc:
            errors[cid] = (_first_problem(exc, display_path(path, ws.root)), path)

    ids = _select(ws, options, companies, errors)
    ids = shard_of(ids, options.shard)
    profiles = compile_profiles(list(companies.values()), taxonomy, options.as_of, weights) if companies else {}
    formats, stage = _letter_defaults(settings, options)
    context = RenderContext(
        root=ws.root,
        templates_dir=ws.templates_dir if ws.templates_dir.is_dir() else None,
        out_dir=out_dir,
        settings=settings,
        taxonomy=taxonomy,
        weights=weights,
        as_of=options.as_of,
        peer_count=len(profiles),
        paper=options.paper,
        letter_formats=formats,
        stage=stage,
        respond_by=options.respond_by,
        signatories=signatories,
    )
    kind_options = {name: _digest_json(kind.options(context)) for name, kind in chosen.items()}
    kind_files = {name: kind.files(context) for name, kind in chosen.items()}

    items: list[PlanItem] = []
    for cid in ids:
        if cid in errors:
            message, path = errors[cid]
            items.append(PlanItem(cid, cid, _raw_agm(path), error=message))
            continue
        company = companies[cid]
        profile = profiles[cid]
        base = {**inputs.shared, "record": inputs.companies.get(cid, "-"), "as_of": options.as_of.isoformat()}
        peers = _peer_part(profile)
        old_docs = (manifest["companies"].get(cid) or {}).get("documents") or {}
        documents = []
        for name, kind in chosen.items():
            parts = {**base, "options": kind_options[name]}
            if kind.uses_peers:
                parts["peers"] = peers
            files = tuple(f"{cid}/{f}" for f in kind_files[name])
            reason = _why_stale(old_docs.get(name), parts, out_dir, options.force)
            documents.append(
                PlannedDocument(
                    name,
                    "skip" if reason is None else "render",
                    reason or "up to date",
                    _fingerprint(parts),
                    MappingProxyType(parts),
                    files,
                )
            )
        items.append(
            PlanItem(
                cid,
                company.name,
                company.agm,
                tuple(documents),
                # As in the brief: nothing on record as of the date is not a rating, not 'low'.
                band=profile.overall.band if has_records(company, options.as_of) else NOT_RATED,
                net=profile.overall.net,
            )
        )
    return Plan(
        ws,
        options,
        out_dir,
        items,
        inputs,
        manifest,
        context=context,
        companies=companies,
        profiles=profiles,
        kinds=chosen,
        all_companies=list(companies.values()),
    )


def _select(
    ws: Workspace, options: BatchOptions, companies: Mapping[str, Company], errors: Mapping[str, tuple[str, Path]]
) -> list[str]:
    """Return the selected ids (valid or not); raises UsageError for unknown ids."""
    from .records import suggest_id

    available = sorted([*companies, *errors])
    sel = options.selection
    if sel.ids:
        for cid in sel.ids:
            if cid not in available:
                raise UsageError(f"no company '{cid}' in {ws.label(ws.companies_dir)}/{suggest_id(cid, available)}")
        return list(dict.fromkeys(sel.ids))
    window = sel.window(options.as_of)
    if window is None:
        return available
    first, last = window
    chosen = []
    for cid in available:
        if cid in companies:
            agm = companies[cid].agm
        else:
            agm = _raw_agm(errors[cid][1])
            if agm is None:  # an invalid record whose AGM cannot be read: report it rather than skip it
                chosen.append(cid)
                continue
        if agm is not None and first <= agm <= last:
            chosen.append(cid)
    return chosen


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class OutputFile:
    """A file a worker wrote, relative to the output folder."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class DocumentResult:
    """How one document went: the files written, or the error (kind 'data' or 'render')."""

    kind: str
    outputs: tuple[OutputFile, ...] = ()
    error: str | None = None
    error_kind: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Return True when the document was written."""
        return self.error is None


@dataclass(frozen=True)
class CompanyResult:
    """How one company went, with the worker's memory after the task (VmRSS, VmHWM in MB)."""

    company_id: str
    documents: tuple[DocumentResult, ...] = ()
    error: str | None = None  # a company-level failure: invalid record, or a worker that died
    error_kind: str | None = None  # 'data' | 'render'
    seconds: float = 0.0
    pid: int = 0
    rss_mb: float = 0.0
    peak_mb: float = 0.0

    @property
    def ok(self) -> bool:
        """Return True when every document was written."""
        return self.error is None and all(d.ok for d in self.documents)

    @property
    def reason(self) -> str | None:
        """Return the first failure in words, or None."""
        if self.error is not None:
            return self.error
        for d in self.documents:
            if d.error is not None:
                return f"{d.kind}: {d.error}"
        return None

    @property
    def failure_kind(self) -> str | None:
        """Return 'render' if any failure was a render failure, 'data' if only data failures, else None."""
        kinds = {self.error_kind} if self.error is not None else set()
        kinds |= {d.error_kind for d in self.documents if d.error is not None}
        if not kinds:
            return None
        return "render" if "render" in kinds else "data"


@dataclass(frozen=True)
class BatchEvent:
    """Something the CLI may show: 'planned', 'done' (a company), 'index', 'interrupting'."""

    kind: str
    total: int = 0
    done: int = 0
    result: CompanyResult | None = None
    plan: Plan | None = None
    message: str = ""


@dataclass
class BatchSummary:
    """The outcome of a run; ``exit_code`` is 0, 1 (data errors only), 3 (a render failed) or 130."""

    plan: Plan
    results: list[CompanyResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0
    worker_peak_mb: float | None = None
    index_files: tuple[str, ...] = ()
    index_error: str | None = None
    manifest_path: Path | None = None
    not_started: list[str] = field(default_factory=list)
    workers: int = 0

    @property
    def rendered(self) -> list[CompanyResult]:
        """Return the companies whose documents were all written."""
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[CompanyResult]:
        """Return the companies that failed (invalid record or a failed document)."""
        return [r for r in self.results if not r.ok]

    @property
    def exit_code(self) -> int:
        """Return 130 when interrupted, 3 when a render failed, 1 when only records were invalid, else 0."""
        if self.interrupted:
            return 130
        kinds = {r.failure_kind for r in self.failed}
        if "render" in kinds or self.index_error:
            return 3
        return 1 if kinds else 0


# --------------------------------------------------------------------------- workers


class _Stop(SystemExit):
    """Raised in a worker by SIGTERM so write_atomic removes its temporary file before the worker exits.

    A SystemExit, because the Renderer turns every other BaseException into a RenderError.
    """


@dataclass(frozen=True)
class _Task:
    company: Company
    profile: Profile
    kinds: tuple[str, ...]


@dataclass
class _WorkerState:
    context: RenderContext
    kinds: Mapping[str, DocumentKind]
    renderer: Any
    renderer_error: str | None
    busy: bool = False
    tuned: bool = False  # a worker: garbage collected after each task, not during layout
    warm: bool = True  # False in a worker until its first task is done


_STATE: _WorkerState | None = None


def _memory_mb() -> tuple[float, float]:
    """Return (VmRSS, VmHWM) of this process in MB, or zeros where /proc is unavailable."""
    rss = hwm = 0.0
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


def _on_sigterm(signum: int, frame: Any) -> None:
    if _STATE is not None and _STATE.busy:
        raise _Stop()
    os._exit(128 + signum)


def _init_worker(
    context: RenderContext,
    kinds: Mapping[str, DocumentKind],
    renderer_factory: Callable[[Path | None], Any] | None,
    own_signals: bool = True,
) -> None:
    """Set a worker up once: its renderer (fonts, stylesheets) and the run's shared context."""
    global _STATE
    if own_signals:
        # Ctrl-C reaches the whole process group; the parent decides what stops and when.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, _on_sigterm)
    renderer = None
    error = None
    if renderer_factory is not None:
        try:
            renderer = renderer_factory(context.templates_dir)
        except EngageError as exc:
            error = str(exc)
        except Exception as exc:
            error = _one_line(exc)
    _STATE = _WorkerState(context, kinds, renderer, error, tuned=own_signals, warm=not own_signals)
    if own_signals:
        _tune_gc()


def _tune_gc() -> None:
    """Collect less often in a worker: layout allocates millions of short-lived objects, few in cycles.

    What is alive now (WeasyPrint, fonts, stylesheets, the run's context) is moved out of
    the collector's sight for good, and the thresholds keep full collections out of layout;
    ``_render_task`` collects once after each company instead, so a document's box tree
    never outlives it (without that, a worker doubles its memory). Measured on the
    synthetic briefs: about 6-10% less time per document, the same memory.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1000)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, EngageError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _render_task(task: _Task) -> CompanyResult:
    """Render one company's documents in a worker; every failure becomes part of the result."""
    state = _STATE
    if state is None:  # pragma: no cover - initializer always runs first
        raise RuntimeError("worker not initialised")
    started = time.perf_counter()
    docs: list[DocumentResult] = []
    state.busy = True
    try:
        for name in task.kinds:
            docs.append(_render_document(state, task, name))
    except _Stop:
        os._exit(128 + signal.SIGTERM)
    finally:
        state.busy = False
    if state.tuned:
        import gc

        gc.collect()
        if not state.warm:
            # Templates compiled, fonts loaded: keep them out of every later collection too.
            gc.freeze()
            state.warm = True
    rss, hwm = _memory_mb()
    return CompanyResult(
        task.company.id,
        tuple(docs),
        seconds=time.perf_counter() - started,
        pid=os.getpid(),
        rss_mb=rss,
        peak_mb=hwm,
    )


def _render_document(state: _WorkerState, task: _Task, name: str) -> DocumentResult:
    started = time.perf_counter()
    if state.renderer_error is not None:
        return DocumentResult(name, error=state.renderer_error, error_kind="render")
    try:
        files = state.kinds[name].render(task.company, task.profile, state.context, state.renderer)
        outputs = []
        for file_name, data in files.items():
            if Path(file_name).name != file_name or file_name.startswith("."):
                raise RenderError(f"refusing to write '{file_name}': not a plain file name")
            rel = f"{task.company.id}/{file_name}"
            write_atomic(state.context.out_dir / rel, data)
            outputs.append(OutputFile(rel, _sha256(data), len(data)))
        return DocumentResult(name, tuple(outputs), seconds=time.perf_counter() - started)
    except (KeyboardInterrupt, _Stop):
        raise
    except (DataError, UsageError) as exc:
        return DocumentResult(name, error=_one_line(exc), error_kind="data", seconds=time.perf_counter() - started)
    except BaseException as exc:  # WeasyPrint raises some errors outside Exception; SystemExit too
        return DocumentResult(name, error=_one_line(exc), error_kind="render", seconds=time.perf_counter() - started)


def _index_task(view: IndexView) -> tuple[tuple[OutputFile, ...], str | None]:
    """Render and write the run's index (HTML and PDF) in a worker; return the files or the error."""
    state = _STATE
    if state is None:  # pragma: no cover
        raise RuntimeError("worker not initialised")
    state.busy = True
    try:
        files = render_index(view, state.context, state.renderer)
        outputs = []
        for name, data in files.items():
            write_atomic(state.context.out_dir / name, data)
            outputs.append(OutputFile(name, _sha256(data), len(data)))
        return tuple(outputs), None
    except _Stop:
        os._exit(128 + signal.SIGTERM)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return (), _one_line(exc)
    finally:
        state.busy = False


# --------------------------------------------------------------------------- the pool


def _mp_context() -> Any:
    """Return the start method: forkserver (workers fork from a clean server with WeasyPrint preloaded).

    fork would copy the parent's threads and memory (all profiles) into every worker;
    spawn re-imports WeasyPrint in every worker. forkserver does neither.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class _Pool:
    """A ProcessPoolExecutor replaced wholesale when a worker's memory passes RECYCLE_MB.

    Python 3.11's ``max_tasks_per_child`` can deadlock with queued work (CPython gh-115634),
    so workers are retired here instead: stop feeding the pool, let it drain, start a new one.
    """

    def __init__(
        self,
        jobs: int,
        context: RenderContext,
        kinds: Mapping[str, DocumentKind],
        renderer_factory: Callable[[Path | None], Any] | None,
        preload: Sequence[str],
    ) -> None:
        self.jobs = jobs
        self.initargs = (context, dict(kinds), renderer_factory)
        self.preload = list(preload)
        self.executor: ProcessPoolExecutor | None = None
        self.generations = 0
        self._workers: dict[int, Any] = {}

    def get(self) -> ProcessPoolExecutor:
        if self.executor is None:
            from concurrent.futures import ProcessPoolExecutor

            _register_pickling()
            ctx = _mp_context()
            if self.preload and ctx.get_start_method() == "forkserver":
                ctx.set_forkserver_preload(self.preload)
            self.executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=ctx, initializer=_init_worker, initargs=self.initargs
            )
            self.generations += 1
        return self.executor

    def retire(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
        self._workers = {}

    def discard(self) -> None:
        """Drop a broken executor without waiting on it."""
        if self.executor is not None:
            self._snapshot()
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None

    def _snapshot(self) -> list[Any]:
        """Return the workers of the current executor, remembered across its shutdown.

        No public API lists them; ``_processes`` is stable from 3.8 through 3.13, but
        ``shutdown()`` sets it to None, so it must be read before.
        """
        if self.executor is not None:
            for pid, process in (getattr(self.executor, "_processes", None) or {}).items():
                self._workers[pid] = process
        return list(self._workers.values())

    def cancel_queued(self) -> None:
        """Cancel the tasks not yet started; running ones go on (terminate() stops them)."""
        if self.executor is not None:
            self._snapshot()
            self.executor.shutdown(wait=False, cancel_futures=True)

    def terminate(self) -> None:
        """Stop every worker now (SIGTERM: a worker mid-write removes its temporary file first)."""
        processes = self._snapshot()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self._workers = {}
        for p in processes:
            with contextlib.suppress(Exception):
                p.terminate()
        deadline = time.monotonic() + 2.0
        for p in processes:
            with contextlib.suppress(Exception):
                p.join(max(0.0, deadline - time.monotonic()))
                if p.is_alive():
                    p.kill()
        self.executor = None


def _sweep_temporaries(folders: Iterable[Path]) -> list[Path]:
    """Remove write_atomic's leftovers (``.<name>.<random>.tmp``) in ``folders``; return what was removed."""
    removed = []
    for folder in set(folders):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file():
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed.append(p)
    return removed


def _default_jobs(jobs: int | None, work: int) -> int:
    n = jobs if jobs is not None and jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(n, work)) if work else 1


def run_batch(
    plan: Plan,
    *,
    on_event: Callable[[BatchEvent], None] | None = None,
    renderer_factory: Callable[[Path | None], Any] | None = None,
    clock: Callable[[], float] = time.time,
    in_process: bool = False,
) -> BatchSummary:
    """Render the plan's stale documents, update the manifest and the index; return the summary.

    Raises only for problems that concern the whole run (the output folder cannot be
    written, another run holds it). KeyboardInterrupt is absorbed: the summary then says
    ``interrupted``, the manifest holds what finished and no temporary file is left.
    ``in_process`` renders in this process (tests, debugging) instead of a pool.
    ``renderer_factory`` makes each worker's renderer (default: engage.pdf.Renderer); it is
    called only when a chosen document kind or the index needs one.
    """
    emit = on_event or (lambda event: None)
    started = time.perf_counter()
    summary = BatchSummary(plan)
    if plan.fast:
        summary.skipped = [i.company_id for i in plan.items]
        emit(BatchEvent("planned", total=0, plan=plan))
        summary.seconds = time.perf_counter() - started
        return summary

    options, out_dir, manifest = plan.options, plan.out_dir, plan.manifest
    items = {i.company_id: i for i in plan.items}
    work = plan.to_render
    invalid = [i for i in plan.items if i.action == "fail"]
    summary.skipped = [i.company_id for i in plan.items if i.action == "skip"]
    total = len(work) + len(invalid)
    emit(BatchEvent("planned", total=total, plan=plan))
    assert plan.context is not None
    factory: Callable[[Path | None], Any] | None = renderer_factory or _default_renderer
    if not (plan.writes_index or any(k.needs_renderer for k in plan.kinds.values())):
        factory = None
    # Modules the fork server loads once, so each new worker starts with them imported.
    preload = ["engage.batch"]
    if factory is _default_renderer:
        preload += ["weasyprint", "engage.pdf", "engage.render", "engage.letter", "jinja2"]
    pool = _Pool(_default_jobs(options.jobs, len(work)), plan.context, plan.kinds, factory, preload)
    summary.workers = 0 if in_process or not work else pool.jobs
    touched: set[Path] = {out_dir}
    peaks: list[float] = []
    at = _now_iso(clock)
    for item in plan.items:
        if item.action == "skip":
            _record(manifest, item, None, plan, at)

    def finish(result: CompanyResult) -> None:
        summary.results.append(result)
        if result.peak_mb:
            peaks.append(result.peak_mb)
        _record(manifest, items[result.company_id], result, plan, _now_iso(clock))
        emit(BatchEvent("done", total=total, done=len(summary.results), result=result))

    with _lock(out_dir, options.shard):
        try:
            for item in invalid:
                finish(CompanyResult(item.company_id, error=item.error, error_kind="data"))
            if in_process:
                _init_worker(plan.context, plan.kinds, factory, own_signals=False)
                for item in work:
                    touched.add(out_dir / item.company_id)
                    finish(_render_task(_task_for(plan, item)))
            else:
                _run_pool(pool, plan, work, finish, touched, summary)
            if plan.writes_index and not summary.interrupted:
                emit(BatchEvent("index", total=total, done=len(summary.results)))
                _write_index(plan, manifest, pool, summary, in_process, clock)
        except KeyboardInterrupt:
            summary.interrupted = True
            emit(BatchEvent("interrupting", message="stopping"))
            pool.terminate()
        finally:
            with _interrupts_deferred():
                pool.discard()
                _sweep_temporaries(touched)
                finished = {r.company_id for r in summary.results}
                summary.not_started = [i.company_id for i in work if i.company_id not in finished]
                if not summary.interrupted:
                    manifest.setdefault("runs", {})[options.run_key()] = {
                        "inputs": plan.inputs.digest,
                        "companies": {
                            cid: {
                                k: d.get("fingerprint")
                                for k, d in (manifest["companies"].get(cid, {}).get("documents") or {}).items()
                                if k in plan.kinds
                            }
                            for cid in items
                        },
                        "at": _now_iso(clock),
                    }
                summary.worker_peak_mb = max(peaks) if peaks else None
                if summary.worker_peak_mb is not None:
                    manifest["worker_peak_mb"] = round(summary.worker_peak_mb, 1)
                summary.manifest_path = write_manifest(out_dir, _own_entries(manifest, plan), options.shard)
    summary.seconds = time.perf_counter() - started
    return summary


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C back while the manifest is written (a half-finished write would lose the run's record)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _task_for(plan: Plan, item: PlanItem) -> _Task:
    kinds = tuple(d.kind for d in item.documents if d.action == "render")
    return _Task(plan.companies[item.company_id], plan.profiles[item.company_id], kinds)


def _run_pool(
    pool: _Pool,
    plan: Plan,
    work: Sequence[PlanItem],
    finish: Callable[[CompanyResult], None],
    touched: set[Path],
    summary: BatchSummary,
) -> None:
    """Feed the pool a few tasks ahead of the workers, retire it when memory grows, stop on Ctrl-C.

    When a worker dies (a crash in a C library, the out-of-memory killer), every task in
    flight fails with it and nobody knows which one did it: each is retried once, alone in
    a fresh pool, so only the culprit is reported as failed.
    """
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    pending = deque(work)
    in_flight: dict[Future[CompanyResult], PlanItem] = {}
    suspects: set[str] = set()
    retiring = False
    ahead = pool.jobs * 2  # one queued task per worker keeps it busy while a result travels back

    def submit(item: PlanItem) -> None:
        touched.add(plan.out_dir / item.company_id)
        task = _task_for(plan, item)
        try:
            future = pool.get().submit(_render_task, task)
        except BrokenProcessPool:  # broke before any of its futures told us
            pool.discard()
            future = pool.get().submit(_render_task, task)
        in_flight[future] = item

    try:
        while pending or in_flight:
            while pending and not retiring and len(in_flight) < ahead:
                if any(i.company_id in suspects for i in in_flight.values()):
                    break  # a suspect runs alone
                if pending[0].company_id in suspects and in_flight:
                    break
                submit(pending.popleft())
            completed, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            broken = False
            for future in completed:
                item = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if item.company_id not in suspects:
                        suspects.add(item.company_id)
                        pending.appendleft(item)
                        continue
                    result = CompanyResult(
                        item.company_id,
                        error="the worker process died while rendering it (a crash or out of memory)",
                        error_kind="render",
                    )
                except Exception as exc:  # a result that could not travel back (pickling)
                    result = CompanyResult(item.company_id, error=_one_line(exc), error_kind="render")
                suspects.discard(item.company_id)
                finish(result)
                if result.rss_mb > RECYCLE_MB:
                    retiring = True
            if broken:
                pool.discard()
            if retiring and not in_flight:
                pool.retire()
                retiring = False
    except KeyboardInterrupt:
        summary.interrupted = True
        _drain(pool, in_flight, finish)


def _drain(
    pool: _Pool, in_flight: dict[Future[CompanyResult], PlanItem], finish: Callable[[CompanyResult], None]
) -> None:
    """After Ctrl-C: cancel queued tasks, give running ones a moment to finish, then stop the workers."""
    from concurrent.futures import wait

    pool.cancel_queued()
    running = [f for f in in_flight if not f.cancelled()]
    try:
        completed, _ = wait(running, timeout=INTERRUPT_GRACE_SECONDS)
        for future in completed:
            if future.cancelled() or future.exception() is not None:
                continue
            finish(future.result())
    except KeyboardInterrupt:  # a second Ctrl-C: stop now
        pass
    pool.terminate()


def _record(manifest: dict[str, Any], item: PlanItem, result: CompanyResult | None, plan: Plan, at: str) -> None:
    """Update the manifest entry of one company from its plan item and (when rendered) its result."""
    companies = manifest.setdefault("companies", {})
    old = companies.get(item.company_id) or {}
    entry: dict[str, Any] = {
        "name": item.name,
        "agm": item.agm.isoformat() if item.agm else None,
        "band": item.band,
        "net": item.net,
        "updated": at,
        "error": None,
        "documents": dict(old.get("documents") or {}),
    }
    if item.error is not None:
        entry["error"] = {"kind": "data", "message": item.error}
        entry["band"] = entry["net"] = None
        companies[item.company_id] = entry
        return
    results = {d.kind: d for d in result.documents} if result is not None else {}
    for doc in item.documents:
        if doc.action == "skip":
            entry["documents"][doc.kind] = {**entry["documents"].get(doc.kind, {}), "parts": dict(doc.parts)}
            continue
        outcome = results.get(doc.kind)
        if outcome is not None and outcome.ok:
            entry["documents"][doc.kind] = {
                "status": "ok",
                "fingerprint": doc.fingerprint,
                "parts": dict(doc.parts),
                "as_of": plan.options.as_of.isoformat(),
                "outputs": {o.path: {"sha256": o.sha256, "size": o.size} for o in outcome.outputs},
                "seconds": round(outcome.seconds, 3),
                "at": at,
            }
        elif result is not None:
            previous = entry["documents"].get(doc.kind, {})
            message = outcome.error if outcome is not None else result.error
            kind = outcome.error_kind if outcome is not None else result.error_kind
            entry["documents"][doc.kind] = {
                "status": "failed",
                "error": {"kind": kind, "message": message},
                "as_of": previous.get("as_of"),
                "outputs": previous.get("outputs", {}),  # the old good files survive a failed render
                "parts": previous.get("parts", {}),
                "at": at,
            }
    if result is not None:
        entry["seconds"] = round(result.seconds, 3)
        entry["worker_peak_mb"] = round(result.peak_mb, 1)
    companies[item.company_id] = entry


def _own_entries(manifest: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Return the manifest to write: all of it, or for a shard only its own companies (shard files stay disjoint)."""
    if plan.options.shard is None:
        return manifest
    own = {i.company_id for i in plan.items}
    key = plan.options.run_key()
    return {
        **manifest,
        "companies": {cid: e for cid, e in manifest["companies"].items() if cid in own},
        "runs": {k: v for k, v in (manifest.get("runs") or {}).items() if k == key},
        "index": manifest.get("index") if plan.writes_index else None,
    }


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class IndexLink:
    """A link from the index to one document, relative to the output folder."""

    label: str
    href: str

    @property
    def file(self) -> str:
        """Return the file name alone: 'letter.pdf'."""
        return self.href.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class IndexRow:
    """One company in the index."""

    company_id: str
    name: str
    agm: dt.date | None
    days_away: int | None
    band: str | None
    net: float | None
    links: tuple[IndexLink, ...]
    problem: str | None

    @property
    def folder(self) -> str:
        """Return the folder of the company's documents relative to the output folder: 'volkswagen/'."""
        folders = {link.href.rsplit("/", 1)[0] for link in self.links if "/" in link.href}
        return f"{folders.pop()}/" if len(folders) == 1 else ""


@dataclass(frozen=True)
class IndexView:
    """The run's index: companies by AGM date (then those without one), with band and links."""

    title: str
    lang: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    as_of: dt.date
    upcoming: tuple[IndexRow, ...]
    past: tuple[IndexRow, ...]
    no_agm: tuple[IndexRow, ...]
    counts: Mapping[str, int]
    version: str = __version__

    @property
    def any_agm(self) -> bool:
        """Return whether some company in the index has an AGM date (else the AGM columns say nothing)."""
        return bool(self.upcoming or self.past)

    @property
    def footer(self) -> str:
        """Return the line at the foot of every page: 'engage 0.1.0 · as of 2026-11-29'."""
        return f"engage {self.version} · as of {self.as_of.isoformat()}"


_LINK_LABELS = {"brief.pdf": "Brief (PDF)", "letter.pdf": "Letter (PDF)", "letter.docx": "Letter (Word)"}


def _index_band(company: Company | None, profile: Profile | None, as_of: dt.date) -> tuple[str | None, float | None]:
    """Return (band, net) for an index row: 'not-rated' and no number when nothing is on record."""
    from .profile import NOT_RATED, has_records

    if company is not None and not has_records(company, as_of):
        return NOT_RATED, None
    if profile is None:
        return None, None
    return profile.overall.band, profile.overall.net


def build_index(plan: Plan, manifest: Mapping[str, Any]) -> IndexView:
    """Return the index of the output folder: every workspace company with documents or a problem."""
    rows: list[IndexRow] = []
    as_of = plan.options.as_of
    for cid, entry in sorted(manifest.get("companies", {}).items()):
        if cid not in plan.companies and cid not in {i.company_id for i in plan.items}:
            continue  # a company no longer in the workspace
        company = plan.companies.get(cid)
        profile = plan.profiles.get(cid)
        links = []
        for kind in ("brief", "letter"):
            doc = (entry.get("documents") or {}).get(kind) or {}
            for rel in sorted(doc.get("outputs") or {}, key=lambda r: (not r.endswith(".pdf"), r)):
                name = rel.rsplit("/", 1)[-1]
                links.append(IndexLink(_LINK_LABELS.get(name, name), rel))
        problem = None
        error = entry.get("error")
        if error:
            problem = error.get("message")
        else:
            for kind, doc in sorted((entry.get("documents") or {}).items()):
                if doc.get("status") == "failed":
                    problem = f"{kind} failed: {doc['error']['message']}"
                    break
        if not links and problem is None:
            continue
        agm = (
            company.agm if company is not None else (dt.date.fromisoformat(entry["agm"]) if entry.get("agm") else None)
        )
        rows.append(
            IndexRow(
                cid,
                company.name if company is not None else entry.get("name", cid),
                agm,
                (agm - as_of).days if agm else None,
                *_index_band(company, profile, as_of),
                tuple(links),
                problem,
            )
        )
    by_date = sorted((r for r in rows if r.agm is not None), key=lambda r: (r.agm, r.name.casefold(), r.company_id))
    settings = plan.context.settings if plan.context is not None else Settings()
    organisation = settings.organisation.name if settings.organisation else ""
    counts = {
        "companies": len(rows),
        "with_problems": sum(1 for r in rows if r.problem),
        "documents": sum(len(r.links) for r in rows),
    }
    return IndexView(
        title=f"Engagement documents as of {as_of.isoformat()}",
        lang=settings.language or "en",
        author=settings.prepared_by or organisation,
        subject="Index of briefs and letters by AGM date",
        keywords=("engage", "index", "AGM"),
        as_of=as_of,
        upcoming=tuple(r for r in by_date if r.agm is not None and r.agm >= as_of),
        past=tuple(r for r in by_date if r.agm is not None and r.agm < as_of),
        no_agm=tuple(sorted((r for r in rows if r.agm is None), key=lambda r: (r.name.casefold(), r.company_id))),
        counts=MappingProxyType(counts),
    )


INDEX_TEMPLATE = "index.html.j2"
INDEX_STYLESHEETS: tuple[str, ...] = ("brief.css", "index.css")  # brief.css: the band chips


def render_index(view: IndexView, context: RenderContext, renderer: Any) -> dict[str, bytes]:
    """Return ``{'index.html': ..., 'index.pdf': ...}`` with the brief's Jinja2 environment and the Renderer."""
    from jinja2 import TemplateError
    from markupsafe import Markup

    from .render import make_environment

    env = make_environment(context.templates_dir)
    try:
        template = env.get_template(INDEX_TEMPLATE)
        css = _stylesheet_text(context.templates_dir, ("print.css", *INDEX_STYLESHEETS))
        html_standalone = template.render(doc=view, index=view, inline_css=Markup(css), for_pdf=False)
        html_pdf = template.render(doc=view, index=view, inline_css=None, for_pdf=True)
    except TemplateError as exc:
        raise RenderError(f"template error in {INDEX_TEMPLATE}: {exc}") from exc
    pdf = renderer.render(
        html_pdf,
        base_url=context.templates_dir,
        title=view.title,
        lang=view.lang,
        as_of=view.as_of,
        author=view.author,
        subject=view.subject,
        keywords=view.keywords,
        stylesheets=INDEX_STYLESHEETS,
        paper=context.paper,
    ).pdf
    return {"index.html": html_standalone.encode("utf-8"), "index.pdf": pdf}


def _stylesheet_text(templates_dir: Path | None, names: Sequence[str]) -> str:
    """Return the stylesheets for the standalone HTML index (workspace templates/ first), '</' neutralised."""
    parts = []
    packaged = resources.files("engage") / "resources" / "css"
    for name in names:
        override = templates_dir / name if templates_dir is not None else None
        if override is not None and override.is_file():
            parts.append(override.read_text(encoding="utf-8"))
        else:
            parts.append((packaged / name).read_text(encoding="utf-8"))
    return "\n".join(parts).replace("</", "<\\/")


def _index_fingerprint(view: IndexView, plan: Plan) -> str:
    from .profile import _plain

    return _digest_json(
        {
            "view": _plain(view),
            "engage": plan.inputs.shared.get("engage"),
            "templates": plan.inputs.shared.get("templates"),
            "paper": plan.options.paper,
        }
    )


def _write_index(
    plan: Plan,
    manifest: dict[str, Any],
    pool: _Pool,
    summary: BatchSummary,
    in_process: bool,
    clock: Callable[[], float],
) -> None:
    """Render the index when its content changed (or its files went missing), in a warm worker."""
    view = build_index(plan, manifest)
    fingerprint = _index_fingerprint(view, plan)
    old = manifest.get("index") or {}
    if (
        not plan.options.force
        and old.get("fingerprint") == fingerprint
        and _outputs_intact(plan.out_dir, old.get("outputs") or {})
    ):
        return
    if in_process:
        outputs, error = _index_task(view)
    else:
        outputs, error = pool.get().submit(_index_task, view).result()
    if error is not None:
        summary.index_error = error
        return
    summary.index_files = tuple(o.path for o in outputs)
    manifest["index"] = {
        "fingerprint": fingerprint,
        "outputs": {o.path: {"sha256": o.sha256, "size": o.size} for o in outputs},
        "at": _now_iso(clock),
    }


# --------------------------------------------------------------------------- agenda


@dataclass(frozen=True)
class AgendaRow:
    """One upcoming AGM and the state of the company's documents."""

    company_id: str
    name: str
    agm: dt.date | None
    days_away: int | None
    band: str | None
    state: str  # 'up to date' | 'stale' | 'missing' | 'failed last time' | 'invalid record'
    detail: str
    documents_as_of: dt.date | None


def agenda(
    ws: Workspace,
    as_of: dt.date,
    within_days: int,
    *,
    out_dir: Path | None = None,
    kinds: Sequence[str] = DEFAULT_KINDS,
    registry: Mapping[str, DocumentKind] | None = None,
) -> list[AgendaRow]:
    """Return the AGMs from ``as_of`` to ``within_days`` later, soonest first, with their documents' state.

    A document is up to date when re-rendering it with the as-of date it was made for would
    give the same bytes (its fingerprint still matches); stale when an input changed since;
    missing when it was never made (or its file is gone); failed when the last attempt failed.
    """
    if within_days < 0:
        raise UsageError("--within must not be negative")
    out = (out_dir or ws.default_out).resolve()
    manifest = read_manifest(out)
    options = BatchOptions(
        as_of=as_of, selection=Selection(agm_within=within_days), kinds=tuple(kinds), out_dir=out, index=False
    )
    registry = registry or KINDS
    plan = plan_batch(ws, options, kinds=registry, judge_only=True)
    # Fingerprints depend on the as-of date; judge each document against the date it was made for.
    rows = []
    replans: dict[str, Plan] = {}
    for item in sorted(plan.items, key=lambda i: (i.agm or dt.date.max, i.name.casefold(), i.company_id)):
        days = (item.agm - as_of).days if item.agm else None
        entry = manifest["companies"].get(item.company_id) or {}
        if item.error is not None:
            rows.append(AgendaRow(item.company_id, item.name, item.agm, days, None, "invalid record", item.error, None))
            continue
        docs = entry.get("documents") or {}
        failed = [k for k in kinds if (docs.get(k) or {}).get("status") == "failed"]
        # Never made, or a file it made is gone (a file that is there but changed is stale).
        missing = [
            k
            for k in kinds
            if not (outputs := (docs.get(k) or {}).get("outputs")) or not all((out / rel).is_file() for rel in outputs)
        ]
        made_for = sorted({d.get("as_of") for d in docs.values() if d.get("as_of")})
        doc_as_of = dt.date.fromisoformat(made_for[-1]) if made_for else None
        if failed:
            message = docs[failed[0]].get("error", {}).get("message", "")
            state, detail = "failed last time", f"{failed[0]}: {message}"
        elif missing:
            state, detail = "missing", ", ".join(missing)
        else:
            stale = []
            for k in kinds:
                doc_date = docs[k].get("as_of")
                if not doc_date:
                    stale.append(f"{k}: not recorded")
                    continue
                if doc_date not in replans:
                    replans[doc_date] = (
                        plan
                        if doc_date == as_of.isoformat()
                        else plan_batch(
                            ws,
                            dataclasses.replace(
                                options, as_of=dt.date.fromisoformat(doc_date), selection=Selection(all=True)
                            ),
                            kinds=registry,
                            judge_only=True,
                        )
                    )
                replanned = next((i for i in replans[doc_date].items if i.company_id == item.company_id), None)
                planned = next((d for d in replanned.documents if d.kind == k), None) if replanned else None
                if planned is None:
                    stale.append(f"{k}: not recorded")
                    continue
                reason = _why_stale(
                    docs[k], {**planned.parts, "options": docs[k]["parts"].get("options", "")}, out, False
                )
                if reason is not None:
                    stale.append(f"{k}: {reason}")
            if stale:
                state, detail = "stale", "; ".join(stale)
            else:
                state, detail = "up to date", ""
        rows.append(AgendaRow(item.company_id, item.name, item.agm, days, item.band, state, detail, doc_as_of))
    return rows
