"""Peer leaderboards as rows, JSON, CSV and xlsx (openpyxl only there), and the JSON Schema of a profile."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from .. import __version__
from ..dates import PartialDate
from ..engagement.state import ReplyStats
from ..output import stamp_zip
from ..profile import (
    BANDS,
    GAP_KINDS,
    NOT_RATED,
    OVERALL,
    SCHEMA_VERSION,
    TREND_CAUSES,
    AreaScore,
    Profile,
    is_json_field,
    leaderboard,
    to_plain,
)
from ..profile.asks import Ask
from ..records import Source

BAND_FILLS = {"low": "C6EFCE", "moderate": "FFEB9C", "elevated": "F8CBAD", "high": "FFC7CE"}
COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "Rank"),
    ("company_id", "Company id"),
    ("company", "Company"),
    ("net", "Unmanaged risk"),
    ("band", "Band"),
    ("exposure", "Exposure"),
    ("mitigation", "Management"),
    ("assessed", "Areas assessed"),
    ("peak", "Peak (24 months)"),
    ("trend", "Trend"),
    ("trend_delta", "Change vs a year ago"),
    ("trend_cause", "Cause of the change"),
    ("evidence_newest", "Newest evidence"),
    ("evidence_age_days", "Evidence age (days)"),
    ("rated", "Rated"),
    ("percentile", "Risk percentile"),
    ("median", "Peer median"),
    ("benchmark", "External benchmark (not blended)"),
    ("letters", "Letters sent (engagement log)"),
    ("answered", "Letters answered"),
    ("response_rate", "Response rate (not blended)"),
    ("median_days_to_reply", "Median days to reply (not blended)"),
    ("top_reasons", "Top reasons"),
)
#: The reply columns of a company without an engagement log: unknown, not zero.
NO_REPLIES: dict[str, Any] = dict.fromkeys(("letters", "answered", "response_rate", "median_days_to_reply"))
#: The columns the workbook shows with one decimal, and those it shows as a percentage or whole days.
_ONE_DECIMAL = ("net", "exposure", "mitigation", "peak", "trend_delta", "percentile", "median")
_FORMATS = {**dict.fromkeys(_ONE_DECIMAL, "0.0"), "response_rate": "0%", "median_days_to_reply": "0"}


def top_reasons(score: AreaScore, n: int = 3) -> str:
    """Return the ``n`` records that moved net risk most, as 'title (+12.3); ...', then the baseline's share.

    The sector baseline is in every company's score: it explains the level, not the difference,
    so it is summed into one closing part rather than crowding out the records.
    """
    records = [c for c in score.contributions if c.record_kind != "baseline"]
    ranked = sorted(records, key=lambda c: (-abs(c.net), c.record_id))
    parts = [f"{c.title} ({c.net:+.1f})" for c in ranked[:n] if c.net]
    baseline = sum(c.net for c in score.contributions if c.record_kind == "baseline")
    if baseline:
        parts.append(f"sector baseline ({baseline:+.1f})")
    return "; ".join(parts)


def benchmark_label(profile: Profile) -> str:
    """Return the newest external benchmark as 'Name YEAR: rank R of N, S%', or ''."""
    if not profile.benchmarks:
        return ""
    b = profile.benchmarks[0]
    bits = []
    if b.rank is not None:
        bits.append(f"rank {b.rank}" + (f" of {b.of}" if b.of else ""))
    if b.score_pct is not None:
        bits.append(f"{b.score_pct:g}%")
    return f"{b.name} {b.year}" + (f": {', '.join(bits)}" if bits else "")


Replies = Mapping[str, ReplyStats]


def board_rows(
    profiles: Mapping[str, Profile] | Sequence[Profile], area: str = OVERALL, replies: Replies | None = None
) -> list[dict[str, Any]]:
    """Return the leaderboard of ``area`` as plain rows, lowest net risk first.

    ``replies`` are the reply statistics of the companies with an engagement log (letters,
    answered, response rate 0-1, median days to the first reply): columns beside the risk
    score, never in it; a company without a log has them null.
    """
    rows: list[dict[str, Any]] = []
    for p in leaderboard(profiles, area):
        s = p.area(area)
        r = p.rank(area)
        rated = p.rated
        # A company with nothing on record has no number: a baseline-only score would pass for one.
        rows.append(
            {
                "rank": r.rank if r and rated else None,
                "company_id": p.company_id,
                "company": p.company_name,
                "rated": rated,
                "net": s.net if rated else None,
                "band": s.band if rated else NOT_RATED,
                "exposure": s.exposure if rated else None,
                "mitigation": s.mitigation if rated else None,
                "assessed": (sum(a.assessed for a in p.areas) if area == OVERALL else int(s.assessed)),
                "peak": s.peak if rated else None,
                "trend": s.trend if rated else None,
                "trend_delta": s.trend_delta if rated else None,
                "trend_cause": s.trend_cause if rated else None,
                "evidence_newest": p.evidence.newest.isoformat() if p.evidence.newest else None,
                "evidence_age_days": p.evidence.age_days,
                "percentile": r.percentile if r and rated else None,
                "median": r.median if r and rated else None,
                "benchmark": benchmark_label(p),
                **(replies[p.company_id].to_dict() if replies and p.company_id in replies else NO_REPLIES),
                "top_reasons": top_reasons(s) if rated else "",
            }
        )
    return rows


def board_json(
    profiles: Mapping[str, Profile] | Sequence[Profile], area: str = OVERALL, replies: Replies | None = None
) -> str:
    """Return the leaderboard of ``area`` as JSON text (schema in docs/profile-schema.md), with ``replies`` beside."""
    items = list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)
    first = items[0] if items else None
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": "leaderboard",
        "area": area,
        "as_of": first.as_of.isoformat() if first else None,
        "weights_version": first.weights_version if first else None,
        "rows": board_rows(items, area, replies),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Return ``value`` safe for a spreadsheet: text that would start a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def board_csv(
    profiles: Mapping[str, Profile] | Sequence[Profile], area: str = OVERALL, replies: Replies | None = None
) -> str:
    """Return the leaderboard of ``area`` as CSV text with a header row (``replies`` beside the risk score);
    record text never becomes a formula."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([key for key, _ in COLUMNS])
    for row in board_rows(profiles, area, replies):
        writer.writerow([csv_cell(row[k]) for k, _ in COLUMNS])
    return buf.getvalue()


def board_xlsx(
    profiles: Mapping[str, Profile] | Sequence[Profile],
    areas: Sequence[tuple[str, str]],
    replies: Replies | None = None,
) -> bytes:
    """Return an .xlsx workbook: one sheet per (key, sheet title) in ``areas``, 'overall' first.

    Numbers are stored as numbers, bands are filled with their colour, the header row is
    frozen and filtered, ``replies`` (response rate, median days to reply) sit beside the
    risk score, never in it, and the last column holds each score's top reasons. Text is stored
    as text, never as a formula, and an 'About' sheet says as of when and with which weights
    the numbers were made; the workbook's dates are the as-of date, so it is reproducible.
    """
    # openpyxl only for a workbook: the other exports and every other command never pay for it
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill  # (the same reason)
    from openpyxl.utils import get_column_letter  # (the same reason)

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    fills = {band: PatternFill("solid", start_color=colour, end_color=colour) for band, colour in BAND_FILLS.items()}
    bold = Font(bold=True)
    used: set[str] = set()
    widths = {"company": 28, "benchmark": 36, "top_reasons": 90, "company_id": 18}
    for key, title in areas:
        name = _sheet_name(title, used)
        ws = wb.create_sheet(name)
        ws.append([label for _, label in COLUMNS])
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        band_col = [k for k, _ in COLUMNS].index("band") + 1
        for row in board_rows(profiles, key, replies):
            ws.append([row[k] for k, _ in COLUMNS])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":  # openpyxl reads text starting with '=' as a formula
                    cell.data_type = "s"
            cell = ws.cell(row=ws.max_row, column=band_col)
            if row["band"] in fills:
                cell.fill = fills[row["band"]]
        for i, (k, _) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = widths.get(k, 12)
            if k in _FORMATS:
                for (c,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    c.number_format = _FORMATS[k]
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(ws.max_row, 1)}"
    items = list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)
    about = wb.create_sheet(_sheet_name("About", used))
    for label, value in (
        ("As of", items[0].as_of.isoformat() if items else ""),
        ("Weights version", items[0].weights_version if items else ""),
        ("Companies", len(items)),
        ("Made by", f"engage {__version__}"),
        ("Rank", "1 = lowest unmanaged risk among the rated companies of the workspace; not rated: nothing on record"),
        ("External benchmarks", "shown beside engage's numbers, never blended into them"),
        (
            "Replies",
            "letters and replies from the investor's engagement logs (engagements/), as of the same date; "
            "beside the risk score, never blended into it; empty: no log",
        ),
        ("Method", "docs/methodology.md in the engage repository"),
    ):
        about.append([label, value])
        about.cell(row=about.max_row, column=1).font = bold
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 70
    return workbook_bytes(wb, items[0].as_of if items else None)


def workbook_bytes(wb: Any, day: dt.date | None) -> bytes:
    """Return an openpyxl workbook as .xlsx bytes dated ``day`` (None: undated): identical content, identical bytes."""
    if day is not None:
        stamp = dt.datetime.combine(day, dt.time())
        wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = f"engage {__version__}"
    buf = io.BytesIO()
    # Workbook.save() stamps the clock into docProps/core.xml; its writer, called directly, keeps ours.
    from openpyxl.writer.excel import ExcelWriter  # openpyxl only for a workbook (see board_xlsx)

    ExcelWriter(wb, ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True)).save()
    return stamp_zip(buf.getvalue(), day) if day is not None else buf.getvalue()


def tables_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]], day: dt.date) -> bytes:
    """Return an .xlsx workbook with one sheet per (title, header, rows): bold frozen header, filters, text as text.

    Reproducible like ``board_xlsx``: the workbook is dated ``day`` (the report's end date).
    """
    # openpyxl only for a workbook: the other exports and every other command never pay for it
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font  # (the same reason)
    from openpyxl.utils import get_column_letter  # (the same reason)

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for title, header, rows in sheets:
        ws = wb.create_sheet(_sheet_name(title, used))
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append([v.isoformat() if isinstance(v, dt.date) else v for v in row])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":  # text starting with '=' stays text
                    cell.data_type = "s"
        for i, name in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 60 if name in ("text", "summary", "ask") else 16
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{max(ws.max_row, 1)}"
    return workbook_bytes(wb, day)


def _sheet_name(title: str, used: set[str]) -> str:
    """Return an Excel-safe, unique sheet name (31 characters, no []:*?/\\)."""
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\").strip() or "Sheet"
    name = clean[:31]
    n = 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = clean[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


# --------------------------------------------------------------------------- JSON Schema of the profile

_DESCRIPTIONS = {
    "Profile": "A company's risk profile as of a date (engage.profile.Profile).",
    "AreaScore": "Scores of one action area, or 'overall'; 0-100, contributions sum to the totals.",
    "Contribution": "What one record added to a score, and why.",
    "Gap": "A gap an investor should ask about; priority 0-100.",
    "Question": "A ranked engagement question, plain text.",
    "Opportunity": "Own progress ('commitment'), an area lever ('area') or peer practice ('peer').",
    "PeerRank": "Rank among the workspace's companies: 1 = lowest net risk.",
    "Source": "A dated source (title, publisher, url, date) cited by a question.",
    "Benchmark": "An external benchmark from the records, shown beside, never blended.",
    "Ask": "A numbered ask, in the words of the brief and the letter; record_ids are the records it rests on.",
}


def profile_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``Profile.to_dict()``, derived from the dataclasses."""
    defs: dict[str, Any] = {}

    def of(tp: Any) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is type(None):
            return {"type": "null"}
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [of(a) for a in args]}
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is dt.date:
            return {"type": "string", "format": "date"}
        if tp is PartialDate:
            return {
                "type": "string",
                "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
                "description": "YYYY, YYYY-MM or YYYY-MM-DD",
            }
        if origin in (tuple, list):
            return {"type": "array", "items": of(args[0]) if args else {}}
        if origin in (dict, Mapping) or origin is typing.Mapping or str(origin).endswith("Mapping"):
            return {"type": "object", "additionalProperties": of(args[1]) if len(args) > 1 else {}}
        if dataclasses.is_dataclass(tp):
            name = getattr(tp, "__name__", "Object")
            if name not in defs:
                defs[name] = {}
                # a dataclass's hints resolve in its own module, wherever the profile model lives
                names = vars(sys.modules[tp.__module__]) | {"PartialDate": PartialDate, "Source": Source}
                hints = typing.get_type_hints(tp, names)
                fields = [f for f in dataclasses.fields(tp) if is_json_field(f)]
                defs[name] = {
                    "type": "object",
                    "description": _DESCRIPTIONS.get(name, (tp.__doc__ or "").strip().splitlines()[0]),
                    "properties": {f.name: of(hints[f.name]) for f in fields},
                    "required": [f.name for f in fields],
                    "additionalProperties": False,
                }
            return {"$ref": f"#/$defs/{name}"}
        return {}

    root = of(Profile)
    assert root["$ref"] == "#/$defs/Profile"
    body = defs.pop("Profile")
    body["properties"] = {"schema_version": {"const": SCHEMA_VERSION}, **body["properties"]}
    # `engage profile --json` adds the asks (profile_document); Profile.to_dict() alone has none.
    body["properties"]["asks"] = {"type": "array", "items": of(Ask)}
    body["required"] = ["schema_version", *body["required"]]
    for name in ("AreaScore",):
        defs[name]["properties"]["band"] = {"enum": list(BANDS)}
        defs[name]["properties"]["trend"] = {"enum": ["rising", "falling", "steady"]}
    defs["Contribution"]["properties"]["role"] = {"enum": ["exposure", "penalty", "credit"]}
    defs["Contribution"]["properties"]["record_kind"] = {"enum": ["baseline", "allegation", "commitment", "policy"]}
    defs["AreaScore"]["properties"]["trend_cause"] = {"enum": list(TREND_CAUSES)}
    defs["Gap"]["properties"]["kind"] = {"enum": list(GAP_KINDS)}
    defs["Opportunity"]["properties"]["kind"] = {"enum": ["commitment", "area", "peer"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"engage risk profile, schema version {SCHEMA_VERSION}",
        **body,
        "$defs": defs,
    }


def profile_document(profile: Profile, asks: Sequence[Ask]) -> str:
    """Return ``engage profile --json``: the profile as JSON with its numbered asks, in the letter's words."""
    doc = profile.to_dict()
    doc["asks"] = [to_plain(a) for a in asks]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def profile_json_schema_text() -> str:
    """Return the profile JSON Schema as the text of docs/profile.schema.json."""
    return json.dumps(profile_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # regenerate: python -m engage.documents.export > docs/profile.schema.json
    print(profile_json_schema_text(), end="")
