"""Tests for engage.output.write_atomic: complete new file or the old one, never a torn file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from engage import output
from engage.errors import RenderError
from engage.output import write_atomic


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_bytes_and_text(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.pdf", b"%PDF-1.7 data")
    write_atomic(tmp_path / "b.md", "Grüße\n")
    assert (tmp_path / "a.pdf").read_bytes() == b"%PDF-1.7 data"
    assert (tmp_path / "b.md").read_text(encoding="utf-8") == "Grüße\n"
    assert _leftovers(tmp_path) == []


def test_creates_missing_parents(tmp_path: Path) -> None:
    target = tmp_path / "briefs" / "volkswagen" / "brief.pdf"
    assert write_atomic(target, b"x") == target
    assert target.read_bytes() == b"x"


def test_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"


def test_new_file_gets_umask_mode_not_0600(tmp_path: Path) -> None:
    target = tmp_path / "brief.pdf"
    write_atomic(target, b"x")
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode == 0o666 & ~output._UMASK


class _Boom(Exception):
    pass


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt(), _Boom()])
def test_failure_mid_write_keeps_old_file_and_removes_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"good old brief")
    seen_temp: list[str] = []

    def failing_fsync(fd: int) -> None:
        seen_temp.extend(_leftovers(tmp_path))
        raise error

    monkeypatch.setattr(output.os, "fsync", failing_fsync)
    expected = RenderError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected) as caught:
        write_atomic(target, b"half-written new brief")

    assert target.read_bytes() == b"good old brief"
    assert _leftovers(tmp_path) == []
    assert len(seen_temp) == 1
    assert seen_temp[0].startswith(".brief.pdf.")
    if isinstance(error, OSError):
        assert str(caught.value) == f"cannot write {target}: No space left on device"


def test_failure_in_rename_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"good")

    def failing_replace(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.os, "replace", failing_replace)
    with pytest.raises(RenderError, match="Permission denied"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"good"
    assert _leftovers(tmp_path) == []


def test_target_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "brief.pdf").mkdir()
    with pytest.raises(RenderError, match="cannot write"):
        write_atomic(tmp_path / "brief.pdf", b"x")
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(RenderError, match="Permission denied"):
            write_atomic(locked / "brief.pdf", b"x")
    finally:
        locked.chmod(0o700)


def test_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "briefs").write_text("not a dir")
    with pytest.raises(RenderError, match="cannot create directory"):
        write_atomic(tmp_path / "briefs" / "x" / "brief.pdf", b"x")
