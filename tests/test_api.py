"""The library API (engage.api): the module's own example, and each call's contract."""

from __future__ import annotations

import datetime as dt
import doctest
import shutil
from pathlib import Path

import pytest

import engage.api
from engage.api import Workspace
from engage.errors import DataError, UsageError

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 1, 1)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the shipped dataset, so that tests can break files without touching the repository."""
    shutil.copytree(ROOT / "companies", tmp_path / "companies")
    shutil.copy(ROOT / "engage.yaml", tmp_path / "engage.yaml")
    return tmp_path


@pytest.mark.slow
def test_module_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The docstring's three lines write a real brief PDF from the shipped dataset."""
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(engage.api, raise_on_error=False, verbose=False)
    assert result.attempted >= 4
    assert result.failed == 0


def test_open_unknown_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        Workspace.open(tmp_path / "nowhere")


def test_select_suggests_a_close_id(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    with pytest.raises(UsageError) as err:
        ws.select(["volkswagn"])
    assert "volkswagen" in str(err.value)


def test_check_reports_every_problem_of_a_broken_file(workspace: Path) -> None:
    (workspace / "companies" / "broken.yaml").write_text("name: Broken\nallegations:\n  - id: x\n    severity: hgh\n")
    result = Workspace.open(workspace).check(as_of=AS_OF)
    assert result.broken == ("broken",)
    assert not result.ok()
    assert all(p.path.endswith("broken.yaml") for p in result.errors)
    assert len(result.errors) >= 2  # every missing field and the bad severity, in one run
    assert any(p.line == 4 for p in result.errors)


def test_profile_of_a_broken_company_names_its_problems(workspace: Path) -> None:
    (workspace / "companies" / "broken.yaml").write_text("name: Broken\nallegations: 3\n")
    ws = Workspace.open(workspace)
    with pytest.raises(DataError) as err:
        ws.profile("broken", as_of=AS_OF)
    problems = err.value.problems
    assert problems and problems[0].path.endswith("broken.yaml")
    # the others still profile, and the broken one is reported as skipped
    profiles, skipped = ws.profiles(as_of=AS_OF)
    assert skipped == ("broken",) and "volkswagen" in profiles


def test_profile_is_ranked_against_peers_and_carries_its_as_of_view(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    p = ws.profile("volkswagen", as_of=AS_OF)
    rank = p.rank()
    assert rank is not None and rank.of == len(ws.company_ids())
    assert p.known is not None
    for record in (*p.known.allegations, *p.known.commitments):
        assert record.date.first_day() <= AS_OF
        assert all(s.date is None or s.date.first_day() <= AS_OF for s in record.sources)


def test_compare_rejects_an_unknown_area_with_a_suggestion(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    with pytest.raises(UsageError) as err:
        ws.compare(as_of=AS_OF, area="mineral")
    assert "minerals" in str(err.value)
    board = ws.compare(as_of=AS_OF, area="minerals")
    assert board.area == "minerals" and len(board.profiles) == len(ws.company_ids())


def test_letter_returns_the_paths_it_wrote(workspace: Path, tmp_path: Path) -> None:
    ws = Workspace.open(workspace)
    paths = ws.letter("volkswagen", as_of=AS_OF, out=tmp_path / "out", formats=["md"])
    assert [p.name for p in paths] == ["letter.md"]
    text = paths[0].read_text(encoding="utf-8")
    assert "Volkswagen" in text


def test_letter_deadline_before_the_letter_is_refused(workspace: Path, tmp_path: Path) -> None:
    ws = Workspace.open(workspace)
    with pytest.raises(UsageError):
        ws.letter("volkswagen", as_of=AS_OF, out=tmp_path, formats=["md"], respond_by=AS_OF)


def test_brief_html_returns_its_path(workspace: Path, tmp_path: Path) -> None:
    ws = Workspace.open(workspace)
    (path,) = ws.brief("volkswagen", as_of=AS_OF, out=tmp_path / "out", fmt="html")
    assert path == tmp_path / "out" / "volkswagen" / "brief.html"
    assert "Volkswagen" in path.read_text(encoding="utf-8")


def test_batch_renders_what_changed_and_reports_it(workspace: Path, tmp_path: Path) -> None:
    ws = Workspace.open(workspace)
    options = {"kinds": ("letter",), "letter_formats": ("md",), "index": False, "jobs": 1}
    first = ws.batch(["volkswagen", "bmw"], as_of=AS_OF, out=tmp_path / "out", **options)
    assert first.exit_code == 0
    assert (tmp_path / "out" / "volkswagen" / "letter.md").is_file()
    again = Workspace.open(workspace).batch(["volkswagen", "bmw"], as_of=AS_OF, out=tmp_path / "out", **options)
    assert again.exit_code == 0 and again.files_written == 0


def test_agenda_is_empty_without_agms_in_the_window(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    assert ws.agenda(as_of=dt.date(2026, 12, 1), within=0) == []
