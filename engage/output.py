"""Atomic file writes: a destination holds either its old content or the complete new one."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from .errors import RenderError


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically and return the path; raise RenderError on OSError.

    The data goes to a hidden temporary file in the same directory (``.<name>.<random>.tmp``),
    is flushed and fsynced, then renamed over ``path``; the directory is fsynced so the rename
    survives a crash. On any failure, including KeyboardInterrupt, the temporary file is
    removed and an existing ``path`` is left untouched. ``str`` data is written as UTF-8.
    Missing parent directories are created.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create directory {target.parent}: {_reason(exc)}") from exc

    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise RenderError(f"cannot write {target}: {_reason(exc)}") from exc

    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            # mkstemp makes 0600 files; give the result the usual mode for new files.
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o666 & ~_UMASK)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise RenderError(f"cannot write {target}: {_reason(exc)}") from exc
        raise
    _fsync_dir(target.parent)
    return target


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry so a completed rename is durable (best effort off POSIX)."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some filesystems (and Windows) refuse fsync on directories; the rename is done
    finally:
        os.close(dir_fd)


def _read_umask() -> int:
    """Return the process umask; read from /proc where possible since os.umask() sets it too."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _reason(exc: OSError) -> str:
    """Return the human part of an OSError ('No space left on device')."""
    return exc.strerror or str(exc)


def stamp_zip(data: bytes, day: date) -> bytes:
    """Return the zip archive ``data`` (a .docx or .xlsx) with every entry dated ``day``, for reproducible files.

    python-docx and openpyxl stamp each entry with the clock; identical inputs must give
    identical bytes.
    """
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
