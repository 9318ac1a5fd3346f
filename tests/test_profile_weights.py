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
    assert [(p.path, p.line, p.field) for p in problems] == [
        ("engage.yaml", 7, "weights.allegations.severity.extreme"),
        ("engage.yaml", 8, "weights.recency"),
    ]
    assert problems[1].message.startswith("unknown key 'recency'")


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
