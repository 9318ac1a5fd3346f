"""The plan of a batch run: which companies, and per document whether it is up to date and why not.

``plan_batch`` selects companies, validates them, compiles the profiles of the whole
workspace (peer ranks depend on every company) and gives each document a fingerprint: a
hash of everything its bytes depend on. When the inputs of the previous identical run are
unchanged, the plan is made from the manifest alone: no YAML parsing, no profiles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..agm import next_agm
from ..engagement.log import EngagementLog, load_logs
from ..errors import DataError, UsageError
from ..records import Company, company_id_of, display_path, load_company, suggest_id
from ..signatories import load_signatories
from ..taxonomy import Taxonomy, load_taxonomy
from ..workspace import Settings, Signatory, Workspace, load_settings
from ..yamlsafe import MappingNode, YamlProblem, compose_file
from .fingerprint import Inputs, digest_json, hash_inputs
from .kinds import KINDS, DocumentKind, RenderContext
from .manifest import outputs_intact, read_manifest
from .options import BatchOptions, shard_of

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import Profile


@dataclass(frozen=True)
class PlannedDocument:
    """One document of one company: whether it will be rendered, and why."""

    kind: str
    action: str  # 'render' | 'skip'
    reason: str
    fingerprint: str
    parts: Mapping[str, str]
    files: tuple[str, ...]  # relative to the output folder: '<id>/brief.pdf'


@dataclass(frozen=True)
class PlanItem:
    """One selected company: its documents, or the data error that stops them."""

    company_id: str
    name: str
    agm: dt.date | None  # the next AGM at the as-of date: announced, or expected (estimated from past ones)
    documents: tuple[PlannedDocument, ...] = ()
    error: str | None = None  # the first problem of an invalid record
    band: str | None = None
    net: float | None = None
    agm_expected: bool = False  # ``agm`` is an estimate from past AGMs, not an announced date

    @property
    def action(self) -> str:
        """Return 'fail' (invalid record), 'render' (some document is stale) or 'skip'."""
        if self.error is not None:
            return "fail"
        return "render" if any(d.action == "render" for d in self.documents) else "skip"

    def to_dict(self) -> dict[str, Any]:
        """Return the item as plain JSON values: the company, its action and, per document, action and reason."""
        return {
            "company": self.company_id,
            "name": self.name,
            "agm": self.agm.isoformat() if self.agm else None,
            "band": self.band,
            "net": self.net,
            "action": self.action,
            "error": self.error,
            "documents": [
                {"kind": d.kind, "action": d.action, "reason": d.reason, "files": list(d.files)} for d in self.documents
            ],
        }


@dataclass
class Plan:
    """What a run will do, company by company; ``fast`` when made from the manifest alone."""

    workspace: Workspace
    options: BatchOptions
    out_dir: Path
    items: list[PlanItem]
    inputs: Inputs
    manifest: dict[str, Any]
    fast: bool = False
    context: RenderContext | None = None
    companies: dict[str, Company] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    kinds: dict[str, DocumentKind] = field(default_factory=dict)
    all_companies: list[Company] = field(default_factory=list)

    @property
    def to_render(self) -> list[PlanItem]:
        """Return the items with at least one stale document."""
        return [i for i in self.items if i.action == "render"]

    @property
    def writes_index(self) -> bool:
        """Return whether this run keeps briefs/index.html and index.pdf (not shards other than 1/N)."""
        return self.options.index and (self.options.shard is None or self.options.shard[0] == 1)

    @property
    def counts(self) -> Counter[str]:
        """Return how many items will 'render', 'skip' or 'fail'."""
        return Counter(item.action for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain JSON values (``engage batch --dry-run --json``)."""
        counts = self.counts
        return {
            "as_of": self.options.as_of.isoformat(),
            "selection": self.options.selection.describe(self.options.as_of),
            "out": str(self.out_dir),
            "fast": self.fast,
            "index": self.writes_index,
            "counts": {action: counts.get(action, 0) for action in ("render", "skip", "fail")},
            "companies": [item.to_dict() for item in self.items],
        }

    def letter_warnings(self) -> list[str]:
        """Return the run's warnings about letters: a weekend deadline, pre-AGM letters that name no meeting.

        Said once per run, not per company; empty for a plan made from the manifest alone.
        """
        context = self.context
        if self.fast or context is None or "letter" not in self.kinds:
            return []
        # The letter modules load only when letters are planned.
        from ..documents.letter_deadline import no_agm_warning, weekend_warning

        warnings = []
        if context.respond_by is not None:
            weekend = weekend_warning(context.respond_by)
            if weekend:
                warnings.append(weekend)
        stage = context.stage or context.settings.letter.get("stage", "first")
        if stage != "pre-agm":
            return warnings
        undated = [
            item
            for item in self.items
            if item.error is None
            and (item.agm is None or item.agm_expected or item.agm <= context.as_of)
            and any(d.kind == "letter" and d.action == "render" for d in item.documents)
        ]
        if len(undated) == 1:
            item = undated[0]
            company = self.companies.get(item.company_id)
            agm = company.agm if company else None
            expected = item.agm if item.agm_expected else None
            warnings.append(no_agm_warning(item.company_id, f"{item.company_id}.yaml", agm, expected))
        elif undated:
            ids = [i.company_id for i in undated]
            shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
            warnings.append(
                f"{len(ids)} companies have no announced AGM on record ({shown}), so their pre-AGM letters name no "
                "meeting date (an AGM expected from past meetings is not stated as fact); add 'agm: YYYY-MM-DD' to "
                "their records once announced to name it"
            )
        return warnings


def _first_problem(exc: DataError, label: str) -> str:
    """Return the first error of an invalid record, with how many more there are."""
    problems = [p for p in exc.problems if p.level != "warning"]
    if problems:
        more = f" (and {len(problems) - 1} more; run `engage check`)" if len(problems) > 1 else ""
        return f"{problems[0]}{more}"
    return f"{label}: {exc}"


def _raw_agm(path: Path) -> dt.date | None:
    """Return the ``agm:`` of a record that did not validate, if it can still be read; else None."""
    try:
        node = compose_file(path)
    except YamlProblem:
        return None
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if getattr(key, "value", None) == "agm":
            with contextlib.suppress(ValueError, TypeError):
                return dt.date.fromisoformat(str(value.value))
    return None


def _peer_part(profile: Profile) -> str:
    """Hash the values a company's documents take from its peers: ranks, medians and peer opportunities."""
    # Called only once profiles exist, so engage.profile is loaded already; kept local for its import cost.
    from ..profile import to_plain

    return digest_json({"ranks": to_plain(profile.ranks), "opportunities": to_plain(profile.opportunities)})


def _fingerprint(parts: Mapping[str, str]) -> str:
    """Return one hash over a document's parts."""
    return digest_json(dict(parts))


_PART_REASONS = {
    "record": "record changed",
    "peers": "peer ranks or peer practice changed",
    "as_of": "as-of date changed",
    "options": "options changed",
    "engage": "engage or its templates changed",
    "settings": "engage.yaml changed",
    "taxonomy": "taxonomy.yaml changed",
    "templates": "templates/ changed",
    "signatories": "signatories file changed",
}


def why_stale(old: Mapping[str, Any] | None, parts: Mapping[str, str], out_dir: Path, force: bool) -> str | None:
    """Return why a document must be rendered, or None when it is up to date."""
    if force:
        return "forced"
    if not old:
        return "new"
    if old.get("status") != "ok":
        return "failed last time"
    old_parts = old.get("parts") or {}
    changed = [name for name in parts if old_parts.get(name) != parts[name]]
    changed += [name for name in old_parts if name not in parts]
    if changed:
        reasons = list(dict.fromkeys(_PART_REASONS.get(name, f"{name} changed") for name in changed))
        return ", ".join(reasons)
    if old.get("fingerprint") != _fingerprint(parts):
        return "fingerprint changed"
    if not outputs_intact(out_dir, old.get("outputs") or {}):
        return "output missing or modified"
    return None


def _resolve_kinds(names: Sequence[str], kinds: Mapping[str, DocumentKind]) -> dict[str, DocumentKind]:
    unknown = [n for n in names if n not in kinds]
    if unknown:
        raise UsageError(f"unknown document kind '{unknown[0]}'; choose from {', '.join(kinds)}")
    if not names:
        raise UsageError("--only needs at least one of: " + ", ".join(kinds))
    return {n: kinds[n] for n in dict.fromkeys(names)}


def _letter_defaults(settings: Settings, options: BatchOptions) -> tuple[tuple[str, ...], str | None]:
    """Return the letter formats and stage: the options, else engage.yaml, else what `engage letter` does."""
    formats = options.letter_formats
    if not formats:
        # The letter modules load only when letters are planned.
        from ..documents.letter_files import FORMATS

        formats = tuple(settings.letter.get("formats") or FORMATS)
    return tuple(dict.fromkeys(formats)), options.stage


def _fast_plan(
    ws: Workspace, options: BatchOptions, out_dir: Path, inputs: Inputs, manifest: dict[str, Any]
) -> Plan | None:
    """Return an all-skip plan when the previous identical run saw the same inputs and its outputs are intact.

    The run record keeps, per company, the fingerprints that run left; each must still be
    the one in the manifest (another run with other options may have replaced a document).
    """
    if options.force:
        return None
    run = (manifest.get("runs") or {}).get(options.run_key())
    if not run or run.get("inputs") != inputs.digest or not isinstance(run.get("companies"), dict):
        return None
    items: list[PlanItem] = []
    for cid, fingerprints in run["companies"].items():
        entry = manifest["companies"].get(cid)
        if not entry or entry.get("error") or not isinstance(fingerprints, dict):
            return None
        documents = []
        for kind in options.kinds:
            doc = (entry.get("documents") or {}).get(kind)
            if not doc or doc.get("status") != "ok" or doc.get("fingerprint") != fingerprints.get(kind):
                return None
            if not outputs_intact(out_dir, doc.get("outputs") or {}):
                return None
            documents.append(
                PlannedDocument(
                    kind, "skip", "up to date", doc["fingerprint"], doc.get("parts") or {}, tuple(doc["outputs"])
                )
            )
        agm = entry.get("agm")
        items.append(
            PlanItem(
                cid,
                entry.get("name", cid),
                dt.date.fromisoformat(agm) if agm else None,
                tuple(documents),
                band=entry.get("band"),
                net=entry.get("net"),
                agm_expected=bool(entry.get("agm_expected")),
            )
        )
    if options.index and (options.shard is None or options.shard[0] == 1):
        index = manifest.get("index")
        if not index or not outputs_intact(out_dir, index.get("outputs") or {}):
            return None
    return Plan(ws, options, out_dir, items, inputs, manifest, fast=True)


def plan_batch(
    ws: Workspace,
    options: BatchOptions,
    *,
    kinds: Mapping[str, DocumentKind] | None = None,
    judge_only: bool = False,
) -> Plan:
    """Return the plan of a run: the selected companies and, per document, render or skip and why.

    Raises DataError when the settings, taxonomy or weights are invalid or letters have no
    signatories (every company needs them) and UsageError for bad options or a bad
    selection; an invalid company record becomes a failed item and the others go on.
    ``judge_only`` (for the agenda) always compares fingerprints and does not check what
    only rendering needs.
    """
    options.check()
    chosen = _resolve_kinds(options.kinds, kinds or KINDS)
    out_dir = (options.out_dir or ws.default_out).resolve()
    inputs = hash_inputs(ws, options.signatories_file)
    manifest = read_manifest(out_dir)
    fast = None if judge_only else _fast_plan(ws, options, out_dir, inputs, manifest)
    if fast is not None:
        fast.kinds = chosen
        return fast

    # engage.profile takes about 0.1 s to import; a run whose inputs did not change returned above.
    from ..profile import NOT_RATED, compile_profiles, load_weights

    settings = load_settings(ws)
    taxonomy = load_taxonomy(ws.root)
    weights = load_weights(settings.weights or None)
    signatories = None
    if options.signatories_file is not None:
        signatories = load_signatories(options.signatories_file, ws.root)
    if "letter" in chosen and chosen["letter"] is KINDS["letter"] and not judge_only:
        _check_signatories(settings, signatories)
    companies, errors = _load_companies(ws, taxonomy)
    logs = _load_logs(ws, taxonomy, settings, companies, errors)
    ids = shard_of(_select(ws, options, companies, errors), options.shard)
    profiles = compile_profiles(list(companies.values()), taxonomy, options.as_of, weights) if companies else {}
    formats, stage = _letter_defaults(settings, options)
    context = RenderContext(
        root=ws.root,
        templates_dir=ws.templates_dir if ws.templates_dir.is_dir() else None,
        out_dir=out_dir,
        settings=settings,
        taxonomy=taxonomy,
        weights=weights,
        as_of=options.as_of,
        peer_count=len(profiles),
        paper=options.paper,
        letter_formats=formats,
        stage=stage,
        respond_by=options.respond_by,
        signatories=signatories,
        logs=logs,
    )
    judge = _Judge(context, chosen, inputs, manifest, options.force)
    items: list[PlanItem] = []
    for cid in ids:
        if cid in errors:
            message, path = errors[cid]
            items.append(PlanItem(cid, cid, _raw_agm(path), error=message))
            continue
        company, profile = companies[cid], profiles[cid]
        upcoming = next_agm(company, options.as_of)
        items.append(
            PlanItem(
                cid,
                company.name,
                upcoming.date if upcoming else None,
                judge.documents(cid, profile),
                # As in the brief: nothing on record as of the date is not a rating, not 'low'.
                band=profile.overall.band if profile.rated else NOT_RATED,
                net=profile.overall.net,
                agm_expected=bool(upcoming and upcoming.expected),
            )
        )
    return Plan(
        ws,
        options,
        out_dir,
        items,
        inputs,
        manifest,
        context=context,
        companies=companies,
        profiles=profiles,
        kinds=chosen,
        all_companies=list(companies.values()),
    )


def _check_signatories(settings: Settings, signatories: tuple[Signatory, ...] | None) -> None:
    """Raise DataError once for the run when letters would have no one to sign them (not once per company)."""
    # The letter modules load only when letters are planned.
    from ..documents.letter import options_from_settings, resolve_signatories

    resolve_signatories(settings, options_from_settings(settings, signatories=signatories))


def _load_companies(ws: Workspace, taxonomy: Taxonomy) -> tuple[dict[str, Company], dict[str, tuple[str, Path]]]:
    """Return every valid company by id, and (first problem, path) of every invalid one.

    Every company is loaded: peer ranks depend on all of them, and an AGM window needs dates.
    """
    companies: dict[str, Company] = {}
    errors: dict[str, tuple[str, Path]] = {}
    for path in ws.company_files():
        cid = company_id_of(path)
        try:
            companies[cid] = load_company(path, taxonomy, ws.root)
        except DataError as exc:
            errors[cid] = (_first_problem(exc, display_path(path, ws.root)), path)
    return companies, errors


def _load_logs(
    ws: Workspace,
    taxonomy: Taxonomy,
    settings: Settings,
    companies: Mapping[str, Company],
    errors: dict[str, tuple[str, Path]],
) -> dict[str, EngagementLog]:
    """Return the valid engagement logs by company id; a company whose log is invalid joins ``errors``."""
    paths = [ws.engagement_path(cid) for cid in companies if ws.engagement_path(cid).is_file()]
    known = set(companies) | set(errors)
    logs, problems = load_logs(paths, taxonomy.keys, known, [s.id for s in settings.ladder], ws.root)
    for problem in problems:
        cid = Path(problem.path).stem
        if cid in companies and cid not in errors:
            errors[cid] = (f"{problem} (engagement log; run engage check {cid})", ws.company_path(cid))
    return {log.company_id: log for log in logs if log.company_id not in errors}


class _Judge:
    """Decides, document by document, what a company needs: the parts of each fingerprint and the verdict."""

    def __init__(
        self,
        context: RenderContext,
        kinds: Mapping[str, DocumentKind],
        inputs: Inputs,
        manifest: Mapping[str, Any],
        force: bool,
    ) -> None:
        self.kinds = kinds
        self.inputs = inputs
        self.manifest = manifest
        self.force = force
        self.out_dir = context.out_dir
        self.as_of = context.as_of.isoformat()
        self.options = {name: digest_json(kind.options(context)) for name, kind in kinds.items()}
        self.files = {name: kind.files(context) for name, kind in kinds.items()}

    def documents(self, cid: str, profile: Profile) -> tuple[PlannedDocument, ...]:
        """Return the planned documents of one valid company: render or skip, and why."""
        base = {**self.inputs.shared, "record": self.inputs.companies.get(cid, "-"), "as_of": self.as_of}
        peers = _peer_part(profile)
        old_docs = (self.manifest["companies"].get(cid) or {}).get("documents") or {}
        documents = []
        for name, kind in self.kinds.items():
            parts = {**base, "options": self.options[name]}
            if kind.uses_peers:
                parts["peers"] = peers
            reason = why_stale(old_docs.get(name), parts, self.out_dir, self.force)
            documents.append(
                PlannedDocument(
                    name,
                    "skip" if reason is None else "render",
                    reason or "up to date",
                    _fingerprint(parts),
                    MappingProxyType(parts),
                    tuple(f"{cid}/{f}" for f in self.files[name]),
                )
            )
        return tuple(documents)


def _select(
    ws: Workspace, options: BatchOptions, companies: Mapping[str, Company], errors: Mapping[str, tuple[str, Path]]
) -> list[str]:
    """Return the selected ids (valid or not); raises UsageError for unknown ids."""
    available = sorted([*companies, *errors])
    sel = options.selection
    if sel.ids:
        for cid in sel.ids:
            if cid not in available:
                raise UsageError(f"no company '{cid}' in {ws.label(ws.companies_dir)}/{suggest_id(cid, available)}")
        return list(dict.fromkeys(sel.ids))
    window = sel.window(options.as_of)
    if window is None:
        return available
    first, last = window
    chosen = []
    for cid in available:
        if cid in companies:
            # The announced AGM, else the one expected from past AGMs: both select a company.
            upcoming = next_agm(companies[cid], options.as_of)
            agm = upcoming.date if upcoming else None
        else:
            agm = _raw_agm(errors[cid][1])
            if agm is None:  # an invalid record whose AGM cannot be read: report it rather than skip it
                chosen.append(cid)
                continue
        if agm is not None and first <= agm <= last:
            chosen.append(cid)
    return chosen
