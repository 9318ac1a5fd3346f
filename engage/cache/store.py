"""The cache's files: authenticated pickles of plain engage data, written atomically, never trusted.

Each file is ``MAGIC``, the context it was made in (engage's code and the taxonomy), an
HMAC-SHA256 of what follows and the pickled payload. The HMAC's key lives outside the
workspace (``cache_key_path``), so a cache copied from elsewhere, truncated, half-written
or filled with garbage fails the check and is treated as absent: it is never unpickled.
Even an authentic payload is unpickled by ``_SafeUnpickler``, which builds only the
classes engage's records and problems are made of. Files are written to a temporary name
and renamed, so a reader sees a whole old file or a whole new one; two commands writing
the same entry both write the same thing, and the last rename wins.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import hmac
import io
import os
import pickle
import secrets
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..profile.model import AreaScore, Contribution, PeerRank, new_area_score, new_contribution, new_peer_rank

#: Bump when the layout of a cache file or of what it holds changes.
FORMAT = 1
MAGIC = b"ENGAGE-CACHE\0" + bytes([FORMAT])
_DIGEST = 32
CACHE_DIR = ".engage-cache"

#: The classes a cache payload may build: engage's plain data and the stdlib types it holds.
_ALLOWED: dict[str, frozenset[str]] = {
    "engage.records": frozenset(
        {
            "Company",
            "Source",
            "Allegation",
            "Commitment",
            "Policy",
            "Benchmark",
            "ExposureAdjustment",
            "PastAgm",
            "Contact",
        }
    ),
    "engage.errors": frozenset({"Problem"}),
    "engage.profile.model": frozenset({"Profile", "AreaScore", "Contribution", "Evidence", "PeerRank"}),
    "engage.dates": frozenset({"PartialDate"}),
    "engage.cache.store": frozenset({"mapping_proxy", "build_contribution", "build_area_score", "build_peer_rank"}),
    "engage.cache.views": frozenset({"PeerFacts"}),
    "datetime": frozenset({"date"}),
    "pathlib": frozenset({"PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "Path"}),
    "copyreg": frozenset({"_reconstructor"}),
    "builtins": frozenset({"object", "frozenset", "set"}),
}


def mapping_proxy(data: dict[str, Any]) -> types.MappingProxyType[str, Any]:
    """Return a read-only view of ``data`` (how a pickled MappingProxyType is rebuilt)."""
    return types.MappingProxyType(data)


def build_contribution(*values: Any) -> Contribution:
    """Return a Contribution from its field values in order (how a cached one is rebuilt)."""
    return new_contribution(*values)


def build_area_score(*values: Any) -> AreaScore:
    """Return an AreaScore from its field values in order (how a cached one is rebuilt)."""
    return new_area_score(*values)


def build_peer_rank(*values: Any) -> PeerRank:
    """Return a PeerRank from its field values in order (how a cached one is rebuilt)."""
    return new_peer_rank(*values)


# A leaderboard's profiles hold some 80,000 of these; pickle's default for a slotted frozen
# dataclass calls dataclasses.fields() and a setattr per field for each, two thirds of a warm compare.
_BUILDERS: dict[type, tuple[Any, tuple[str, ...]]] = {
    cls: (build, tuple(f.name for f in dataclasses.fields(cls)))
    for cls, build in ((Contribution, build_contribution), (AreaScore, build_area_score), (PeerRank, build_peer_rank))
}


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        fast = _BUILDERS.get(kind)
        if fast is not None:
            build, names = fast
            return build, tuple(getattr(obj, name) for name in names)
        if kind is types.MappingProxyType:
            return mapping_proxy, (dict(obj),)
        return NotImplemented


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache file")


def cache_key_path() -> Path:
    """Return the file holding this user's cache key ($XDG_CACHE_HOME/engage/cache.key, else ~/.cache/...)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home folder known: a key that cannot be kept means no cache
            base = ""
    return Path(base or os.devnull) / "engage" / "cache.key"


@functools.lru_cache(maxsize=1)
def cache_key() -> bytes | None:
    """Return this user's secret cache key, made on first use; None when it cannot be kept (no cache then)."""
    path = cache_key_path()
    damaged = False
    try:
        data = path.read_bytes()
        if len(data) == _DIGEST:
            return data
        damaged = True
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_bytes(_DIGEST)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache.key.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(fresh)
        if damaged:  # a key cut short: replace it (every cache signed with it is rebuilt)
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # first writer wins; a second command reads the winner's key
            os.unlink(tmp)
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) == _DIGEST else None


def context_digest(*parts: str) -> str:
    """Return the hash naming a cache context: engage's version and ``parts`` (code, taxonomy...)."""
    h = hashlib.sha256(f"engage {__version__} cache format {FORMAT}".encode())
    for part in parts:
        h.update(b"\0" + part.encode("utf-8"))
    return h.hexdigest()


class Store:
    """One folder of cache files made in one context; every failure reads as a miss and writes as a no-op."""

    def __init__(self, folder: Path, context: str, key: bytes | None):
        self.folder = folder
        self.context = context.encode("ascii")
        self.key = key

    @property
    def usable(self) -> bool:
        """Return whether entries can be authenticated (a key could be kept)."""
        return self.key is not None

    def _mac(self, payload: bytes) -> bytes:
        assert self.key is not None
        return hmac.new(self.key, self.context + b"\0" + payload, hashlib.sha256).digest()

    def read(self, name: str) -> Any:
        """Return the value stored under ``name``, or None when it is absent, foreign, stale or damaged."""
        if self.key is None:
            return None
        try:
            data = (self.folder / name).read_bytes()
        except OSError:
            return None
        head = len(MAGIC) + len(self.context)
        if len(data) < head + _DIGEST or not data.startswith(MAGIC) or data[len(MAGIC) : head] != self.context:
            return None
        mac, payload = data[head : head + _DIGEST], data[head + _DIGEST :]
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            return _SafeUnpickler(io.BytesIO(payload)).load()
        except Exception:  # an authentic file from a different build of a class: a miss, never an error
            return None

    def write(self, name: str, value: Any) -> bool:
        """Store ``value`` under ``name`` (temporary file, then rename); return False when it could not be written."""
        if self.key is None:
            return False
        buf = io.BytesIO()
        try:
            _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return False
        payload = buf.getvalue()
        target = self.folder / name
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                # No fsync: a cache file lost or cut short by a crash fails its HMAC and is rebuilt.
                handle.write(MAGIC + self.context + self._mac(payload) + payload)
            os.replace(tmp, target)
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return False
        return True

    def names(self) -> Iterator[Path]:
        """Yield the files in the folder (for pruning and for ``engage doctor``)."""
        with contextlib.suppress(OSError):
            yield from (p for p in self.folder.iterdir() if p.is_file())
