"""The one-loop composer over libyaml's events gives the node tree and the refusals of the strict composer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic import company_yaml
from engage import yamlsafe
from engage.yamlsafe import Node, YamlProblem, compose_text

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"

BAD = [
    "a: &x 1\nb: *x\n",
    "a: *x\n",
    "a: !!python/object 1\n",
    "a: !custom [1]\n",
    "a: 1\n---\nb: 2\n",
    "a: " + "[" * 40 + "]" * 40 + "\n",
    "- &anchor {a: 1}\n",
    "a: 1\na: 2\n",
    "",
    "---\n",
    "# only a comment\n",
]
SYNTAX = ["a: [1, 2\n", "a: 1\n  b: 2\n", "key without colon\nother: 1\n", "a: 'unclosed\n"]


def shape(node: Node | None) -> Any:
    """Return everything engage reads of a node tree: kinds, tags, values, styles and marks."""
    if node is None:
        return None
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    if isinstance(node.value, str):
        return ("scalar", node.tag, node.value, node.style or None, marks)  # libyaml says "" for plain
    if node.tag.endswith(":map"):
        return ("map", node.tag, node.flow_style, marks, [(shape(k), shape(v)) for k, v in node.value])
    return ("seq", node.tag, node.flow_style, marks, [shape(v) for v in node.value])


def both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """Return the outcome of composing ``text`` with libyaml's events and with the pure-Python strict loader."""

    def outcome() -> Any:
        try:
            return shape(compose_text(text))
        except YamlProblem as exc:
            return ("problem", exc.message, exc.line, exc.column)

    fast = outcome()
    with monkeypatch.context() as m:
        m.setattr(yamlsafe, "CParser", None)
        slow = outcome()
    return fast, slow


@pytest.mark.skipif(yamlsafe.CParser is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", BAD + SYNTAX)
def test_refusals_and_errors_are_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = both(text, monkeypatch)
    if text in SYNTAX:  # libyaml and PyYAML's own scanner word syntax errors differently
        assert fast[0] == slow[0] == "problem"
    else:
        assert fast == slow


@pytest.mark.skipif(yamlsafe.CParser is None, reason="PyYAML built without libyaml")
def test_every_shipped_and_fixture_file_composes_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    files = [*sorted((REPO / "companies").glob("*.yaml")), *sorted(DATA.rglob("*.yaml"))]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    texts += [company_yaml(i, 12, random.Random(i)) for i in range(5)]
    for text in texts:
        fast, slow = both(text, monkeypatch)
        assert fast == slow
