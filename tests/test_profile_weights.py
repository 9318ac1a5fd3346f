"""Weights problems carry engage.yaml's file, line and field from load_weights itself, no message picking."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.errors import DataError, Problem
from engage.profile.weights import load_weights, weights_problems
from engage.workspace import Workspace, load_settings

ENGAGE_YAML = """\
language: en
weights:
  allegations:
    recency:
      floor: 1.5
    severity:
      extreme: 16
  recency:
    floor: 0.3
"""


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "companies").mkdir()
    (tmp_path / "engage.yaml").write_text(ENGAGE_YAML, encoding="utf-8")
    return load_settings(Workspace(tmp_path))


def test_problems_name_the_file_the_line_of_the_key_and_the_field(settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError) as exc:
        load_weights(settings.weights, path=settings.label, lines=settings.weights_lines)
    problems = exc.value.problems
    # The broken constraint (floor 1.5) is named in the same run as the unknown keys.
    assert [(p.path, p.line, p.field) for p in problems] == [
        ("engage.yaml", 7, "weights.allegations.severity.extreme"),
        ("engage.yaml", 8, "weights.recency"),
        ("engage.yaml", 5, "weights.allegations.recency.floor"),
    ]
    assert problems[1].message.startswith("unknown key 'recency'")


EVERY_KIND_OF_MISTAKE = """organisation:
  name: Example Investors
  emial: ir@example.org
language: xx
weights:
  allegations:
    severity:
      high: lots
    recency:
      floor: 1.5
    recencyy: 3
letter:
  stage: final
"""


def test_every_problem_of_engage_yaml_comes_in_one_run_settings_then_weights(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from engage.cli.main import cli

    (tmp_path / "companies").mkdir()
    (tmp_path / "engage.yaml").write_text(EVERY_KIND_OF_MISTAKE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "-w", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: engage.yaml:3:3: organisation.emial: unknown field 'emial' (did you mean 'email'?)",
        "error: engage.yaml:4:11: language: 'xx' is not one of en, en-GB, en-US",
        "error: engage.yaml:13:10: letter.stage: 'final' is not one of first, follow-up, pre-agm",
        "error: engage.yaml:8:7: weights.allegations.severity.high: 'lots' is not a number",
        "error: engage.yaml:11:5: weights.allegations.recencyy: unknown key 'recencyy'; known keys: severity, "
        "status, no_response, recency, corroboration",
        "error: engage.yaml:10:7: weights.allegations.recency.floor: 1.5 must be between 0 and 1",
    ]


def test_weights_that_are_not_a_mapping_are_located_with_the_settings_problems(tmp_path: Path) -> None:
    from engage.api import Workspace as OpenWorkspace

    (tmp_path / "companies").mkdir()
    (tmp_path / "engage.yaml").write_text("language: xx\nweights: [1, 2]\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        OpenWorkspace.open(tmp_path)
    assert [(p.line, p.field) for p in exc.value.problems] == [(1, "language"), (2, "weights")]


def test_a_broken_constraint_is_located_at_its_key() -> None:
    lines = {"weights": (2, 1), "weights.allegations": (3, 3), "weights.allegations.recency.floor": (5, 7)}
    found = weights_problems({"allegations": {"recency": {"floor": 1.5}}}, "engage.yaml", lines)
    assert found == [Problem("engage.yaml", 5, 7, "weights.allegations.recency.floor", "1.5 must be between 0 and 1")]
    assert weights_problems({"allegations": {"recency": {"floor": 0.5}}}, "engage.yaml", lines) == []


def test_a_constraint_on_a_key_not_in_the_file_falls_back_to_the_nearest_one() -> None:
    lines = {"weights": (2, 1), "weights.scores": (3, 3)}
    (problem,) = weights_problems({"scores": {"overall": [0.1, 0.9]}}, "engage.yaml", lines)
    assert (problem.line, problem.column, problem.field) == (3, 3, "weights.scores.overall")


def test_without_a_path_the_message_lists_the_problems_as_before() -> None:
    with pytest.raises(DataError) as exc:
        load_weights({"recency": {"floor": 0.3}})
    assert str(exc.value).startswith("invalid weights:\nweights.recency: unknown key 'recency'; known keys: ")
    assert exc.value.problems == []
