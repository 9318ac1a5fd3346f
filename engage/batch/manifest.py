"""The batch manifest (``briefs/manifest.json`` and shard manifests): read, merge, write, and its lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import RenderError
from ..output import write_atomic
from .fingerprint import sha256_hex

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = 1
#: How many run records (option sets with their input digest) a manifest keeps for the fast path.
MAX_RUN_RECORDS = 16

_SHARD_MANIFEST_RE = re.compile(r"^manifest\.shard-(\d+)-of-(\d+)\.json$")


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
def manifest_lock(out_dir: Path, shard: tuple[int, int] | None) -> Iterator[None]:
    """Hold an exclusive lock on the run's manifest so two runs never write the same one.

    Raises RenderError (exit 3: the output cannot be written now) when another run holds
    the lock, or when the folder cannot be created or written to (read-only, not a folder,
    no permission): that is checked here, before anything is rendered.

    The lock file stays after the run. Unlinking it on exit would race: a second run that
    opened the file just before the unlink would lock the deleted inode while a third run
    creates and locks a new file, and both would write the manifest. So the file is kept,
    and says in its text what it is.
    """
    try:
        import fcntl  # POSIX only: where it is missing, a run goes unlocked rather than failing
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_dir / lock_name(shard), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _cannot_write(out_dir, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RenderError(
                f"another engage batch is writing to {out_dir} ({manifest_name(shard)}); wait for it to finish"
            ) from None
        _check_writable(out_dir)
        note = LOCK_NOTE.format(manifest=manifest_name(shard)).encode("utf-8")
        with contextlib.suppress(OSError):  # the note is a courtesy; the lock is what matters
            if os.pread(fd, len(note) + 1, 0) != note:
                os.ftruncate(fd, 0)
                os.pwrite(fd, note, 0)
        yield
    finally:
        os.close(fd)


def _cannot_write(out_dir: Path, exc: OSError) -> RenderError:
    """Return the error that says the output folder cannot be written, and why."""
    return RenderError(f"cannot write to the output folder {out_dir}: {exc.strerror or exc}")


def _check_writable(out_dir: Path) -> None:
    """Raise RenderError unless a file can be created in ``out_dir``.

    A lock file left by an earlier run opens even in a folder made read-only since, so
    the folder itself is tried; the probe is named as write_atomic's temporaries are, so
    a batch sweeps it if it is ever left behind.
    """
    try:
        fd, name = tempfile.mkstemp(dir=out_dir, prefix=".engage-write-check.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(out_dir, exc) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)


def now_iso(clock: Callable[[], float]) -> str:
    """Return the time ``clock()`` (seconds since the epoch) as an ISO string in UTC, to the microsecond."""
    return dt.datetime.fromtimestamp(clock(), dt.timezone.utc).isoformat(timespec="microseconds")


def _file_matches(path: Path, sha256: str, size: int | None) -> bool:
    try:
        if size is not None and path.stat().st_size != size:
            return False
        return sha256_hex(path.read_bytes()) == sha256
    except OSError:
        return False


def outputs_intact(out_dir: Path, outputs: Mapping[str, Any]) -> bool:
    """Return whether every file a manifest entry lists is in ``out_dir`` with its recorded size and hash."""
    for rel, info in outputs.items():
        sha, size = (info.get("sha256"), info.get("size")) if isinstance(info, dict) else (info, None)
        if not isinstance(sha, str) or not _file_matches(out_dir / rel, sha, size):
            return False
    return True
