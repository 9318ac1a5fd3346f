"""Signatories of letters from a YAML or CSV file (campaign staff keep them in spreadsheets).

``load_signatories`` reads either format and raises ``DataError`` naming every bad row: a
missing column, an empty required cell, a stray cell. CSV files may come straight from
Excel: UTF-8 with a byte-order mark, and ``;`` as the delimiter where the locale uses a
decimal comma.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from .aum import AUM_HINT, parse_aum
from .errors import DataError, Problem
from .records import display_path
from .spec import Context, Field, convert
from .workspace import SIGNATORY_SPEC, Signatory
from .yamlsafe import MappingNode, YamlProblem, compose_file

__all__ = ["MAX_SIGNATORIES", "load_signatories", "parse_signatories_csv"]

#: More than this many rows is almost certainly the wrong file (a contact export).
MAX_SIGNATORIES = 500
MAX_FILE_BYTES = 1024 * 1024

#: Column headings people actually use, normalised (lowercase, single spaces), by field.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "signatory", "signatory name"),
    "title": ("title", "job title", "role", "position"),
    "organisation": ("organisation", "organization", "org", "institution", "investor"),
    "aum": ("aum", "assets under management", "aum (as printed)"),
}
REQUIRED_COLUMNS: tuple[str, ...] = ("name",)

_LIST_FIELD = Field("signatories", "list", items=Field("signatory", "object", obj=SIGNATORY_SPEC), min_items=1)


def load_signatories(path: Path, root: Path | None = None) -> tuple[Signatory, ...]:
    """Return the signatories in a ``.yaml``/``.yml`` or ``.csv`` file; raises DataError naming file, row and field."""
    label = display_path(path, root)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise DataError(f"{label}: signatories must be a .csv or .yaml file, not '{path.suffix or path.name}'")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"{label}: cannot read the signatories file ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise DataError(f"{label}: {size // 1024} KB is too large for a list of signatories")
    if suffix == ".csv":
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError(f"{label}: cannot read the signatories file ({exc.strerror or exc})") from None
        return parse_signatories_csv(raw, label)
    return _load_yaml(path, label)


def _load_yaml(path: Path, label: str) -> tuple[Signatory, ...]:
    try:
        node = compose_file(path)
    except YamlProblem as exc:
        raise DataError([Problem(label, exc.line, exc.column, "", exc.message)]) from None
    if node is None:
        raise DataError([Problem(label, 1, 1, "", "file is empty; expected a list of signatories (- name: ...)")])
    where = ""
    if isinstance(node, MappingNode):
        # Accept the engage.yaml shape too: a mapping with a `signatories:` key.
        keys = {str(k.value): v for k, v in node.value}
        if set(keys) != {"signatories"}:
            raise DataError(
                [
                    Problem(
                        label,
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                        "",
                        "expected a list of signatories, or a mapping with only a 'signatories:' key",
                    )
                ]
            )
        node = keys["signatories"]
        where = "signatories"
    ctx = Context(label)
    values = convert(_LIST_FIELD, node, where, ctx)
    for i, v in enumerate(values or []):
        # The same check as engage.yaml's signatories: an AUM the letter cannot add up is an error here too.
        if v.get("aum") and parse_aum(v["aum"]) is None:
            at = f"{where}[{i}].aum"
            ctx.error(ctx.nodes.get(at), at, f"'{v['aum']}' is not {AUM_HINT}")
    if ctx.problems or values is None:
        raise DataError(sorted(ctx.problems, key=lambda p: (p.line, p.column)))
    if len(values) > MAX_SIGNATORIES:
        raise DataError(f"{label}: {len(values)} signatories; at most {MAX_SIGNATORIES} are accepted")
    return tuple(Signatory(**v) for v in values)


def _normalise_heading(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower())


def _delimiter(header: str) -> str:
    """Return the delimiter of a CSV from its header line: ``;`` or tab when they, not commas, split it."""
    counts = {d: _count_outside_quotes(header, d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def parse_signatories_csv(raw: bytes, label: str) -> tuple[Signatory, ...]:
    """Return the signatories in CSV bytes (UTF-8, optional BOM, ``,`` ``;`` or tab); raises DataError.

    Problems read ``<label>:<row>: column 'name' is empty``, row 1 being the header.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [Problem(f"{label}:{row}", 0, 0, "", "is not UTF-8 text; in Excel use Save As > 'CSV UTF-8'")]
        ) from None
    if "\x00" in text:
        raise DataError(f"{label}: is not a text CSV file (it contains NUL bytes)")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise DataError(
            [
                Problem(
                    f"{label}:1", 0, 0, "", "the header row is empty; expected columns name, title, organisation, aum"
                )
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=False)
    problems: list[Problem] = []
    try:
        rows = list(_rows_with_lines(reader))
    except csv.Error as exc:
        raise DataError([Problem(f"{label}:{reader.line_num}", 0, 0, "", f"is not valid CSV: {exc}")]) from None

    header_line, header = rows[0]
    columns: dict[str, int] = {}
    for index, heading in enumerate(header):
        key = _normalise_heading(heading)
        for field_name, aliases in COLUMN_ALIASES.items():
            if key in aliases:
                if field_name in columns:
                    problems.append(
                        Problem(
                            f"{label}:{header_line}", 0, 0, "", f"column '{field_name}' appears twice ('{heading}')"
                        )
                    )
                else:
                    columns[field_name] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    for name in missing:
        found = ", ".join(f"'{h.strip()}'" for h in header if h.strip()) or "none"
        problems.append(
            Problem(f"{label}:{header_line}", 0, 0, "", f"column '{name}' is missing (the header has {found})")
        )
    if problems:
        raise DataError(problems)

    signatories: list[Signatory] = []
    for line, cells in rows[1:]:
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave blank rows (";;;") at the end
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            problems.append(
                Problem(
                    f"{label}:{line}",
                    0,
                    0,
                    "",
                    f"has {len(cells)} cells but the header has {len(header)} columns; quote cells that contain the "
                    "delimiter",
                )
            )
            continue
        values: dict[str, str | None] = {}
        for field_name, index in columns.items():
            cell = " ".join(cells[index].split()) if index < len(cells) else ""
            values[field_name] = cell or None
        empty = [c for c in REQUIRED_COLUMNS if not values.get(c)]
        for name in empty:
            problems.append(Problem(f"{label}:{line}", 0, 0, "", f"column '{name}' is empty"))
        aum = values.get("aum")
        if aum and parse_aum(aum) is None:
            problems.append(Problem(f"{label}:{line}", 0, 0, "", f"column 'aum': '{aum}' is not {AUM_HINT}"))
            continue
        if empty:
            continue
        signatories.append(
            Signatory(
                name=values["name"] or "",
                title=values.get("title"),
                organisation=values.get("organisation"),
                aum=values.get("aum"),
            )
        )
    if problems:
        raise DataError(problems)
    if not signatories:
        raise DataError([Problem(f"{label}:{header_line + 1}", 0, 0, "", "no signatories below the header row")])
    if len(signatories) > MAX_SIGNATORIES:
        raise DataError(f"{label}: {len(signatories)} signatories; at most {MAX_SIGNATORIES} are accepted")
    return tuple(signatories)


def _rows_with_lines(reader: Any) -> list[tuple[int, list[str]]]:
    """Return each CSV row with the line it starts on (a quoted cell may span lines)."""
    out: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        out.append((start, cells))
        start = reader.line_num + 1
    return out
