"""Hardened YAML reading: a node tree with line numbers, and none of YAML's traps.

We compose (never construct) documents, so every value stays the text the user typed
until a typed field spec interprets it (``NO`` stays ``NO``, ``0012345`` stays
``0012345``). Aliases, anchors and explicit tags are refused, so an alias bomb or a
``!!python/object`` cannot do anything; files over a size cap and absurd nesting are
refused before or while parsing.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from .errors import Problem

# libyaml's parser when PyYAML was built with it (the wheels are): same events, C speed.
CParser: Any
try:
    CParser = importlib.import_module("yaml._yaml").CParser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    CParser = None

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32

__all__ = [
    "MAX_BYTES",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YamlProblem",
    "compose_file",
    "compose_text",
    "plain_value",
    "problem_at",
]


class YamlProblem(Exception):
    """Raised when a file is not acceptable YAML; carries line and column (1-based)."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class _StrictComposer(Composer):
    """A composer that refuses aliases, anchors, explicit tags and deep nesting."""

    depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:  # type: ignore[override]
        event = self.peek_event()  # type: ignore[attr-defined]
        mark = event.start_mark
        if isinstance(event, AliasEvent):
            raise YamlProblem(
                f"aliases (*{event.anchor}) are not allowed; write the value out in full",
                mark.line + 1,
                mark.column + 1,
            )
        if isinstance(event, (ScalarEvent, CollectionStartEvent)):
            if event.anchor is not None:
                raise YamlProblem(
                    f"anchors (&{event.anchor}) are not allowed; write the value out in full",
                    mark.line + 1,
                    mark.column + 1,
                )
            tag = event.tag
            if tag is not None and tag != "!":
                raise YamlProblem(f"tags ({tag}) are not allowed; remove the tag", mark.line + 1, mark.column + 1)
        if isinstance(event, CollectionStartEvent):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1)
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)

    # Nothing reads a node's tag: every value stays the text typed until a field spec
    # interprets it. So scalars are not matched against YAML's implicit-type patterns
    # (a third of the time to compose a record file) and every node gets its kind's tag.
    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        return _PLAIN_TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_PLAIN_TAGS: dict[type[Node], str] = {
    ScalarNode: "tag:yaml.org,2002:str",
    SequenceNode: "tag:yaml.org,2002:seq",
    MappingNode: "tag:yaml.org,2002:map",
}


class _StrictLoader(Reader, Scanner, Parser, _StrictComposer, SafeConstructor, Resolver):  # type: ignore[misc]
    """The loader engage uses for every file it reads: composition only, strict."""

    def __init__(self, stream: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


def _refuse(event: Any) -> None:
    """Raise the YamlProblem for an anchor or an explicit tag on ``event``."""
    mark = event.start_mark
    if event.anchor is not None:
        raise YamlProblem(
            f"anchors (&{event.anchor}) are not allowed; write the value out in full", mark.line + 1, mark.column + 1
        )
    raise YamlProblem(f"tags ({event.tag}) are not allowed; remove the tag", mark.line + 1, mark.column + 1)


def _compose_events(parser: Any) -> Node | None:
    """Return the node tree of the one document in libyaml's events, as ``_StrictComposer`` would compose it.

    The same refusals (aliases, anchors, tags, nesting, a second document) and the same nodes, built
    in one loop over the C parser's events: the composer's method calls per event cost three
    quarters of the time to compose a record file.
    """
    get = parser.get_event
    get()  # StreamStartEvent
    if type(get()) is StreamEndEvent:  # else DocumentStartEvent
        return None
    root: Node | None = None
    stack: list[list[Any]] = []  # [collection node, the mapping key waiting for its value]
    while True:
        event = get()
        cls = type(event)
        node: Node
        if cls is ScalarEvent:
            if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                _refuse(event)
            node = ScalarNode(_STR, event.value, event.start_mark, event.end_mark, event.style)
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            stack.pop()[0].end_mark = event.end_mark
            continue
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                _refuse(event)
            if len(stack) >= MAX_DEPTH:
                mark = event.start_mark
                raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1)
            kind = MappingNode if cls is MappingStartEvent else SequenceNode
            node = kind(_PLAIN_TAGS[kind], [], event.start_mark, None, event.flow_style)
        elif cls is AliasEvent:
            mark = event.start_mark
            raise YamlProblem(
                f"aliases (*{event.anchor}) are not allowed; write the value out in full",
                mark.line + 1,
                mark.column + 1,
            )
        else:  # DocumentEndEvent
            break
        if stack:
            top = stack[-1]
            if type(top[0]) is MappingNode:
                if top[1] is None:
                    top[1] = node
                else:
                    top[0].value.append((top[1], node))
                    top[1] = None
            else:
                top[0].value.append(node)
        else:
            root = node
        if cls is not ScalarEvent:
            stack.append([node, None])
    event = get()
    if type(event) is not StreamEndEvent:
        mark = event.start_mark
        raise YamlProblem(
            "more than one YAML document (---) in the file; keep one per file", mark.line + 1, mark.column + 1
        )
    return root


_STR = "tag:yaml.org,2002:str"


def compose_text(text: str) -> Node | None:
    """Return the node tree of one YAML document (None when empty); raises YamlProblem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it or trim it")
    loader = CParser(text) if CParser is not None else _StrictLoader(text)
    try:
        node: Node | None = _compose_events(loader) if CParser is not None else loader.get_single_node()
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context and exc.context.startswith("while scanning a simple key") and exc.context_mark:
            mark = exc.context_mark  # the line missing its ':' rather than the line after it
        problem = exc.problem or "invalid YAML"
        if exc.context and "expected a single document" in exc.context:
            problem = "more than one YAML document (---) in the file; keep one per file"
        raise YamlProblem(problem, (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    finally:
        loader.dispose()
    return node


def compose_file(path: Path, raw: bytes | None = None) -> Node | None:
    """Read and compose a YAML file (``raw``: its bytes, already read); raises YamlProblem for size, encoding
    and syntax errors."""
    if raw is None:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise YamlProblem(f"cannot read file: {exc.strerror}") from None
        if size > MAX_BYTES:
            raise YamlProblem(f"file is {size // 1024} KB, over the {MAX_BYTES // (1024 * 1024)} MB limit; split it")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise YamlProblem(f"cannot read file: {exc.strerror}") from None
    elif len(raw) > MAX_BYTES:
        raise YamlProblem(f"file is {len(raw) // 1024} KB, over the {MAX_BYTES // (1024 * 1024)} MB limit; split it")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem("file is not UTF-8 text; save it as UTF-8", line, 1) from None
    return compose_text(text)


def problem_at(path: str, node: Node | None, field: str, message: str, level: str = "error", kind: str = "") -> Problem:
    """Return a Problem located at ``node`` (1-based line and column)."""
    if node is None:
        return Problem(path, 0, 0, field, message, level, kind)
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, field, message, level, kind)


_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


def plain_value(node: Node) -> Any:
    """Return a node as plain data, resolving scalars as YAML 1.2's core schema (as editors do).

    Used for free-form settings (scoring weights) and to check records against the JSON
    Schema: ``true``/``false``, numbers and nulls resolve; everything else stays text.
    """
    if isinstance(node, MappingNode):
        return {str(k.value): plain_value(v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [plain_value(v) for v in node.value]
    value = str(node.value)
    if getattr(node, "style", None):  # quoted or block: always text ("" is plain in libyaml)
        return value
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value
