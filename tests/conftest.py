"""Shared fixtures: paths to test data and a throwaway workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


@pytest.fixture
def data_dir() -> Path:
    """Return tests/data."""
    return DATA


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Return a fresh workspace holding the valid fixture records."""
    (tmp_path / "companies").mkdir()
    for src in (DATA / "valid").glob("*.yaml"):
        shutil.copy(src, tmp_path / "companies" / src.name)
    return tmp_path
