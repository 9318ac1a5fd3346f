"""Add an event to an engagement log as text: the file's comments, order and layout stay as they are.

The log is never round-tripped through a YAML dumper (that would drop every comment). The
new event is written as a block after the last entry of ``events:`` (or ``events:`` is
added at the end), the whole new text is validated like any log, and only then written,
atomically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError, Problem
from ..output import write_atomic
from ..yamlsafe import MappingNode, Node, ScalarNode, SequenceNode, YamlProblem, compose_text
from .log import EVENT_SPEC, EngagementLog

__all__ = ["FIELD_ORDER", "append_event", "event_text", "new_log_text"]

#: The order fields are written in: the order of the event format.
FIELD_ORDER: tuple[str, ...] = tuple(f.name for f in EVENT_SPEC.fields)
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _scalar(value: Any) -> str:
    """Return ``value`` as a YAML scalar: plain when it cannot be misread, else double-quoted (JSON is valid YAML)."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow_mapping(item: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in item.items() if v is not None) + "}"


def event_text(fields: Mapping[str, Any], indent: int = 2) -> str:
    """Return one event as a YAML block list entry (``- date: ...``) indented by ``indent`` spaces."""
    pad = " " * indent
    lines: list[str] = []
    for name in FIELD_ORDER:
        value = fields.get(name)
        if value is None or value == () or value == []:
            continue
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
            rendered = [f"{pad}  {name}:"] + [f"{pad}    - {_flow_mapping(v)}" for v in value]
            lines.extend(rendered)
            continue
        if isinstance(value, (list, tuple)):
            text = "[" + ", ".join(_scalar(v) for v in value) + "]"
        else:
            text = _scalar(value)
        lines.append(f"{pad}  {name}: {text}")
    lines[0] = f"{pad}- " + lines[0].lstrip()
    return "\n".join(lines) + "\n"


def new_log_text(company_name: str) -> str:
    """Return the start of a new log file: a comment saying what it is, then ``events:``."""
    return (
        f"# Engagement log for {company_name}: the investor's own record (not public evidence).\n"
        "# Format: README, 'The engagement log'; check it with `engage check`.\n"
        "objectives: []\n"
        "events:\n"
    )


def _top_key(root: Node, key: str) -> tuple[Node, Node] | None:
    if not isinstance(root, MappingNode):
        return None
    return next(((k, v) for k, v in root.value if isinstance(k, ScalarNode) and k.value == key), None)


def _last_node(node: Node) -> Node:
    """Return the deepest last node under ``node``: its end mark is exactly where the entry's text ends."""
    while isinstance(node, (MappingNode, SequenceNode)) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _insert(text: str, fields: Mapping[str, Any]) -> tuple[str, int | None]:
    """Return ``text`` with the event added as the last entry of ``events:``, and where the added text starts.

    The offset is None when ``events:`` itself was rewritten (it held nothing). Raises YamlProblem.
    """
    root = compose_text(text)
    found = _top_key(root, "events") if root is not None else None
    if root is not None and not isinstance(root, MappingNode):
        raise YamlProblem("the log is not a mapping of objectives: and events:", 1, 1)
    if found is None:
        prefix = text if text.endswith("\n") or not text else text + "\n"
        return prefix + "events:\n" + event_text(fields), len(text)
    key, value = found
    if isinstance(value, SequenceNode) and value.value and not value.flow_style:
        first = value.value[0]
        dash = text.rfind("-", 0, first.start_mark.index)
        indent = dash - (text.rfind("\n", 0, dash) + 1)
        end = _last_node(value.value[-1]).end_mark.index
        # A block scalar (|) ends at the start of the line after it; anything else ends within its line.
        at = end if end > 0 and text[end - 1] == "\n" else _line_end(text, end)
        block = event_text(fields, indent)
        return text[:at] + ("" if text[:at].endswith("\n") else "\n") + block + text[at:], at
    if isinstance(value, SequenceNode) and value.value:  # a flow list [{...}, {...}]: add to it in flow style
        close = value.end_mark.index - 1
        addition = ", " + _flow_mapping({k: fields[k] for k in FIELD_ORDER if fields.get(k) not in (None, (), [])})
        return text[:close] + addition + text[close:], close
    # events: with nothing, null or []: the list starts on the next line.
    start, end = value.start_mark.index, value.end_mark.index
    head = text[: key.end_mark.index] + ":"
    rest = text[end:] if end > start else text[_line_end(text, key.end_mark.index) - 1 :]
    rest = rest if rest.startswith("\n") else "\n" + rest
    return head + "\n" + event_text(fields).rstrip("\n") + rest, None


def append_event(
    path: Path,
    fields: Mapping[str, Any],
    validate: Callable[[str], EngagementLog],
    *,
    new_text: str = "events:\n",
) -> EngagementLog:
    """Add the event ``fields`` to the log at ``path`` (created from ``new_text`` if missing); return the new log.

    ``validate`` loads the would-be text as a log and raises DataError; nothing is written
    then. Raises DataError when the file cannot be read as YAML, RenderError when it cannot
    be written.
    """
    label = path.name
    try:
        text = path.read_text(encoding="utf-8-sig") if path.exists() else new_text
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{label}: cannot read: {exc}") from None
    try:
        updated, at = _insert(text, fields)
    except YamlProblem as exc:
        raise DataError([Problem(label, exc.line, exc.column, "", exc.message + "; fix the file first")]) from None
    try:
        log = validate(updated)
    except DataError as exc:
        span = _added(text, updated, at)
        raise DataError([_in_file(p, text, updated, span) for p in exc.problems] or str(exc)) from None
    write_atomic(path, updated)
    return log


def _index(text: str, line: int, column: int) -> int:
    """Return the offset in ``text`` of a 1-based line and column (column 0: the line's start)."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
    return start + max(column - 1, 0)


def _added(text: str, updated: str, at: int | None) -> tuple[int, int]:
    """Return where the added text is in ``updated`` (start, end): at ``at``, else where the two texts differ."""
    grown = len(updated) - len(text)
    if at is not None and updated[:at] == text[:at] and updated[at + grown :] == text[at:]:
        return at, at + grown
    prefix = 0
    while prefix < min(len(text), len(updated)) and text[prefix] == updated[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(text), len(updated)) - prefix and text[-1 - suffix] == updated[-1 - suffix]:
        suffix += 1
    return prefix, len(updated) - suffix


def _in_file(problem: Problem, text: str, updated: str, span: tuple[int, int]) -> Problem:
    """Return a problem of the would-be text ``updated`` located in the file as it is (``text``).

    A problem before the added event keeps its place, one after it moves back by the text
    added, and one in the added event is said to be in the new event (it is on no line of the file).
    """
    if not problem.line:
        return problem
    start, end = span
    at = _index(updated, problem.line, problem.column)
    if start <= at < end:
        message = problem.message + " (in the new event; nothing was written)"
        return Problem(problem.path, 0, 0, problem.field, message, problem.level, problem.kind)
    if at >= end:
        at -= len(updated) - len(text)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1 if problem.column else 0
    return Problem(problem.path, line, column, problem.field, problem.message, problem.level, problem.kind)


def ids(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Return ids from 'a,b' or a sequence (for command-line lists)."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(i.strip() for i in items if i.strip())
