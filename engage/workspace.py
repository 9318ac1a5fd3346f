"""Workspaces: where records, template overrides, settings and outputs live.

A workspace is a directory holding ``companies/`` (one YAML file per company), optionally
``templates/`` (overrides of the packaged templates), ``taxonomy.yaml`` and ``engage.yaml``
(settings). It is found from ``--workspace``, else ``ENGAGE_WORKSPACE``, else the current
directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aum import AUM_HINT, parse_aum
from .errors import DataError, Problem, UsageError
from .records import display_path, find_company_files
from .spec import Context, Field, Obj, convert_object
from .yamlsafe import MappingNode, Node, YamlProblem, compose_file

CONFIG_NAME = "engage.yaml"

SIGNATORY_SPEC = Obj(
    (
        Field("name", "text", required=True),
        Field("title", "text"),
        Field("organisation", "text"),
        Field("aum", "text", description="assets under management, as it should be printed (e.g. USD 12 bn)"),
    ),
    "One signatory of a letter.",
)

ORGANISATION_SPEC = Obj(
    (
        Field("name", "text", required=True),
        Field("address", "text"),
        Field("email", "email"),
        Field("phone", "text"),
        Field("website", "url"),
    ),
    "The investor organisation that prepares briefs and sends letters.",
)

#: Tags the documents may carry: their text is English, so a PDF tagged 'de' would mislead a screen reader.
LANGUAGES = ("en", "en-GB", "en-US")

#: What signatories may consider at an AGM when a pre-AGM letter's asks are not met.
AGM_ACTIONS = ("vote-against", "abstain", "statement", "question", "resolution")

AGM_ACTION_SPEC = Obj(
    (
        Field("action", "enum", required=True, choices=AGM_ACTIONS),
        Field("item", "text", description="the agenda item kind, e.g. the discharge of the Management Board"),
    ),
    "What the signatories will consider at the AGM if the asks are not met (pre-AGM letters).",
)

LETTER_SPEC = Obj(
    (
        Field(
            "at_agm",
            "list",
            items=Field("at_agm", "object", obj=AGM_ACTION_SPEC),
            description="what the signatories will consider at the AGM if the asks are not met (pre-AGM letters)",
        ),
        Field("respond_within_days", "int", minimum=1, maximum=365, description="default response window"),
        Field(
            "respond_before_agm_days",
            "int",
            minimum=1,
            maximum=365,
            description="deadline this many days before the AGM",
        ),
        Field("formats", "list", items=Field("format", "enum", choices=("pdf", "docx", "md"))),
        Field("stage", "enum", choices=("first", "follow-up", "pre-agm")),
        Field("sender", "text", description="name of the person who signs off on behalf of the organisation"),
    ),
    "Defaults for engagement letters.",
)

#: What starts a ladder step's clock: the latest letter's deadline passing with no response since
#: the letter, no milestone progress on an open objective, or the previous step having been taken.
LADDER_TRIGGERS = ("no-response", "no-progress", "after-previous")
#: The event kinds that take a step (a letter for a follow-up; the escalations for the rest).
LADDER_EVENTS = ("letter", "statement", "vote", "resolution", "escalation")

LADDER_STEP_SPEC = Obj(
    (
        Field("id", "id", required=True, description="the step's name, as an escalation event's step: names it"),
        Field("action", "text", required=True, description="what to do, as agenda and the brief suggest it"),
        Field("trigger", "enum", required=True, choices=LADDER_TRIGGERS),
        Field("days", "int", required=True, minimum=0, maximum=3650, description="days after the trigger starts"),
        Field("taken_by", "enum", required=True, choices=LADDER_EVENTS, description="the event kind that takes it"),
    ),
    "One step of the escalation ladder.",
)

ENGAGEMENT_SPEC = Obj(
    (
        Field(
            "ladder",
            "list",
            items=Field("step", "object", obj=LADDER_STEP_SPEC),
            unique="id",
            min_items=1,
            description="escalation steps in order (replaces the default ladder)",
        ),
        Field(
            "due_within_days",
            "int",
            minimum=0,
            maximum=999,
            description="the dashboard's 'due for action' window: an AGM within this many days (default 60)",
        ),
    ),
    "How engagements escalate, and when a company is due for action.",
)

SETTINGS_SPEC = Obj(
    (
        Field("organisation", "object", obj=ORGANISATION_SPEC),
        Field("prepared_by", "text", description="shown on the brief's cover"),
        Field(
            "language",
            "enum",
            choices=LANGUAGES,
            description="language tag of the documents (engage writes English only), default en",
        ),
        Field("signatories", "list", items=Field("signatory", "object", obj=SIGNATORY_SPEC)),
        Field("letter", "object", obj=LETTER_SPEC),
        Field("weights", "any", description="overrides of the packaged scoring weights (see docs/methodology.md)"),
        Field("engagement", "object", obj=ENGAGEMENT_SPEC),
    ),
    "engage.yaml: settings of a workspace.",
)


@dataclass(frozen=True)
class Signatory:
    """One signatory of a letter."""

    name: str
    title: str | None = None
    organisation: str | None = None
    aum: str | None = None


@dataclass(frozen=True)
class Organisation:
    """The investor organisation behind the documents."""

    name: str
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class LadderStep:
    """One escalation step: what to do, what starts its clock, after how many days, which event takes it."""

    id: str
    action: str
    trigger: str  # one of LADDER_TRIGGERS
    days: int
    taken_by: str  # one of LADDER_EVENTS
    line: int = 0


#: The ladder when engage.yaml has none (README, "The engagement log"): a follow-up 30 days after
#: a missed deadline; a statement at the AGM after 12 months without milestone progress; then a
#: vote against the chair; then a shareholder resolution.
DEFAULT_LADDER: tuple[LadderStep, ...] = (
    LadderStep("follow-up", "Send a follow-up letter", "no-response", 30, "letter"),
    LadderStep("statement", "Make a statement at the AGM", "no-progress", 365, "statement"),
    LadderStep("vote-against-chair", "Vote against the chair", "after-previous", 180, "vote"),
    LadderStep("resolution", "File or co-file a shareholder resolution", "after-previous", 365, "resolution"),
)


#: The dashboard's "due for action" window when engage.yaml sets none: an AGM within 60 days.
DEFAULT_DUE_DAYS = 60


@dataclass(frozen=True)
class Settings:
    """The validated contents of ``engage.yaml`` (all optional)."""

    organisation: Organisation | None = None
    prepared_by: str | None = None
    language: str = "en"
    signatories: tuple[Signatory, ...] = ()
    letter: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    weights: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    #: where each key under ``weights:`` sits: "weights.allegations.recency.floor" -> (line, column)
    weights_lines: Mapping[str, tuple[int, int]] = field(default_factory=dict, hash=False, compare=False)
    label: str = CONFIG_NAME
    ladder: tuple[LadderStep, ...] = DEFAULT_LADDER
    #: The dashboard's "due for action" window in days (engage.yaml engagement.due_within_days).
    due_days: int = DEFAULT_DUE_DAYS


class SettingsError(DataError):
    """Raised by ``load_settings`` for an engage.yaml with problems; carries its ``weights:`` as read.

    The caller that knows the scoring model checks those weights too, so that one run names
    every problem of the file: settings first, then weights.
    """

    def __init__(
        self,
        problems: list[Problem],
        label: str,
        weights: Mapping[str, Any],
        weights_lines: Mapping[str, tuple[int, int]],
    ) -> None:
        super().__init__(problems)
        self.label = label
        self.weights = weights
        self.weights_lines = weights_lines


@dataclass(frozen=True)
class Workspace:
    """A workspace root and the paths derived from it."""

    root: Path

    @property
    def companies_dir(self) -> Path:
        """Return ``<root>/companies``."""
        return self.root / "companies"

    @property
    def templates_dir(self) -> Path:
        """Return ``<root>/templates`` (may not exist)."""
        return self.root / "templates"

    @property
    def config_path(self) -> Path:
        """Return ``<root>/engage.yaml`` (may not exist)."""
        return self.root / CONFIG_NAME

    @property
    def engagements_dir(self) -> Path:
        """Return ``<root>/engagements``, the investor's own engagement logs (may not exist)."""
        return self.root / "engagements"

    def engagement_path(self, company_id: str) -> Path:
        """Return the path of a company's engagement log (it may not exist)."""
        return self.engagements_dir / f"{company_id}.yaml"

    def engagement_files(self) -> list[Path]:
        """Return the engagement log files, sorted by name (none when there is no engagements/ folder)."""
        return find_company_files(self.engagements_dir)

    @property
    def default_out(self) -> Path:
        """Return ``<root>/briefs``, where outputs go unless ``--out`` says otherwise."""
        return self.root / "briefs"

    def company_files(self) -> list[Path]:
        """Return the record files, sorted by name."""
        return find_company_files(self.companies_dir)

    def company_path(self, company_id: str) -> Path:
        """Return the path of a company's record file (it may not exist); `X.YAML` or `x.yml` when that is the file."""
        path = self.companies_dir / f"{company_id}.yaml"
        if path.exists() or path.is_symlink():
            return path
        return next((p for p in self.company_files() if p.stem == company_id), path)

    def label(self, path: Path) -> str:
        """Return ``path`` as shown in messages: relative to the workspace when inside it."""
        return display_path(path, self.root)


def find_workspace(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Workspace:
    """Return the workspace from ``explicit``, else ``ENGAGE_WORKSPACE``, else the current directory.

    Raises UsageError when the directory does not exist or holds no ``companies/`` folder.
    """
    env = os.environ if environ is None else environ
    chosen = explicit if explicit not in (None, "") else env.get("ENGAGE_WORKSPACE") or None
    root = Path(chosen) if chosen is not None else Path.cwd()
    root = root.expanduser()
    if not root.is_dir():
        raise UsageError(f"workspace '{root}' does not exist or is not a directory")
    ws = Workspace(root.resolve())
    if not ws.companies_dir.is_dir():
        outer = next(
            (p for p in ws.root.parents if (p / "companies").is_dir() and ws.root.is_relative_to(p / "companies")), None
        )
        if outer is not None:
            raise UsageError(
                f"'{root}' is inside the companies/ folder of the workspace '{outer}'; "
                f"run engage from '{outer}' or pass --workspace {outer}"
            )
        raise UsageError(
            f"'{root}' is not an engage workspace (no companies/ folder); "
            f"pass --workspace DIR or start one with: engage init {root}"
        )
    return ws


def _key_lines(node: Node, prefix: str) -> dict[str, tuple[int, int]]:
    """Return the (line, column) of every key nested under a mapping node, by dotted path."""
    out: dict[str, tuple[int, int]] = {prefix: (node.start_mark.line + 1, node.start_mark.column + 1)}
    if isinstance(node, MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}"
            out[path] = (key.start_mark.line + 1, key.start_mark.column + 1)
            out.update({k: v for k, v in _key_lines(value, path).items() if k != path})
    return out


def load_settings(ws: Workspace) -> Settings:
    """Return the workspace's settings (defaults when there is no engage.yaml); raises DataError."""
    path = ws.config_path
    if not path.is_file():
        return Settings()
    label = ws.label(path)
    try:
        node = compose_file(path)
    except YamlProblem as exc:
        raise DataError(f"{label}:{exc.line}:{exc.column}: {exc.message}") from None
    if node is None:
        return Settings()
    ctx = Context(label)
    raw = convert_object(SETTINGS_SPEC, node, "", ctx)
    ladder = _ladder((raw or {}).get("engagement") or {}, ctx)
    weights = (raw or {}).get("weights") or {}
    weights_node = ctx.nodes.get("weights")
    if not isinstance(weights, dict):
        ctx.error(weights_node, "weights", "expected a mapping of weight names to values")
        weights = {}
    weights_lines = _key_lines(weights_node, "weights") if weights_node is not None and weights else {}
    _check_letter_settings(raw or {}, ctx)
    if ctx.problems or raw is None:
        raise SettingsError(sorted(ctx.problems, key=lambda p: (p.line, p.column)), label, weights, weights_lines)
    org = raw.get("organisation")
    return Settings(
        ladder=ladder,
        due_days=((raw.get("engagement") or {}).get("due_within_days", DEFAULT_DUE_DAYS)),
        weights_lines=weights_lines,
        label=label,
        organisation=Organisation(**org) if org else None,
        prepared_by=raw.get("prepared_by"),
        language=raw.get("language", "en"),
        signatories=tuple(Signatory(**s) for s in raw.get("signatories", [])),
        letter=raw.get("letter", {}),
        weights=weights,
    )


def _check_letter_settings(raw: Mapping[str, Any], ctx: Context) -> None:
    """Add a problem for each AUM that cannot be added up and each vote with no agenda item named."""
    for i, s in enumerate(raw.get("signatories") or []):
        if s.get("aum") and parse_aum(s["aum"]) is None:
            where = f"signatories[{i}].aum"
            ctx.error(ctx.nodes.get(where), where, f"'{s['aum']}' is not {AUM_HINT}")
    for i, a in enumerate((raw.get("letter") or {}).get("at_agm") or []):
        if a.get("action") in ("vote-against", "abstain") and not a.get("item"):
            where = f"letter.at_agm[{i}]"
            ctx.error(ctx.nodes.get(where), where + ".item", f"a {a['action']} names the agenda item it is on")


def _ladder(raw: Mapping[str, Any], ctx: Context) -> tuple[LadderStep, ...]:
    """Return engage.yaml's ladder (the default when none is given); problems go to ``ctx``."""
    steps = raw.get("ladder")
    if not steps:
        return DEFAULT_LADDER
    out = []
    for i, step in enumerate(steps):
        node = ctx.nodes.get(f"engagement.ladder[{i}]")
        if i == 0 and step.get("trigger") == "after-previous":
            where = f"engagement.ladder[{i}].trigger"
            message = "the first step has no previous step; use no-response or no-progress"
            ctx.error(ctx.nodes.get(where), where, message)
        if all(f.name in step for f in LADDER_STEP_SPEC.fields):
            out.append(LadderStep(**step, line=node.start_mark.line + 1 if node is not None else 0))
    return tuple(out)
