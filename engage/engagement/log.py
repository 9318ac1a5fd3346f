"""Engagement logs: ``engagements/<company-id>.yaml`` -> validated, frozen objectives and events.

The log is the investor's own record, kept apart from the public evidence in ``companies/``.
``load_log`` reads one file and raises ``DataError`` naming every problem by file, line and
field; ``load_logs`` reads many and returns the good ones with every problem of the others;
``check_log`` adds the warnings that depend on the as-of date (an event after it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError, Problem
from ..records import display_path, suggest_id
from ..spec import ID_RE, Context, Field, Obj, convert_object
from ..yamlsafe import MappingNode, Node, SequenceNode, YamlProblem, compose_file, compose_text

__all__ = [
    "EVENT_KINDS",
    "LOG_SPEC",
    "MILESTONE_LEVELS",
    "EngagementLog",
    "Event",
    "Objective",
    "check_log",
    "load_log",
    "load_logs",
]

EVENT_KINDS: tuple[str, ...] = (
    "letter",
    "response",
    "meeting",
    "call",
    "milestone",
    "vote",
    "resolution",
    "statement",
    "escalation",
)
#: Milestone levels (Federated Hermes EOS's four): evidence is required from level 3.
MILESTONE_LEVELS: dict[int, str] = {1: "concern raised", 2: "acknowledged", 3: "credible plan", 4: "implemented"}
EVIDENCE_FROM_LEVEL = 3
LETTER_STAGES: tuple[str, ...] = ("first", "follow-up", "pre-agm")
RESPONSE_QUALITIES: tuple[str, ...] = ("full", "partial", "none")
VOTES: tuple[str, ...] = ("for", "against", "abstain", "withhold")
FILINGS: tuple[str, ...] = ("filed", "co-filed")
RESOLUTION_STATUSES: tuple[str, ...] = ("filed", "withdrawn", "omitted", "voted")

OBJECTIVE_SPEC = Obj(
    (
        Field("id", "id", required=True, description="unique within the log; a letter may ask it by this id"),
        Field("area", "enum", required=True, choices_from="areas", description="the action area it belongs to"),
        Field("ask", "text", required=True, description="what the engagement wants, in one sentence"),
        Field("set", "date", description="when the objective was set, YYYY-MM-DD"),
        Field("due", "date", description="when it should be met, YYYY-MM-DD"),
    ),
    "What the engagement wants, tied to an action area; milestones record its progress.",
)

QUESTION_SPEC = Obj(
    (
        Field("id", "id", required=True, description="the ask id, as in the letter's asks"),
        Field("area", "enum", choices_from="areas"),
        Field("text", "text", required=True, description="the ask as the letter worded it"),
    ),
    "The wording of one ask a letter made (engage letter --record writes these).",
)

_IDS = Field("ids", "list", items=Field("id", "id"))

EVENT_SPEC = Obj(
    (
        Field("date", "date", required=True, description="when it happened, YYYY-MM-DD"),
        Field("kind", "enum", required=True, choices=EVENT_KINDS),
        Field("stage", "enum", choices=LETTER_STAGES, description="letter: first, follow-up or pre-agm"),
        Field("asks", "list", items=Field("ask", "id"), description="letter: the ids of the asks it made"),
        Field("questions", "list", items=Field("question", "object", obj=QUESTION_SPEC), unique="id"),
        Field("respond_by", "date", description="letter: the deadline it gave"),
        Field("signatories", "int", minimum=1, description="letter, statement: how many investors signed"),
        Field("letter", "date", description="response: the date of the letter it answers (default: the latest)"),
        Field("answers", "list", items=Field("ask", "id"), description="response: the ids of the asks it answers"),
        Field("quality", "enum", choices=RESPONSE_QUALITIES, description="response: full, partial or none"),
        Field("with", "text", description="meeting, call: who from the company took part"),
        Field("objective", "id", description="milestone: the objective it advances"),
        Field("level", "int", minimum=1, maximum=4, description="milestone: 1 raised, 2 acknowledged, 3 plan, 4 done"),
        Field("evidence", "text", description="milestone: what shows it (required at levels 3 and 4)"),
        Field("meeting", "date", description="vote: the date of the shareholder meeting"),
        Field("item", "text", description="vote: the agenda item"),
        Field("how", "enum", choices=VOTES, description="vote: for, against, abstain or withhold"),
        Field("rationale", "text", description="vote: why"),
        Field("filing", "enum", choices=FILINGS, description="resolution: filed or co-filed"),
        Field("text", "text", description="resolution, statement: its text or gist"),
        Field("status", "enum", choices=RESOLUTION_STATUSES, description="resolution: where it stands"),
        Field("support", "number", minimum=0, maximum=100, description="resolution: support in % of votes cast"),
        Field("step", "id", description="escalation: the ladder step it takes (engage.yaml engagement.ladder)"),
        Field("summary", "text"),
        Field("url", "url", description="a link to the letter, minutes or statement"),
    ),
    "One thing that happened in the engagement; which fields apply depends on kind.",
)

#: Fields each kind requires, and those it may carry besides date, kind, summary and url.
REQUIRED: dict[str, tuple[str, ...]] = {
    "letter": ("respond_by",),
    "response": (),
    "meeting": (),
    "call": (),
    "milestone": ("objective", "level"),
    "vote": ("meeting", "item", "how"),
    "resolution": ("filing", "text", "status"),
    "statement": ("text",),
    "escalation": ("step",),
}
ALLOWED: dict[str, tuple[str, ...]] = {
    "letter": ("stage", "asks", "questions", "respond_by", "signatories"),
    "response": ("letter", "answers", "quality"),
    "meeting": ("with",),
    "call": ("with",),
    "milestone": ("objective", "level", "evidence"),
    "vote": ("meeting", "item", "how", "rationale"),
    "resolution": ("filing", "text", "status", "support", "meeting"),
    "statement": ("text", "signatories", "meeting"),
    "escalation": ("step", "objective", "text"),
}
_COMMON = ("date", "kind", "summary", "url")

LOG_SPEC = Obj(
    (
        Field("objectives", "list", items=Field("objective", "object", obj=OBJECTIVE_SPEC), unique="id"),
        Field("events", "list", items=Field("event", "object", obj=EVENT_SPEC)),
    ),
    "One company's engagement log (engagements/<company-id>.yaml): objectives and the events, oldest first.",
)


@dataclass(frozen=True)
class Objective:
    """What the engagement wants in one area, with when it was set and is due."""

    id: str
    area: str
    ask: str
    set: dt.date | None = None
    due: dt.date | None = None
    line: int = 0


@dataclass(frozen=True)
class Event:
    """One event of the log; the fields that apply depend on ``kind`` (see ALLOWED)."""

    date: dt.date
    kind: str
    line: int = 0
    stage: str | None = None
    asks: tuple[str, ...] = ()
    questions: tuple[tuple[str, str, str | None], ...] = ()  # (ask id, text, area)
    respond_by: dt.date | None = None
    signatories: int | None = None
    letter: dt.date | None = None
    answers: tuple[str, ...] = ()
    quality: str | None = None
    with_: str | None = None
    objective: str | None = None
    level: int | None = None
    evidence: str | None = None
    meeting: dt.date | None = None
    item: str | None = None
    how: str | None = None
    rationale: str | None = None
    filing: str | None = None
    text: str | None = None
    status: str | None = None
    support: float | None = None
    step: str | None = None
    summary: str | None = None
    url: str | None = None

    def ask_text(self, ask_id: str) -> str | None:
        """Return how this letter worded ask ``ask_id``, or None when it did not record it."""
        return next((text for i, text, _ in self.questions if i == ask_id), None)


@dataclass(frozen=True)
class EngagementLog:
    """One company's validated log: objectives, and events sorted by date (ties keep file order)."""

    company_id: str
    path: Path
    label: str
    objectives: tuple[Objective, ...] = ()
    events: tuple[Event, ...] = ()
    lines: dict[str, tuple[int, int]] = field(default_factory=dict, hash=False, compare=False, repr=False)

    def objective(self, objective_id: str) -> Objective | None:
        """Return the objective with this id, or None."""
        return next((o for o in self.objectives if o.id == objective_id), None)

    def until(self, as_of: dt.date) -> EngagementLog:
        """Return the log as known at ``as_of``: events dated after it are left out."""
        return EngagementLog(
            self.company_id,
            self.path,
            self.label,
            self.objectives,
            tuple(e for e in self.events if e.date <= as_of),
            self.lines,
        )

    def letters(self) -> tuple[Event, ...]:
        """Return the letter events, oldest first."""
        return tuple(e for e in self.events if e.kind == "letter")

    def replied_letter(self, response: Event) -> Event | None:
        """Return the letter a response answers: the one it names, else the latest on or before its date."""
        letters = [e for e in self.letters() if e.date <= response.date]
        if response.letter is not None:
            return next((e for e in reversed(letters) if e.date == response.letter), None)
        return letters[-1] if letters else None


# --------------------------------------------------------------------------- building


def _event_from(raw: dict[str, Any], line: int) -> Event:
    values = {("with_" if k == "with" else k): v for k, v in raw.items()}
    for key in ("asks", "answers"):
        if key in values:
            values[key] = tuple(dict.fromkeys(values[key]))
    if "questions" in values:
        values["questions"] = tuple((q["id"], q["text"], q.get("area")) for q in values["questions"])
    return Event(line=line, **values)


def _line(ctx: Context, where: str) -> int:
    node = ctx.nodes.get(where)
    return node.start_mark.line + 1 if node is not None else 0


# --------------------------------------------------------------------------- cross-checks


def _kind_fields(raw: dict[str, Any], where: str, ctx: Context) -> bool:
    """Check the fields a kind requires and allows; return whether the event is usable."""
    kind = raw.get("kind")
    if kind is None or "date" not in raw:
        return False
    ok = True
    for name in REQUIRED[kind]:
        if name not in raw and f"{where}.{name}" not in ctx.nodes:  # present but invalid: already reported
            ctx.error(ctx.nodes.get(where), f"{where}.{name}", f"a {kind} event needs {name}:{_HINTS.get(name, '')}")
            ok = False
    allowed = set(ALLOWED[kind]) | set(_COMMON)
    for name in raw:
        if name not in allowed:
            kinds = [k for k, fields in ALLOWED.items() if name in fields]
            ctx.error(
                ctx.nodes.get(f"{where}.{name}"),
                f"{where}.{name}",
                f"{name}: does not apply to a {kind} event (it belongs to {', '.join(kinds)})",
            )
            ok = False
    level = raw.get("level")
    if kind == "milestone" and level is not None and level >= EVIDENCE_FROM_LEVEL and "evidence" not in raw:
        ctx.error(
            ctx.nodes.get(where),
            f"{where}.evidence",
            f"a level-{level} milestone ({MILESTONE_LEVELS[level]}) needs evidence: what shows it, with its source",
        )
        ok = False
    return ok


_HINTS = {
    "respond_by": " the deadline the letter gave, YYYY-MM-DD",
    "objective": " the id of one of the log's objectives",
    "level": " 1 concern raised, 2 acknowledged, 3 credible plan, 4 implemented",
    "step": " the id of a step of the escalation ladder",
}


def _check_letter(raw: dict[str, Any], where: str, objectives: Collection[str], ctx: Context) -> None:
    worded = {q["id"] for q in raw.get("questions", [])}
    for j, ask in enumerate(raw.get("asks", [])):
        if ask not in objectives and ask not in worded:
            known = sorted({*objectives, *worded})
            ctx.error(
                ctx.nodes.get(f"{where}.asks[{j}]"),
                f"{where}.asks[{j}]",
                f"unknown ask id '{ask}': not an objective of this log nor worded under questions:"
                + (f" (known: {', '.join(known)})" if known else ""),
            )
    for j, q in enumerate(raw.get("questions", [])):
        if q["id"] not in raw.get("asks", []):
            ctx.error(
                ctx.nodes.get(f"{where}.questions[{j}].id"),
                f"{where}.questions[{j}].id",
                f"'{q['id']}' is worded but not listed under asks:",
            )
    respond_by = raw.get("respond_by")
    if respond_by is not None and respond_by <= raw["date"]:
        ctx.error(
            ctx.nodes.get(f"{where}.respond_by"),
            f"{where}.respond_by",
            f"the deadline {respond_by} is not after the letter's date {raw['date']}",
        )


def _check_response(raw: dict[str, Any], where: str, letters: Sequence[dict[str, Any]], ctx: Context) -> None:
    before = [letter for letter in letters if letter["date"] <= raw["date"]]
    if not before:
        ctx.error(
            ctx.nodes.get(f"{where}.date"),
            f"{where}.date",
            f"a response on {raw['date']} comes before any letter in the log; log the letter it answers first",
        )
        return
    named = raw.get("letter")
    if named is not None:
        answered = next((letter for letter in reversed(before) if letter["date"] == named), None)
        if answered is None:
            ctx.error(
                ctx.nodes.get(f"{where}.letter"),
                f"{where}.letter",
                f"no letter dated {named} on or before the response; letters: "
                + ", ".join(str(letter["date"]) for letter in before),
            )
            return
    else:
        answered = before[-1]
    asked = list(answered.get("asks", []))
    for j, ask in enumerate(raw.get("answers", [])):
        if ask not in asked:
            ctx.error(
                ctx.nodes.get(f"{where}.answers[{j}]"),
                f"{where}.answers[{j}]",
                f"unknown ask id '{ask}': the letter of {answered['date']} asked "
                + (", ".join(asked) if asked else "nothing recorded")
                + suggest_id(ask, asked),
            )


def _cross_checks(raw: dict[str, Any], ctx: Context, ladder: Collection[str]) -> list[tuple[int, dict[str, Any]]]:
    """Check what spans fields and events; return the usable events with their index in the file."""
    objectives = {o["id"] for o in raw.get("objectives", [])}
    events = raw.get("events", [])
    # Every list entry that converted is in ``events``; its index in the file is recovered from the nodes.
    indexed = _indexed(events, ctx)
    usable = [(i, e) for i, e in indexed if _kind_fields(e, f"events[{i}]", ctx)]
    letters = sorted((e for _, e in usable if e["kind"] == "letter"), key=lambda e: e["date"])
    for i, e in usable:
        where = f"events[{i}]"
        if e["kind"] == "letter":
            _check_letter(e, where, objectives, ctx)
        elif e["kind"] == "response":
            _check_response(e, where, letters, ctx)
        elif e["kind"] in ("milestone", "escalation") and e.get("objective") not in (None, *objectives):
            ctx.error(
                ctx.nodes.get(f"{where}.objective"),
                f"{where}.objective",
                f"unknown objective '{e['objective']}'"
                + (f"; objectives: {', '.join(sorted(objectives))}" if objectives else "; add it under objectives:"),
            )
        if e["kind"] == "escalation" and ladder and e.get("step") not in ladder:
            ctx.error(
                ctx.nodes.get(f"{where}.step"),
                f"{where}.step",
                f"unknown ladder step '{e['step']}'; steps: {', '.join(ladder)}{suggest_id(e['step'], list(ladder))}",
            )
    return usable


def _indexed(events: Sequence[dict[str, Any]], ctx: Context) -> list[tuple[int, dict[str, Any]]]:
    """Return (index in the file, event): the list holds one dict per mapping entry, nulls and scalars left out."""
    node = ctx.nodes.get("events")
    if not isinstance(node, SequenceNode):
        return []
    kept = [i for i, item in enumerate(node.value) if isinstance(item, MappingNode)]
    return list(zip(kept, events, strict=False))


# --------------------------------------------------------------------------- loading


def load_log(
    path: Path,
    areas: Sequence[str],
    company_ids: Collection[str] | None = None,
    ladder: Collection[str] = (),
    root: Path | None = None,
    text: str | None = None,
) -> EngagementLog:
    """Return the validated log in ``path``; raises DataError listing every problem in the file.

    ``company_ids`` are the workspace's companies (a log for another is an error; None: not
    checked); ``ladder`` the ids of the escalation steps an escalation event may name;
    ``text``, when given, is checked as if it were the file's content (before writing it).
    """
    label = display_path(path, root)
    ctx = Context(label, {"areas": tuple(areas)})
    company_id = path.stem
    if not ID_RE.match(company_id) or path.suffix != ".yaml":
        ctx.problems.append(
            Problem(label, 0, 0, "", f"'{path.name}' is not named <company-id>.yaml, for example volkswagen.yaml")
        )
    elif company_ids is not None and company_id not in company_ids:
        ctx.problems.append(
            Problem(
                label,
                0,
                0,
                "",
                f"no company '{company_id}' in companies/ for this log{suggest_id(company_id, list(company_ids))}; "
                "name the file after the company's record",
            )
        )
    try:
        node: Node | None = compose_file(path) if text is None else compose_text(text)
    except YamlProblem as exc:
        raise DataError([*ctx.problems, Problem(label, exc.line, exc.column, "", exc.message)]) from None
    if node is None:
        raise DataError([*ctx.problems, Problem(label, 1, 1, "", "file is empty; expected objectives: and events:")])
    raw = convert_object(LOG_SPEC, node, "", ctx)
    usable = _cross_checks(raw, ctx, ladder) if raw is not None else []
    if ctx.problems or raw is None:
        raise DataError(sorted(ctx.problems, key=lambda p: (p.line, p.column)))
    objectives = tuple(
        Objective(o["id"], o["area"], o["ask"], o.get("set"), o.get("due"), _line(ctx, f"objectives[{i}]"))
        for i, o in enumerate(raw.get("objectives", []))
    )
    events = sorted((_event_from(e, _line(ctx, f"events[{i}]")) for i, e in usable), key=lambda e: e.date)
    lines = {where: (n.start_mark.line + 1, n.start_mark.column + 1) for where, n in ctx.nodes.items()}
    return EngagementLog(company_id, path, label, objectives, tuple(events), lines)


def load_logs(
    paths: Sequence[Path],
    areas: Sequence[str],
    company_ids: Collection[str] | None = None,
    ladder: Collection[str] = (),
    root: Path | None = None,
) -> tuple[list[EngagementLog], list[Problem]]:
    """Return the logs that loaded and the problems of those that did not."""
    logs: list[EngagementLog] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            logs.append(load_log(path, areas, company_ids, ladder, root))
        except DataError as exc:
            problems.extend(exc.problems or [Problem(display_path(path, root), 0, 0, "", str(exc))])
    return logs, problems


def check_log(log: EngagementLog, as_of: dt.date) -> list[Problem]:
    """Return warnings about a valid log as of a date: events dated after it (a typo, or not yet happened)."""
    out = []
    for e in log.events:
        if e.date > as_of:
            out.append(
                Problem(
                    log.label,
                    e.line,
                    0,
                    "date",
                    f"a {e.kind} event is dated {e.date}, after {as_of}; it counts only from then (a typo?)",
                    "warning",
                    "future-event",
                )
            )
    return out
