"""Declarative field specs: one description of a format drives both validation and JSON Schema.

A spec walks a YAML node tree (from ``yamlsafe``) and returns plain Python values
(dicts, lists, str, int, float, ``datetime.date``, ``PartialDate``) together with every
problem found, each located by line, column and dotted field path. Because the JSON
Schema is generated from the same specs, the schema and the loader cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .countries import COUNTRY_CODES
from .dates import PartialDate
from .errors import Problem
from .yamlsafe import MappingNode, Node, ScalarNode, SequenceNode, plain_value, problem_at

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_INT_RE = re.compile(r"^[-+]?\d+$")
_NUM_RE = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NULLS = {"", "~", "null", "Null", "NULL"}


@dataclass(frozen=True)
class Field:
    """One field of a mapping: its name, type and constraints."""

    name: str
    type: str  # text id date partial-date int number enum url country isin email list object
    required: bool = False
    description: str = ""
    choices: tuple[str, ...] = ()
    choices_from: str = ""  # name of a vocabulary in the Context (e.g. "areas")
    items: Field | None = None  # for lists
    obj: Obj | None = None  # for objects
    unique: str = ""  # for lists of objects: key whose values must be unique
    minimum: float | None = None
    maximum: float | None = None
    min_items: int = 0
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Obj:
    """A mapping with a fixed set of fields; unknown keys are errors."""

    fields: tuple[Field, ...]
    description: str = ""

    def field_map(self) -> dict[str, Field]:
        """Return fields by name."""
        return {f.name: f for f in self.fields}


@dataclass
class Context:
    """Vocabularies that specs look up at validation time, and the problems collected."""

    path: str
    vocabularies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)

    def error(self, node: Node | None, where: str, message: str) -> None:
        """Record an error at ``node``."""
        self.problems.append(problem_at(self.path, node, where, message))


def _suggest(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    if not close and value.lower() in choices:
        close = [value.lower()]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"'{node.value}'"


def is_null(node: Node) -> bool:
    """Return True for YAML null written plainly (``null``, ``~`` or nothing)."""
    return isinstance(node, ScalarNode) and not node.style and node.value in _NULLS


#: Control characters (other than tab and line breaks) and bidirectional overrides: invisible in
#: an editor, they break spreadsheets and CSV or make text display other than it reads.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


#: An http(s) address urlsplit accepts as one (scheme http or https, a host, no whitespace): most are.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][!-~]*)?\Z")


def _scalar_text(node: Node, where: str, ctx: Context, what: str) -> str | None:
    if not isinstance(node, ScalarNode):
        ctx.error(node, where, f"expected {what}, got {_kind(node)}")
        return None
    text = str(node.value)
    hidden = _HIDDEN.search(text)
    if hidden is not None:
        char = hidden.group()
        kind = "a bidirectional override" if "\u202a" <= char <= "\u2069" else "a control character"
        ctx.error(
            node,
            where,
            f"contains {kind} (U+{ord(char):04X}) at character {hidden.start() + 1}; remove it "
            "(if it came from an escape such as \\0 or \\x07 in a quoted string, delete the escape)",
        )
        return None
    return text


def _convert_scalar(f: Field, node: Node, where: str, ctx: Context) -> Any:
    """Return the typed value of a scalar field, or None after recording a problem."""
    t = f.type
    if t in ("text", "enum", "id", "url", "country", "isin", "email"):
        text = _scalar_text(node, where, ctx, "text" if t == "text" else f"a {t}")
        if text is None:
            return None
        if t == "text":
            text = text.strip()
            if not text:
                ctx.error(node, where, "must not be empty")
                return None
            return text
        text = text.strip()
        if t == "enum":
            choices = f.choices or tuple(ctx.vocabularies.get(f.choices_from, ()))
            if text not in choices:
                ctx.error(node, where, f"'{text}' is not one of {', '.join(choices)}{_suggest(text, choices)}")
                return None
            return text
        if t == "id":
            if not ID_RE.match(text):
                ctx.error(
                    node,
                    where,
                    f"'{text}' is not a valid id; use lowercase letters, digits and hyphens (at most 64 characters)",
                )
                return None
            return text
        if t == "url":
            if _PLAIN_URL.match(text):  # the usual address needs no parsing to be accepted
                return text
            parts = urllib.parse.urlsplit(text)
            if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
                ctx.error(node, where, f"'{text}' is not an http(s) address; expected https://...")
                return None
            return text
        if t == "country":
            if text not in COUNTRY_CODES:
                hint = f" (did you mean '{text.upper()}'?)" if text.upper() in COUNTRY_CODES else ""
                ctx.error(node, where, f"'{text}' is not an ISO 3166-1 alpha-2 country code like DE or US{hint}")
                return None
            return text
        if t == "isin":
            reason = isin_problem(text)
            if reason:
                ctx.error(node, where, f"'{text}' is not a valid ISIN: {reason}")
                return None
            return text
        if not _EMAIL_RE.match(text):
            ctx.error(node, where, f"'{text}' is not an email address")
            return None
        return text
    text = _scalar_text(node, where, ctx, _TYPE_WORDS.get(t, t))
    if text is None:
        return None
    text = text.strip()
    if t == "partial-date":
        try:
            return PartialDate.parse(text)
        except ValueError as exc:
            ctx.error(node, where, str(exc))
            return None
    if t == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            try:
                PartialDate.parse(text)
            except ValueError as exc:
                ctx.error(node, where, str(exc))
            else:
                ctx.error(node, where, f"'{text}' is not a full date; expected YYYY-MM-DD")
            return None
    if t == "int":
        if not _INT_RE.match(text):
            ctx.error(node, where, f"'{text}' is not a whole number")
            return None
        value: float = int(text)
    elif t == "number":
        if not _NUM_RE.match(text):
            ctx.error(node, where, f"'{text}' is not a number")
            return None
        value = float(text)
    else:  # pragma: no cover - a spec bug, not a data error
        raise AssertionError(f"unknown field type {t}")
    if f.minimum is not None and value < f.minimum:
        ctx.error(node, where, f"{text} is below the minimum {f.minimum:g}")
        return None
    if f.maximum is not None and value > f.maximum:
        ctx.error(node, where, f"{text} is above the maximum {f.maximum:g}")
        return None
    return value


_TYPE_WORDS = {
    "partial-date": "a date (YYYY, YYYY-MM or YYYY-MM-DD)",
    "date": "a date (YYYY-MM-DD)",
    "int": "a whole number",
    "number": "a number",
}


def convert(f: Field, node: Node, where: str, ctx: Context) -> Any:
    """Return the Python value of ``node`` under field ``f``; problems go to ``ctx``."""
    ctx.nodes[where] = node
    if f.type == "object":
        assert f.obj is not None
        return convert_object(f.obj, node, where, ctx)
    if f.type == "any":
        return plain_value(node)
    if f.type == "list":
        assert f.items is not None
        if not isinstance(node, SequenceNode):
            example = "[steel, aluminum]" if f.items.type != "object" else "a list of entries starting with '- '"
            ctx.error(node, where, f"expected a list ({example}), got {_kind(node)}")
            return None
        values = []
        seen: dict[str, Node] = {}
        for i, item in enumerate(node.value):
            item_where = f"{where}[{i}]"
            if is_null(item):
                ctx.error(item, item_where, "empty list entry")
                continue
            value = convert(f.items, item, item_where, ctx)
            if value is None:
                continue
            if f.unique and isinstance(value, dict) and f.unique in value:
                key = value[f.unique]
                key_node = ctx.nodes.get(f"{item_where}.{f.unique}", item)
                if key in seen:
                    first = seen[key].start_mark.line + 1
                    ctx.error(
                        key_node,
                        f"{item_where}.{f.unique}",
                        f"duplicate {f.unique} '{key}' (first used on line {first})",
                    )
                    continue
                seen[key] = key_node
            values.append(value)
        if len(node.value) < f.min_items:
            ctx.error(node, where, f"needs at least {f.min_items} entr{'y' if f.min_items == 1 else 'ies'}")
        return values
    return _convert_scalar(f, node, where, ctx)


def convert_object(obj: Obj, node: Node, where: str, ctx: Context) -> dict[str, Any] | None:
    """Return a dict of the fields present in a mapping node; problems go to ``ctx``."""
    if not isinstance(node, MappingNode):
        ctx.error(node, where, f"expected a mapping of fields (name: value), got {_kind(node)}")
        return None
    fields = obj.field_map()
    result: dict[str, Any] = {}
    seen: dict[str, Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            ctx.error(key_node, where, "a key must be a plain name")
            continue
        key = str(key_node.value)
        key_where = _join(where, key)
        if key in seen:
            first = seen[key].start_mark.line + 1
            ctx.error(key_node, key_where, f"duplicate key '{key}' (also on line {first}); keep one")
            continue
        seen[key] = key_node
        f = fields.get(key)
        if f is None:
            ctx.error(key_node, key_where, f"unknown field '{key}'{_suggest(key, list(fields))}")
            continue
        if is_null(value_node):
            if f.required:
                ctx.error(value_node, key_where, "is required and cannot be empty")
            continue
        value = convert(f, value_node, key_where, ctx)
        if value is not None:
            result[key] = value
    for f in obj.fields:
        if f.required and f.name not in seen:
            ctx.error(node, _join(where, f.name), f"is required{_required_hint(f)}")
    return result


def _required_hint(f: Field) -> str:
    if f.examples:
        return f", for example {f.name}: {f.examples[0]}"
    return ""


def isin_problem(text: str) -> str:
    """Return why ``text`` is not a valid ISIN, or '' when it is (ISO 6166 check digit)."""
    if len(text) != 12:
        return f"expected 12 characters, got {len(text)}"
    if not re.match(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$", text):
        return "expected 2 letters, 9 letters or digits, and a check digit"
    digits = "".join(str(int(c, 36)) for c in text[:-1])
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    check = (10 - total % 10) % 10
    if check != int(text[-1]):
        return f"check digit should be {check}"
    return ""


# ---------------------------------------------------------------------------- JSON Schema

_SCALAR_TEXT: dict[str, Any] = {"type": ["string", "number", "boolean"]}


def json_schema_of(f: Field, vocabularies: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Return the JSON Schema fragment for one field (as an editor would read the YAML)."""
    t = f.type
    out: dict[str, Any]
    if t == "object":
        assert f.obj is not None
        out = json_schema_object(f.obj, vocabularies)
    elif t == "list":
        assert f.items is not None
        out = {"type": "array", "items": json_schema_of(f.items, vocabularies)}
        if f.min_items:
            out["minItems"] = f.min_items
    elif t == "any":
        out = {}
    elif t == "enum":
        out = {"enum": list(f.choices or vocabularies.get(f.choices_from, ()))}
    elif t == "partial-date":
        out = {
            "anyOf": [
                {"type": "integer", "minimum": 1900, "maximum": 2200},
                {"type": "string", "pattern": r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"},
            ]
        }
    elif t == "date":
        out = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    elif t in ("int", "number"):
        out = {"type": "integer" if t == "int" else "number"}
        if f.minimum is not None:
            out["minimum"] = f.minimum
        if f.maximum is not None:
            out["maximum"] = f.maximum
    elif t == "id":
        out = {"type": "string", "pattern": ID_RE.pattern}
    elif t == "url":
        out = {"type": "string", "pattern": r"^https?://\S+$"}
    elif t == "country":
        out = {"enum": sorted(COUNTRY_CODES)}
    elif t == "isin":
        out = {"type": "string", "pattern": r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$"}
    else:
        out = dict(_SCALAR_TEXT)
    if f.description:
        out["description"] = f.description
    if f.examples:
        out["examples"] = list(f.examples)
    return out


def _nullable(f: Field, schema: dict[str, Any]) -> dict[str, Any]:
    """Optional fields may be written as null (the loader treats that as absent)."""
    if f.required or not schema:
        return schema
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    if isinstance(schema.get("type"), list):
        return {**schema, "type": [*schema["type"], "null"]}
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {"anyOf": [schema, {"type": "null"}]}


def json_schema_object(obj: Obj, vocabularies: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Return the JSON Schema of a mapping spec."""
    out: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _nullable(f, json_schema_of(f, vocabularies)) for f in obj.fields},
        "additionalProperties": False,
    }
    required = [f.name for f in obj.fields if f.required]
    if required:
        out["required"] = required
    if obj.description:
        out["description"] = obj.description
    return out


def walk(value: Any, visit: Callable[[Any], None]) -> None:
    """Call ``visit`` on every value nested in dicts and lists (used by tests and checks)."""
    visit(value)
    if isinstance(value, dict):
        for v in value.values():
            walk(v, visit)
    elif isinstance(value, list):
        for v in value:
            walk(v, visit)
