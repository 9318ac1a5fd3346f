"""Hashes of everything a batch's documents depend on: engage itself and the workspace's files.

A document's fingerprint is built from these hashes (see ``plan``); the hashing is cheap
(no parsing), so a run whose inputs did not change is judged from them alone.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .. import __version__
from ..digest import digest_json, sha256_hex
from ..errors import DataError
from ..records import company_id_of
from ..workspace import Workspace

#: Bump when the fingerprint recipe changes, so old manifests never match by accident.
FINGERPRINT_RECIPE = 1
#: Distributions whose versions change the bytes of a document.
RENDERER_DISTRIBUTIONS = ("weasyprint", "pydyf", "fonttools", "python-docx", "jinja2")


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


def engine_files() -> Iterator[tuple[str, Any]]:
    """Yield (name relative to the package, resource) of every file of engage a document's bytes depend on.

    The package is walked, not listed, so every module counts wherever it lives (the
    ``batch/``, ``profile/`` and ``documents/`` packages included) and a new one needs no
    entry here. The CLI only chooses options (which enter fingerprints themselves), not bytes.
    """
    for name, item in _traverse(resources.files("engage"), ""):
        if (name.endswith(".py") and not name.startswith("cli/")) or name.startswith("resources/"):
            yield name, item


@functools.lru_cache(maxsize=1)
def engine_digest() -> str:
    """Return a hash of engage itself: version, code, packaged resources, and the renderers' versions.

    Any change to the code, templates, stylesheets, fonts, taxonomy or weights that ship
    with engage changes every fingerprint, even without a version bump.
    """
    h = hashlib.sha256()
    h.update(f"engage {__version__} recipe {FINGERPRINT_RECIPE}\0".encode())
    for dist in RENDERER_DISTRIBUTIONS:
        try:
            h.update(f"{dist} {metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} -\0".encode())
    _hash_tree(h, ((name, item.read_bytes()) for name, item in engine_files()))
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
    companies: Mapping[str, str]  # company id -> hash of its file (and its engagement log)
    digest: str  # one hash over all of the above


def hash_inputs(ws: Workspace, signatories_file: Path | None = None) -> Inputs:
    """Return the hashes of every file a run reads; cheap (no parsing)."""
    settings = _read_optional(ws.config_path)
    taxonomy = _read_optional(ws.root / "taxonomy.yaml")
    templates = hashlib.sha256()
    _hash_tree(templates, _workspace_files(ws.templates_dir))
    shared = {
        "engage": engine_digest(),
        "settings": sha256_hex(settings) if settings is not None else "-",
        "taxonomy": sha256_hex(taxonomy) if taxonomy is not None else "-",
        "templates": templates.hexdigest(),
    }
    if signatories_file is not None:
        data = _read_optional(signatories_file)
        shared["signatories"] = sha256_hex(data) if data is not None else "-"
    companies: dict[str, str] = {}
    for path in ws.company_files():
        data = _read_optional(path) or b""
        # The engagement log changes the letter (what went unanswered), the brief and the index.
        log = _read_optional(ws.engagement_path(company_id_of(path)))
        if log is not None:
            data += b"\0engagement-log\0" + log
        companies[company_id_of(path)] = sha256_hex(data)
    digest = digest_json({"shared": shared, "companies": companies})
    return Inputs(MappingProxyType(shared), MappingProxyType(companies), digest)
