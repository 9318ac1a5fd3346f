"""Company records: YAML files -> validated, frozen dataclasses that remember file and line.

``load_company`` reads one file and raises ``DataError`` with every problem in it;
``load_companies`` reads many and returns the good ones with all problems, so a batch can
go on without the broken ones; ``check_company`` adds the warnings that describe the
state of the public record (stale sources, no company response...).
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import PartialDate
from .errors import DataError, Problem
from .spec import ID_RE, Context, Field, Obj, convert_object
from .taxonomy import Taxonomy
from .yamlsafe import Node, YamlProblem, compose_file, problem_at

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "severe")
ALLEGATION_STATUSES: tuple[str, ...] = (
    "alleged",
    "under-investigation",
    "legal-action",
    "substantiated",
    "remediated",
    "dismissed",
)
COMMITMENT_STATUSES: tuple[str, ...] = ("announced", "in-progress", "achieved", "missed", "withdrawn")
VERIFICATIONS: tuple[str, ...] = ("none", "self-reported", "third-party", "certified")
POLICY_KINDS: tuple[str, ...] = (
    "hrdd-policy",
    "supplier-code",
    "fpic-policy",
    "grievance-mechanism",
    "smelter-list",
    "sourcing-disclosure",
    "deforestation-policy",
    "responsible-minerals-policy",
    "decarbonisation-policy",
    "other",
)
# none-found: a dated, sourced assessment looked and found no such policy ("we looked and found
# nothing"); no policy record at all in an area means nobody has looked.
POLICY_STATUSES: tuple[str, ...] = ("none-found", "adopted", "implemented", "verified")

STALE_MONTHS = 24

_TEXT = Field("text", "text")
_AREAS = Field(
    "areas",
    "list",
    required=True,
    min_items=1,
    items=Field("area", "enum", choices_from="areas"),
    description="keys of the action-area taxonomy",
    examples=(["steel"],),
)
_MATERIALS = Field("materials", "list", items=Field("material", "enum", choices_from="materials"))
_REGIONS = Field(
    "regions", "list", items=Field("region", "country"), description="ISO 3166-1 alpha-2 codes of where it happened"
)
_SUPPLIERS = Field("suppliers", "list", items=_TEXT, description="suppliers, smelters or mines the item ties in")

SOURCE_SPEC = Obj(
    (
        Field("title", "text", required=True, description="headline or document title"),
        Field("publisher", "text"),
        Field("url", "url", description="http(s) address"),
        Field("date", "partial-date", description="publication date of the source"),
    ),
    "A dated source for a record.",
)
_SOURCES = Field(
    "sources",
    "list",
    required=True,
    min_items=1,
    items=Field("source", "object", obj=SOURCE_SPEC),
    description="at least one source",
)

ALLEGATION_SPEC = Obj(
    (
        Field("id", "id", required=True, description="unique within the file"),
        Field("title", "text", required=True),
        Field("date", "partial-date", required=True, description="YYYY, YYYY-MM or YYYY-MM-DD"),
        _AREAS,
        Field("severity", "enum", required=True, choices=SEVERITIES),
        Field("status", "enum", required=True, choices=ALLEGATION_STATUSES),
        _MATERIALS,
        _REGIONS,
        _SUPPLIERS,
        Field("summary", "text"),
        Field("company_response", "text", description="the company's reply, if any"),
        Field("updated", "partial-date", description="date of the latest dated development"),
        _SOURCES,
    ),
    "An allegation of harm in the company's operations or supply chain.",
)

COMMITMENT_SPEC = Obj(
    (
        Field("id", "id", required=True, description="unique within the file"),
        Field("title", "text", required=True),
        Field("date", "partial-date", required=True, description="when announced"),
        _AREAS,
        Field("status", "enum", required=True, choices=COMMITMENT_STATUSES),
        Field("target", "text", description="the target, in words"),
        Field("target_year", "int", minimum=1990, maximum=2100),
        Field("verification", "enum", choices=VERIFICATIONS, description="defaults to none"),
        _MATERIALS,
        _REGIONS,
        _SUPPLIERS,
        Field("summary", "text"),
        Field("progress", "text", description="stated progress, in words"),
        _SOURCES,
    ),
    "A commitment the company has made.",
)

POLICY_SPEC = Obj(
    (
        Field("id", "id", required=True, description="unique within the file, across all record kinds"),
        Field("title", "text", required=True),
        Field(
            "date",
            "partial-date",
            required=True,
            description="when the policy was adopted or published, or when the assessment was published",
            examples=("2024-05",),
        ),
        _AREAS,
        Field(
            "kind",
            "enum",
            required=True,
            choices=POLICY_KINDS,
            description="what sort of management system or disclosure",
            examples=("hrdd-policy",),
        ),
        Field(
            "status",
            "enum",
            required=True,
            choices=POLICY_STATUSES,
            description=(
                "none-found: a dated, sourced assessment looked for such a policy and found none; "
                "adopted: the policy exists; implemented: it is applied; verified: independently verified or audited"
            ),
            examples=("adopted",),
        ),
        Field(
            "assessed_by",
            "text",
            description="who found it: the company itself, or the assessor (Lead the Charge...)",
            examples=("Lead the Charge",),
        ),
        Field("summary", "text"),
        _SOURCES,
    ),
    "A management system or disclosure in one or more areas, or a dated assessment that found none.",
)

BENCHMARK_SPEC = Obj(
    (
        Field("name", "text", required=True, examples=("Lead the Charge Leaderboard",)),
        Field("year", "int", required=True, minimum=1990, maximum=2100),
        Field("rank", "int", minimum=1),
        Field("of", "int", minimum=1),
        Field("score_pct", "number", minimum=0, maximum=100),
        Field("url", "url"),
        Field("notes", "list", items=_TEXT),
        Field("sources", "list", items=Field("source", "object", obj=SOURCE_SPEC)),
    ),
    "An external benchmark score: shown beside engage's own numbers, never blended in.",
)

CONTACT_SPEC = Obj(
    (
        Field("name", "text"),
        Field("role", "text"),
        Field("email", "email"),
        Field("address", "text"),
    ),
    "The addressee of letters.",
)

EXPOSURE_ADJUSTMENT_SPEC = Obj(
    (
        Field(
            "area", "enum", required=True, choices_from="areas", description="the action area whose baseline it scales"
        ),
        Field(
            "factor",
            "number",
            required=True,
            minimum=0,
            maximum=3,
            description="multiplies the sector baseline: 0 for a maker that buys none of it, 1.5 for half again",
            examples=(0,),
        ),
        Field("reason", "text", required=True, description="why this company differs from the sector, in a sentence"),
        _SOURCES,
    ),
    "A sourced adjustment of the sector's baseline exposure in one area for this company.",
)

PAST_AGM_SPEC = Obj(
    (
        Field("date", "date", required=True, description="the day the meeting was held, YYYY-MM-DD"),
        _SOURCES,
    ),
    "A past annual general meeting: the day it was held and a source that states it.",
)

COMPANY_SPEC = Obj(
    (
        Field("name", "text", required=True, examples=("Volkswagen Group",)),
        Field(
            "legal_name",
            "text",
            description="the full registered name as the company's own filings or notices give it; "
            "letters are addressed to it; leave out when no credible source states it",
            examples=("Volkswagen Aktiengesellschaft",),
        ),
        Field(
            "country",
            "country",
            description="ISO 3166-1 alpha-2 code of the home country; leave out when the sources do not state it",
            examples=("DE",),
        ),
        Field("isin", "isin", description="check digit validated"),
        Field("agm", "date", description="next annual general meeting, YYYY-MM-DD, once announced"),
        Field(
            "agms",
            "list",
            items=Field("agm", "object", obj=PAST_AGM_SPEC),
            unique="date",
            description="past annual general meetings, each with a source; the next one is estimated from them",
        ),
        Field("contact", "object", obj=CONTACT_SPEC),
        Field("benchmarks", "list", items=Field("benchmark", "object", obj=BENCHMARK_SPEC)),
        Field("allegations", "list", items=Field("allegation", "object", obj=ALLEGATION_SPEC), unique="id"),
        Field("commitments", "list", items=Field("commitment", "object", obj=COMMITMENT_SPEC), unique="id"),
        Field("policies", "list", items=Field("policy", "object", obj=POLICY_SPEC), unique="id"),
        Field(
            "exposure_adjustments",
            "list",
            items=Field("adjustment", "object", obj=EXPOSURE_ADJUSTMENT_SPEC),
            unique="area",
            description="sourced reasons this company's inherent exposure differs from the sector baseline",
        ),
    ),
    "One company's record: allegations, commitments and policies, each with dated sources.",
)


@dataclass(frozen=True)
class Source:
    """A dated source for a record."""

    title: str
    publisher: str | None = None
    url: str | None = None
    date: PartialDate | None = None


@dataclass(frozen=True)
class Allegation:
    """An allegation of harm, with its severity, status and sources."""

    id: str
    title: str
    date: PartialDate
    areas: tuple[str, ...]
    severity: str
    status: str
    sources: tuple[Source, ...]
    materials: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()
    summary: str | None = None
    company_response: str | None = None
    updated: PartialDate | None = None
    line: int = 0

    @property
    def latest(self) -> PartialDate:
        """Return the date of the latest dated development: the record, its update or its newest source."""
        dates = [self.date] + ([self.updated] if self.updated else []) + [s.date for s in self.sources if s.date]
        return max(dates)


@dataclass(frozen=True)
class Commitment:
    """A commitment, with what it promises and how credible it is."""

    id: str
    title: str
    date: PartialDate
    areas: tuple[str, ...]
    status: str
    sources: tuple[Source, ...]
    target: str | None = None
    target_year: int | None = None
    verification: str = "none"
    materials: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()
    summary: str | None = None
    progress: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Policy:
    """A management system or disclosure in one or more areas, or an assessment that found none."""

    id: str
    title: str
    date: PartialDate  # when the policy was adopted/published, or when the assessment was published
    areas: tuple[str, ...]  # taxonomy area keys
    kind: str  # one of POLICY_KINDS
    status: str  # one of POLICY_STATUSES
    sources: tuple[Source, ...]
    assessed_by: str | None = None  # who found it: the company itself, Lead the Charge...
    summary: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Benchmark:
    """An external benchmark result for one year."""

    name: str
    year: int
    rank: int | None = None
    of: int | None = None
    score_pct: float | None = None
    url: str | None = None
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class ExposureAdjustment:
    """A sourced reason why one area's sector baseline is scaled for this company."""

    area: str
    factor: float
    reason: str
    sources: tuple[Source, ...]
    line: int = 0


@dataclass(frozen=True)
class PastAgm:
    """An annual general meeting that was held, with the sources that state its date."""

    date: dt.date
    sources: tuple[Source, ...]
    line: int = 0


@dataclass(frozen=True)
class Contact:
    """Who letters are addressed to."""

    name: str | None = None
    role: str | None = None
    email: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Company:
    """One company's validated record; ``path`` is the file it came from."""

    id: str
    name: str
    country: str | None
    path: Path
    legal_name: str | None = None
    isin: str | None = None
    agm: dt.date | None = None
    agms: tuple[PastAgm, ...] = ()
    contact: Contact | None = None
    benchmarks: tuple[Benchmark, ...] = ()
    allegations: tuple[Allegation, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    policies: tuple[Policy, ...] = ()
    exposure_adjustments: tuple[ExposureAdjustment, ...] = ()
    lines: dict[str, tuple[int, int]] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @property
    def newest_date(self) -> PartialDate | None:
        """Return the newest record date (allegation, commitment or policy), or None when there are none."""
        dates = [a.date for a in self.allegations] + [c.date for c in self.commitments]
        dates += [p.date for p in self.policies]
        return max(dates) if dates else None

    def all_sources(self) -> list[Source]:
        """Return every source of every record, in record order."""
        out: list[Source] = []
        for a in self.allegations:
            out.extend(a.sources)
        for c in self.commitments:
            out.extend(c.sources)
        for p in self.policies:
            out.extend(p.sources)
        return out


def _sources(raw: Iterable[dict[str, Any]]) -> tuple[Source, ...]:
    return tuple(Source(s["title"], s.get("publisher"), s.get("url"), s.get("date")) for s in raw)


def _company_from(company_id: str, path: Path, raw: dict[str, Any], ctx: Context) -> Company:
    def line_of(where: str) -> int:
        node = ctx.nodes.get(where)
        return node.start_mark.line + 1 if node is not None else 0

    allegations = tuple(
        Allegation(
            id=a["id"],
            title=a["title"],
            date=a["date"],
            areas=tuple(a["areas"]),
            severity=a["severity"],
            status=a["status"],
            sources=_sources(a["sources"]),
            materials=tuple(a.get("materials", ())),
            regions=tuple(a.get("regions", ())),
            suppliers=tuple(a.get("suppliers", ())),
            summary=a.get("summary"),
            company_response=a.get("company_response"),
            updated=a.get("updated"),
            line=line_of(f"allegations[{i}]"),
        )
        for i, a in enumerate(raw.get("allegations", []))
    )
    commitments = tuple(
        Commitment(
            id=c["id"],
            title=c["title"],
            date=c["date"],
            areas=tuple(c["areas"]),
            status=c["status"],
            sources=_sources(c["sources"]),
            target=c.get("target"),
            target_year=c.get("target_year"),
            verification=c.get("verification", "none"),
            materials=tuple(c.get("materials", ())),
            regions=tuple(c.get("regions", ())),
            suppliers=tuple(c.get("suppliers", ())),
            summary=c.get("summary"),
            progress=c.get("progress"),
            line=line_of(f"commitments[{i}]"),
        )
        for i, c in enumerate(raw.get("commitments", []))
    )
    policies = tuple(
        Policy(
            id=p["id"],
            title=p["title"],
            date=p["date"],
            areas=tuple(p["areas"]),
            kind=p["kind"],
            status=p["status"],
            sources=_sources(p["sources"]),
            assessed_by=p.get("assessed_by"),
            summary=p.get("summary"),
            line=line_of(f"policies[{i}]"),
        )
        for i, p in enumerate(raw.get("policies", []))
    )
    benchmarks = tuple(
        Benchmark(
            name=b["name"],
            year=b["year"],
            rank=b.get("rank"),
            of=b.get("of"),
            score_pct=b.get("score_pct"),
            url=b.get("url"),
            notes=tuple(b.get("notes", ())),
            sources=_sources(b.get("sources", ())),
        )
        for b in raw.get("benchmarks", [])
    )
    contact_raw = raw.get("contact")
    contact = Contact(**contact_raw) if contact_raw else None
    return Company(
        id=company_id,
        name=raw["name"],
        country=raw.get("country"),
        path=path,
        legal_name=raw.get("legal_name"),
        isin=raw.get("isin"),
        agm=raw.get("agm"),
        agms=tuple(
            PastAgm(m["date"], _sources(m["sources"]), line_of(f"agms[{i}]")) for i, m in enumerate(raw.get("agms", []))
        ),
        contact=contact,
        benchmarks=benchmarks,
        allegations=allegations,
        commitments=commitments,
        policies=policies,
        exposure_adjustments=_adjustments(raw, line_of),
        lines={where: (node.start_mark.line + 1, node.start_mark.column + 1) for where, node in ctx.nodes.items()},
    )


def _adjustments(raw: dict[str, Any], line_of: Callable[[str], int]) -> tuple[ExposureAdjustment, ...]:
    return tuple(
        ExposureAdjustment(
            x["area"], float(x["factor"]), x["reason"], _sources(x["sources"]), line_of(f"exposure_adjustments[{i}]")
        )
        for i, x in enumerate(raw.get("exposure_adjustments", []))
    )


def _cross_checks(raw: dict[str, Any], ctx: Context) -> None:
    """Checks that span fields: benchmark ranks within the field size, and so on."""
    for i, b in enumerate(raw.get("benchmarks", [])):
        if "rank" in b and "of" in b and b["rank"] > b["of"]:
            ctx.error(
                ctx.nodes.get(f"benchmarks[{i}].rank"),
                f"benchmarks[{i}].rank",
                f"rank {b['rank']} is beyond of {b['of']}",
            )
    _unique_ids_across_kinds(raw, ctx)
    for i, c in enumerate(raw.get("commitments", [])):
        year = c.get("target_year")
        if year is not None and year < c["date"].year:
            where = f"commitments[{i}].target_year"
            ctx.error(ctx.nodes.get(where), where, f"target year {year} is before the commitment's date {c['date']}")


_KIND_WORDS = (("allegations", "an allegation"), ("commitments", "a commitment"), ("policies", "a policy"))


def _unique_ids_across_kinds(raw: dict[str, Any], ctx: Context) -> None:
    """Ids are unique across the whole file: questions, footnotes and --explain name records by id."""
    first_use: dict[str, tuple[str, Any]] = {}
    for kind, word in _KIND_WORDS:
        used_here: dict[str, Any] = {}
        for i, rec in enumerate(raw.get(kind, [])):
            if not isinstance(rec, dict) or "id" not in rec:
                continue
            where = f"{kind}[{i}].id"
            if rec["id"] in first_use:
                other, mark = first_use[rec["id"]]
                first = f" (line {mark.line + 1})" if mark is not None else ""
                ctx.error(ctx.nodes.get(where), where, f"id '{rec['id']}' is already used by {other}{first}")
                continue
            used_here.setdefault(rec["id"], (word, getattr(ctx.nodes.get(where), "start_mark", None)))
        first_use.update(used_here)


def display_path(path: Path, root: Path | None) -> str:
    """Return ``path`` relative to ``root`` when inside it (for messages), else as given."""
    if root is not None:
        # The folder, not the file, is resolved: a record that is a symlink keeps its own name.
        try:
            return str(path.parent.resolve().relative_to(root.resolve()) / path.name)
        except ValueError:
            pass
    return str(path)


def company_id_of(path: Path) -> str:
    """Return the company id of a record file: its stem."""
    return path.stem


def load_company(path: Path, taxonomy: Taxonomy, root: Path | None = None, data: bytes | None = None) -> Company:
    """Return the validated company in ``path`` (``data``: its bytes, already read); raises DataError listing
    every problem in the file."""
    label = display_path(path, root)
    ctx = Context(label, {"areas": taxonomy.keys, "materials": taxonomy.materials})
    company_id = company_id_of(path)
    if not ID_RE.match(company_id):
        ctx.problems.append(
            Problem(
                label,
                0,
                0,
                "",
                f"file name '{path.name}' is not a valid company id; use lowercase letters, digits and hyphens "
                "(at most 64 characters), for example volkswagen.yaml",
            )
        )
    if path.suffix != ".yaml":
        ctx.problems.append(Problem(label, 0, 0, "", "record files must end in .yaml"))
    if path.is_symlink() and path.exists() and path.resolve().parent != path.parent.resolve():
        raise DataError(
            [
                *ctx.problems,
                Problem(label, 0, 0, "", "is a link to a file outside its folder; copy the record into companies/"),
            ]
        )
    try:
        node: Node | None = compose_file(path, data)
    except YamlProblem as exc:
        raise DataError([*ctx.problems, Problem(label, exc.line, exc.column, "", exc.message)]) from None
    if node is None:
        raise DataError([*ctx.problems, Problem(label, 1, 1, "", "file is empty; expected at least name:")])
    raw = convert_object(COMPANY_SPEC, node, "", ctx)
    if raw is not None:
        _cross_checks(raw, ctx)
    if ctx.problems or raw is None:
        raise DataError(sorted(ctx.problems, key=lambda p: (p.line, p.column)))
    return _company_from(company_id, path, raw, ctx)


def find_company_files(companies_dir: Path) -> list[Path]:
    """Return the record files in ``companies_dir``, sorted by name (hidden files skipped).

    Anything named like a record is returned, even a directory, a broken link or ``X.YAML``,
    so that loading it reports why it is not a usable record instead of skipping it silently.
    """
    if not companies_dir.is_dir():
        return []
    return sorted(
        p for p in companies_dir.iterdir() if p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith(".")
    )


def load_companies(
    paths: Sequence[Path], taxonomy: Taxonomy, root: Path | None = None
) -> tuple[list[Company], list[Problem]]:
    """Return the companies that loaded and the problems of those that did not."""
    companies: list[Company] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            companies.append(load_company(path, taxonomy, root))
        except DataError as exc:
            problems.extend(exc.problems or [Problem(display_path(path, root), 0, 0, "", str(exc))])
    return companies, problems


def _warn(company: Company, label: str, where: str, message: str, kind: str) -> Problem:
    line, column = company.lines.get(where, (0, 0))
    return Problem(label, line, column, where, message, "warning", kind)


def check_company(company: Company, as_of: dt.date, root: Path | None = None) -> list[Problem]:
    """Return the warnings about a valid company as of a date: stale data, past AGM, no response, overdue targets."""
    label = display_path(company.path, root)
    warnings: list[Problem] = []
    source_dates = [s.date for s in company.all_sources() if s.date]
    newest = max(source_dates) if source_dates else None
    records = len(company.allegations) + len(company.commitments) + len(company.policies)
    if records and newest is not None:
        cutoff = _months_before(as_of, STALE_MONTHS)
        if newest.last_day() < cutoff:
            warnings.append(
                Problem(
                    label,
                    0,
                    0,
                    "",
                    f"stale: the newest source is from {newest}, more than {STALE_MONTHS} months before {as_of}",
                    "warning",
                    "stale",
                )
            )
    if company.country is None:
        warnings.append(
            Problem(
                label,
                0,
                0,
                "country",
                "no home country on record; add it when a source states it",
                "warning",
                "no-country",
            )
        )
    if company.agm is not None and company.agm < as_of:
        warnings.append(
            _warn(
                company,
                label,
                "agm",
                f"the AGM on record ({company.agm}) is before {as_of}; record the next one once announced, and move "
                "this one to agms: with its source (the next is estimated from agms: until then)",
                "past-agm",
            )
        )
    for i, a in enumerate(company.allegations):
        if a.company_response is None and a.status not in ("dismissed",):
            warnings.append(
                _warn(company, label, f"allegations[{i}]", f"'{a.id}' has no company response on record", "no-response")
            )
    for i, c in enumerate(company.commitments):
        if c.target_year is not None and c.target_year < as_of.year and c.status in ("announced", "in-progress"):
            warnings.append(
                _warn(
                    company,
                    label,
                    f"commitments[{i}].target_year",
                    f"'{c.id}' targeted {c.target_year} and is still {c.status}; update its status",
                    "overdue",
                )
            )
    groups: tuple[tuple[str, Sequence[Allegation | Commitment | Policy]], ...] = (
        ("allegations", company.allegations),
        ("commitments", company.commitments),
        ("policies", company.policies),
    )
    for kind, items in groups:
        for i, rec in enumerate(items):
            for j, s in enumerate(rec.sources):
                if s.url is None:
                    warnings.append(
                        _warn(company, label, f"{kind}[{i}].sources[{j}]", f"source '{s.title}' has no url", "no-url")
                    )
            warnings.extend(_future_dates(company, label, f"{kind}[{i}]", rec, as_of))
    return warnings


def _future_dates(
    company: Company, label: str, where: str, rec: Allegation | Commitment | Policy, as_of: dt.date
) -> list[Problem]:
    """Return a warning for each date of ``rec`` after ``as_of``: a typo, or something not yet known then."""
    out = []
    if rec.date.first_day() > as_of:
        out.append(
            _warn(
                company,
                label,
                f"{where}.date",
                f"'{rec.id}' is dated {rec.date}, after {as_of}; it counts only from then (a typo?)",
                "future-date",
            )
        )
    updated = getattr(rec, "updated", None)
    if updated is not None and updated.first_day() > as_of:
        out.append(
            _warn(company, label, f"{where}.updated", f"'{rec.id}' is updated {updated}, after {as_of}", "future-date")
        )
    for j, s in enumerate(rec.sources):
        if s.date is not None and s.date.first_day() > as_of:
            out.append(
                _warn(
                    company,
                    label,
                    f"{where}.sources[{j}].date",
                    f"source '{s.title}' is dated {s.date}, after {as_of}; documents cite it only from then",
                    "future-date",
                )
            )
    return out


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def find_unknown_ids(requested: Sequence[str], available: Sequence[str]) -> list[str]:
    """Return the requested company ids that are not in ``available`` (for a clear usage error)."""
    return [r for r in requested if r not in available]


def suggest_id(value: str, available: Sequence[str]) -> str:
    """Return a "did you mean" hint for an unknown company id, or ''."""
    close = difflib.get_close_matches(value, list(available), n=1, cutoff=0.6)
    if not close:
        close = [a for a in available if re.sub(r"[^a-z0-9]", "", value.lower()) in a.replace("-", "")][:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


def node_problem(path: str, node: Node | None, where: str, message: str) -> Problem:
    """Return an error Problem located at a node (re-exported for settings loaders)."""
    return problem_at(path, node, where, message)
