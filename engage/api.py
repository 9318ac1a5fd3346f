"""engage as a library: open a workspace, then check, profile, compare, brief, letter and batch.

Every ``engage`` command is option parsing, one call here and printing. The same three lines
make a brief from Python::

    >>> import datetime as dt, tempfile
    >>> from engage.api import Workspace
    >>> ws = Workspace.open(".")                          # the shipped dataset
    >>> paths = ws.brief("volkswagen", as_of=dt.date(2026, 12, 1), out=tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['brief.pdf']

Errors are the exceptions of ``engage.errors``: ``DataError`` (a record or setting is wrong;
``problems`` names file, line and field), ``UsageError`` (a request that cannot be met, such
as an unknown company id) and ``RenderError`` (a document could not be rendered or written).
``as_of`` is always an explicit date: the library never reads the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .agm import next_agm
from .batch import (
    KINDS,
    AgendaRow,
    BatchEvent,
    BatchOptions,
    BatchSummary,
    Plan,
    Selection,
    agenda,
    plan_batch,
    run_batch,
)
from .batch.index import write_dashboard
from .batch.kinds import letter_history_of
from .cache import PeerFacts, WorkspaceCache, board_profile, peer_facts_of, rank_facts, with_ranks
from .documents.brief_writer import BriefOutcome, write_briefs
from .documents.letter import Letter, LetterOptions, build_letter, options_from_settings
from .documents.letter_files import letter_event, letter_request, write_company_letter
from .documents.letter_records import clean
from .documents.pdf import Renderer
from .engagement.append import append_event, new_log_text
from .engagement.history import letter_history
from .engagement.log import EngagementLog, check_log, load_log, load_logs
from .engagement.report import StewardshipReport, build_report
from .engagement.state import NO_LOG, EngagementState, ReplyStats, engagement_state, reply_stats
from .errors import DataError, EngageError, Problem, UsageError
from .glyphs import missing_glyph_problems
from .profile import (
    OVERALL,
    Profile,
    Weights,
    compile_profile,
    compile_profiles,
    compile_scores,
    load_weights,
    rank_peers,
    weights_problems,
)
from .profile.asks import Ask, build_asks
from .profile.compile import place_among
from .profile.opportunities import peer_holders
from .records import Company, check_company, display_path, suggest_id
from .signatories import load_signatories
from .taxonomy import Taxonomy, load_taxonomy
from .workspace import Settings, SettingsError, find_workspace, load_settings
from .workspace import Workspace as Folder

__all__ = ["CheckResult", "Comparison", "LetterOutcome", "LetterRun", "Workspace"]

#: Engagement states that put a company on the agenda whenever its AGM: a reply overdue, an escalation due.
DUE_STATES = ("overdue", "escalate")


@dataclass(frozen=True)
class CheckResult:
    """What ``Workspace.check`` found: the companies checked, errors (unusable records) and warnings."""

    ids: tuple[str, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    broken: tuple[str, ...]  # ids whose file has errors

    def ok(self, strict: bool = False) -> bool:
        """Return whether the check passed (``strict``: warnings fail it too)."""
        return not self.errors and not (strict and self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data: the companies checked, counts and every problem located."""
        return {
            "companies": list(self.ids),
            "broken": list(self.broken),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [dataclasses.asdict(p) for p in (*self.errors, *self.warnings)],
        }


@dataclass(frozen=True)
class Comparison:
    """Every valid company's profile as of a date as a leaderboard of ``area`` shows it (``board_profile``: no gaps,
    questions or opportunities; ``Workspace.profiles`` has them); ``skipped`` had errors."""

    as_of: dt.date
    area: str
    profiles: dict[str, Profile]
    skipped: tuple[str, ...]
    taxonomy: Taxonomy


@dataclass(frozen=True)
class LetterOutcome:
    """One company's letter: the files written and its warnings, or the error that stopped it."""

    company_id: str
    paths: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()
    error: EngageError | None = None
    recorded: tuple[Path, ...] = ()  # the engagement log the letter was recorded in (letter --record)


@dataclass(frozen=True)
class LetterRun:
    """Letters for several companies: one outcome each, plus warnings that concern them all."""

    outcomes: tuple[LetterOutcome, ...]
    formats: tuple[str, ...]
    out_dir: Path
    warnings: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()  # errors of the records that could not be loaded


@dataclass
class Workspace:
    """An opened workspace: its folders, settings (weights checked) and taxonomy; records load on demand."""

    folder: Folder
    settings: Settings
    taxonomy: Taxonomy
    weights: Weights
    _loaded: dict[str, tuple[Company | None, tuple[Problem, ...]]] = field(default_factory=dict, repr=False)
    _profiles: dict[dt.date, tuple[dict[str, Profile], tuple[str, ...]]] = field(default_factory=dict, repr=False)
    _logs: tuple[dict[str, EngagementLog], tuple[Problem, ...]] | None = field(default=None, repr=False)
    #: The validated-record cache (``.engage-cache/``); off for ``Workspace.open(..., cache=False)``.
    cache: WorkspaceCache | None = field(default=None, repr=False)
    _skipped: dict[dt.date, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: str | Path | None = None, *, cache: bool = True) -> Workspace:
        """Return the workspace at ``path`` (None: ENGAGE_WORKSPACE, else the current folder); raises EngageError.

        ``cache=False`` parses and validates every file it needs and leaves ``.engage-cache/`` alone.
        """
        folder = find_workspace(None if path is None else str(path))
        try:
            settings = load_settings(folder)
        except SettingsError as exc:  # name the weights' problems in the same run
            raise DataError([*exc.problems, *weights_problems(exc.weights, exc.label, exc.weights_lines)]) from None
        taxonomy = load_taxonomy(folder.root)
        records = WorkspaceCache(folder.root, taxonomy, enabled=cache)
        return cls(folder, settings, taxonomy, _checked_weights(settings), cache=records)

    @property
    def records(self) -> WorkspaceCache:
        """Return the record loader: the cache, or a pass-through when the workspace was built without one."""
        if self.cache is None:
            self.cache = WorkspaceCache(self.root, self.taxonomy, enabled=False)
        return self.cache

    # ------------------------------------------------------------------ where things are

    @property
    def root(self) -> Path:
        """Return the workspace folder."""
        return self.folder.root

    @property
    def default_out(self) -> Path:
        """Return the default output folder, briefs/ in the workspace."""
        return self.folder.default_out

    def label(self, path: Path) -> str:
        """Return ``path`` relative to the workspace when it is inside it (for messages)."""
        return self.folder.label(path)

    def company_ids(self) -> list[str]:
        """Return the ids of every company file, sorted."""
        return [p.stem for p in self.folder.company_files()]

    def select(self, requested: Sequence[str] = (), *, all_: bool = False, need_some: bool = True) -> list[str]:
        """Return the company ids to work on: the requested ones (validated) or all; raises UsageError."""
        available = self.company_ids()
        where = f"{self.label(self.folder.companies_dir)}/"
        if requested and all_:
            raise UsageError("give company ids or --all, not both")
        if not requested:
            if need_some and not all_:
                raise UsageError("name at least one company (see `engage list`) or pass --all")
            if not available and need_some:
                raise UsageError(f"no company records in {where}")
            return available
        for r in requested:
            if r not in available:
                raise UsageError(f"no company '{r}' in {where}{suggest_id(r, available)}")
        return list(dict.fromkeys(requested))

    # ------------------------------------------------------------------ records

    def load(self, ids: Sequence[str] | None = None) -> tuple[list[Company], list[Problem]]:
        """Return the valid companies among ``ids`` (None: all) and the problems of the others."""
        wanted = self.company_ids() if ids is None else list(ids)
        missing = [i for i in wanted if i not in self._loaded]
        if missing:
            loaded = self.records.load([self.folder.company_path(i) for i in missing])
            self._loaded.update(zip(missing, loaded, strict=True))
            if ids is None and self.records.missed:
                self.records.prune()
        out_companies = [c for i in wanted if (c := self._loaded[i][0]) is not None]
        out_problems = [p for i in wanted for p in self._loaded[i][1]]
        return out_companies, out_problems

    def check(self, ids: Sequence[str] = (), *, as_of: dt.date) -> CheckResult:
        """Validate ``ids`` (empty: every company) and their engagement logs: every problem, plus state warnings.

        Without ``ids``, logs in engagements/ that name no company are errors too.
        """
        chosen = self.select(ids, all_=not ids, need_some=False)
        paths = {self.folder.company_path(i): i for i in chosen}

        def compute(missing: list[Path]) -> dict[Path, tuple[tuple[Problem, ...], tuple[Problem, ...]]]:
            self.load([paths[p] for p in missing])
            out = {}
            for path in missing:
                c, problems = self._loaded[paths[path]]
                label = display_path(path, self.root)
                warned = () if c is None else (*check_company(c, as_of, self.root), *missing_glyph_problems(c, label))
                out[path] = (problems, tuple(warned))
            return out

        checked = self.records.checked(list(paths), as_of, compute, complete=not ids)
        if not ids:
            self._warm_peers(as_of)
        problems = [p for path in paths for p in checked[path][0]]
        warnings = [w for path in paths for w in checked[path][1]]
        logs, log_problems = self.engagement_logs()
        wanted = set(chosen)
        problems += [p for p in log_problems if not ids or Path(p.path).stem in wanted]
        warnings += [w for i, log in logs.items() if i in wanted for w in check_log(log, as_of)]
        broken = tuple(i for path, i in paths.items() if checked[path][0])
        return CheckResult(tuple(chosen), tuple(problems), tuple(warnings), broken)

    def listing(self, *, as_of: dt.date) -> list[dict[str, Any]]:
        """Return one row per company file: id, name, country, next agm, counts, newest record; ``errors`` if broken.

        ``agm`` is the next AGM at ``as_of``, announced or (``agm_expected``) estimated from past ones.
        """
        ids = self.company_ids()
        companies, problems = self.load(ids)
        by_id = {c.id: c for c in companies}
        broken = Counter(Path(p.path).stem for p in problems)
        rows: list[dict[str, Any]] = []
        for i in ids:
            c = by_id.get(i)
            if c is None:
                rows.append({"id": i, "errors": broken.get(i, 1)})
                continue
            newest = c.newest_date
            upcoming = next_agm(c, as_of)
            rows.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "country": c.country,
                    "agm": upcoming.date.isoformat() if upcoming else None,
                    "agm_expected": bool(upcoming and upcoming.expected),
                    "allegations": len(c.allegations),
                    "commitments": len(c.commitments),
                    "policies": len(c.policies),
                    "newest": str(newest) if newest else None,
                }
            )
        return rows

    # ------------------------------------------------------------------ engagement logs

    def engagement_logs(self) -> tuple[dict[str, EngagementLog], tuple[Problem, ...]]:
        """Return the valid engagement logs by company id, and every problem of the others (engagements/)."""
        if self._logs is None:
            logs, problems = load_logs(
                self.folder.engagement_files(),
                self.taxonomy.keys,
                set(self.company_ids()),
                [s.id for s in self.settings.ladder],
                self.root,
            )
            self._logs = ({log.company_id: log for log in logs}, tuple(problems))
        return self._logs

    def engagement_log(self, company_id: str) -> EngagementLog | None:
        """Return ``company_id``'s engagement log (None when it has none); raises DataError when it is invalid."""
        logs, problems = self.engagement_logs()
        mine = [p for p in problems if Path(p.path).stem == company_id]
        if mine:
            raise DataError(mine)
        return logs.get(company_id)

    def log_event(self, company_id: str, kind: str, *, as_of: dt.date, **fields: Any) -> tuple[Path, list[Problem]]:
        """Append an event to ``company_id``'s log (created if missing), keeping its comments and order.

        ``fields`` are the event's fields (``date`` required; lists as sequences). The whole
        log is validated with the event before anything is written: DataError names every
        problem. Returns the log's path and warnings at ``as_of`` (an event dated after it).
        """
        self.select((company_id,))
        companies, problems = self.load((company_id,))
        if problems:
            raise DataError(list(problems))
        path = self.folder.engagement_path(company_id)
        ladder = [s.id for s in self.settings.ladder]

        def validate(text: str) -> EngagementLog:
            return load_log(path, self.taxonomy.keys, set(self.company_ids()), ladder, self.root, text=text)

        log = append_event(path, {**fields, "kind": kind}, validate, new_text=new_log_text(companies[0].name))
        self._logs = None
        return path, [w for w in check_log(log, as_of) if w.line and w.line >= _last_line(log)]

    def report(self, *, start: dt.date, end: dt.date) -> StewardshipReport:
        """Return the stewardship report from ``start`` to ``end``: every valid log; raises DataError or UsageError."""
        if end < start:
            raise UsageError(f"--to {end.isoformat()} is before --from {start.isoformat()}")
        logs, problems = self.engagement_logs()
        if problems:
            raise DataError(list(problems))
        companies, _ = self.load(list(logs))
        return build_report(logs, {c.id: c for c in companies}, self.settings.ladder, start, end)

    def reply_stats(self, *, as_of: dt.date) -> dict[str, ReplyStats]:
        """Return each logged company's reply statistics up to ``as_of`` (response rate, median days to reply)."""
        logs, _ = self.engagement_logs()
        return {cid: reply_stats(log, None, as_of) for cid, log in logs.items()}

    def engagement(self, company_id: str, *, as_of: dt.date) -> EngagementState:
        """Return where the engagement with ``company_id`` stands at ``as_of`` (state ``none`` without a log)."""
        return engagement_state(self.engagement_log(company_id), self.settings.ladder, as_of)

    # ------------------------------------------------------------------ profiles

    def profiles(self, *, as_of: dt.date) -> tuple[dict[str, Profile], tuple[str, ...]]:
        """Return every valid company's profile ranked against the others, and the ids skipped for errors."""
        if as_of not in self._profiles:
            companies, problems = self.load()
            skipped = tuple(sorted({Path(p.path).stem for p in problems}))
            profiles = compile_profiles(companies, self.taxonomy, as_of, self.weights)
            self._profiles[as_of] = (profiles, skipped)
            if self.records.enabled:  # what a single profile and a leaderboard need at this date, for next time
                facts: dict[Path, PeerFacts | None] = {}
                boards: dict[Path, Profile | None] = {}
                for i in self.company_ids():
                    c, path = self._loaded[i][0], self.folder.company_path(i)
                    facts[path] = None if c is None else peer_facts_of(profiles[i], c, self.taxonomy, self.weights)
                    boards[path] = None if c is None else board_profile(dataclasses.replace(profiles[i], ranks=()))
                self.records.remember(facts, boards, as_of, self.weights)
        return self._profiles[as_of]

    def profile(self, company_id: str, *, as_of: dt.date) -> Profile:
        """Return ``company_id``'s profile, ranked against its peers; raises UsageError or DataError.

        With the cache, the peers are their cached values at ``as_of`` (ranks, peer practice): only
        ``company_id`` and the peers whose files changed are compiled.
        """
        self.select((company_id,))
        _, problems = self.load((company_id,))
        company = self._loaded[company_id][0]
        if problems or company is None:
            raise DataError(list(problems))
        if as_of in self._profiles or not self.records.enabled:
            return self.profiles(as_of=as_of)[0][company_id]
        peers = [f for f in self._peer_facts(as_of) if f is not None]
        mine = compile_profile(company, self.taxonomy, as_of, self.weights)
        holders = peer_holders([f.holder for f in peers], self.taxonomy, as_of, self.weights)
        ranks = rank_facts(peers, as_of)
        return place_among(mine, mine.known or company, ranks, holders, self.taxonomy, self.weights)

    def skipped(self, *, as_of: dt.date) -> tuple[str, ...]:
        """Return the ids left out of profiles and ranks at ``as_of`` because their files have errors, sorted."""
        if as_of not in self._skipped:
            if as_of in self._profiles or not self.records.enabled:
                self._skipped[as_of] = self.profiles(as_of=as_of)[1]
            else:
                self._peer_facts(as_of)
        return self._skipped[as_of]

    def _peer_facts(self, as_of: dt.date) -> list[PeerFacts | None]:
        """Return every company file's peer facts at ``as_of`` (None: errors), compiling only those not cached."""
        paths = self._company_paths()

        def compute(missing: list[Path]) -> dict[Path, PeerFacts | None]:
            facts, boards = self._compile_views(missing, paths, as_of)
            if _many(missing, paths):  # a new date: compare will want the same compile
                self.records.boards(missing, as_of, self.weights, lambda m: {p: boards[p] for p in m})
            return facts

        facts = self.records.peers(list(paths), as_of, self.weights, compute)
        self._skipped[as_of] = tuple(sorted(i for path, i in paths.items() if facts[path] is None))
        return [facts[path] for path in paths]

    def _company_paths(self) -> dict[Path, str]:
        """Return every company file's path and its company id, in the workspace's order."""
        return {self.folder.company_path(i): i for i in self.company_ids()}

    def _warm_peers(self, as_of: dt.date) -> None:
        """Fill the cache's peer values at ``as_of`` when it has none, so that the next ``profile ID`` is warm.

        ``check`` has every company loaded: their scores alone (``compile_scores``, no history,
        questions or opportunities) cost a fraction of the full compile a first ``profile`` would make.
        """
        if not self.records.enabled or self.records.has_peers(as_of, self.weights):
            return
        paths = self._company_paths()
        self.load(list(paths.values()))
        valid = [c for i in paths.values() if (c := self._loaded[i][0]) is not None]
        scores = compile_scores(valid, self.taxonomy, as_of, self.weights) if valid else {}
        facts: dict[Path, PeerFacts | None] = {}
        for path, i in paths.items():
            c, p = self._loaded[i][0], scores.get(i)
            facts[path] = None if c is None or p is None else peer_facts_of(p, c, self.taxonomy, self.weights)
        self.records.peers(list(paths), as_of, self.weights, lambda m: {p: facts[p] for p in m})

    def _compile_views(
        self, missing: list[Path], paths: dict[Path, str], as_of: dt.date
    ) -> tuple[dict[Path, PeerFacts | None], dict[Path, Profile | None]]:
        """Return the peer facts and unranked board profiles of the files ``missing`` from the cache (None: errors).

        One ``compile_profiles`` over them shares its scorer; their ranks among themselves are dropped.
        """
        ids = [paths[p] for p in missing]
        self.load(ids)
        valid = [c for i in ids if (c := self._loaded[i][0]) is not None]
        compiled = compile_profiles(valid, self.taxonomy, as_of, self.weights) if valid else {}
        facts: dict[Path, PeerFacts | None] = {}
        boards: dict[Path, Profile | None] = {}
        for path, i in zip(missing, ids, strict=True):
            c, p = self._loaded[i][0], compiled.get(i)
            facts[path] = None if c is None or p is None else peer_facts_of(p, c, self.taxonomy, self.weights)
            boards[path] = None if p is None else board_profile(dataclasses.replace(p, ranks=()))
        return facts, boards

    def asks(self, company_id: str, *, as_of: dt.date) -> tuple[Ask, ...]:
        """Return ``company_id``'s numbered asks, as its brief and letter word them; raises UsageError or DataError."""
        return build_asks(self.profile(company_id, as_of=as_of), self.taxonomy)

    def compare(self, *, as_of: dt.date, area: str | None = None) -> Comparison:
        """Return the leaderboard material for ``area`` (None: overall); raises UsageError on an unknown area."""
        key = self.area_key(area or OVERALL)
        profiles, skipped = self.boards(as_of=as_of)
        if not profiles:
            raise UsageError(f"no valid company records in {self.label(self.folder.companies_dir)}/")
        return Comparison(as_of, key, profiles, skipped, self.taxonomy)

    def boards(self, *, as_of: dt.date) -> tuple[dict[str, Profile], tuple[str, ...]]:
        """Return every valid company's profile as a leaderboard shows it (``engage.cache.board_profile``),
        ranked, and the ids skipped for errors; with the cache, only changed companies are compiled."""
        if as_of in self._profiles or not self.records.enabled:
            full, skipped = self.profiles(as_of=as_of)
            return {i: board_profile(p) for i, p in full.items()}, skipped
        paths = self._company_paths()

        def compute(missing: list[Path]) -> dict[Path, Profile | None]:
            facts, boards = self._compile_views(missing, paths, as_of)
            if _many(missing, paths):  # a new date: a profile will want the same compile
                self.records.peers(missing, as_of, self.weights, lambda m: {p: facts[p] for p in m})
            return boards

        found = self.records.boards(list(paths), as_of, self.weights, compute)
        unranked = {i: b for path, i in paths.items() if (b := found[path]) is not None}
        skipped = tuple(sorted(i for path, i in paths.items() if found[path] is None))
        if not unranked:
            return {}, skipped
        peers = rank_peers(unranked.values())
        return {i: with_ranks(b, peers) for i, b in unranked.items()}, skipped

    def area_key(self, value: str) -> str:
        """Return a valid area key (or 'overall') for ``value``; raises UsageError with a suggestion."""
        import difflib  # only on this error path

        keys = [OVERALL, *self.taxonomy.keys]
        if value in keys:
            return value
        close = difflib.get_close_matches(value, keys, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"unknown area '{value}'{hint}; areas: {', '.join(keys)}")

    # ------------------------------------------------------------------ documents

    def briefs(
        self,
        ids: Sequence[str],
        *,
        as_of: dt.date,
        out: str | Path | None = None,
        paper: str = "a4",
        fmt: str = "pdf",
    ) -> list[BriefOutcome]:
        """Write the briefs of ``ids`` (ranked against every valid company); one outcome per id.

        A company with an engagement log gets its engagement section; a company that fails
        (its records or its log have errors, a render fails) is reported in its outcome and
        the others still render.
        """
        chosen = self.select(ids)
        companies, _ = self.load()
        logs, log_problems = self.engagement_logs()
        broken: dict[str, list[Problem]] = {}
        for problem in log_problems:
            broken.setdefault(Path(problem.path).stem, []).append(problem)
        return write_briefs(
            companies,
            chosen,
            taxonomy=self.taxonomy,
            settings=self.settings,
            as_of=as_of,
            out_dir=self._out(out),
            templates_dir=self.folder.templates_dir,
            fmt=fmt,
            paper=paper,
            logs=logs,
            log_errors={cid: DataError(problems) for cid, problems in broken.items()},
        )

    def brief(
        self, company_id: str, *, as_of: dt.date, out: str | Path | None = None, paper: str = "a4", fmt: str = "pdf"
    ) -> list[Path]:
        """Write ``company_id``'s brief and return the paths written; raises the EngageError that stopped it."""
        (outcome,) = self.briefs((company_id,), as_of=as_of, out=out, paper=paper, fmt=fmt)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.path is not None
        return [outcome.path]

    def letters(
        self,
        ids: Sequence[str],
        *,
        as_of: dt.date,
        out: str | Path | None = None,
        formats: Sequence[str] | None = None,
        stage: str | None = None,
        respond_by: dt.date | None = None,
        signatories: str | Path | None = None,
        paper: str = "a4",
        record: bool = False,
    ) -> LetterRun:
        """Write letters to the boards of ``ids``; one outcome each (a broken company does not stop the others).

        A letter remembers the engagement log (the previous letter, asks answered and open,
        milestones). ``record`` appends each letter written to its company's log, with its asks
        (q1, q2... as numbered) and deadline.
        """
        chosen_ids = self.select(ids)
        people = load_signatories(Path(signatories)) if signatories else None
        request = letter_request(
            self.settings,
            as_of,
            formats=formats or (),
            stage=stage,
            respond_by=respond_by,
            signatories=people,
            paper=paper,
        )
        out_dir = self._out(out)
        companies, problems = self.load(chosen_ids)
        renderer = Renderer(self.folder.templates_dir) if "pdf" in request.formats and companies else None
        outcomes = []
        for company in companies:
            try:
                _check_deadline(company, request.options, as_of)
                profile = compile_profile(company, self.taxonomy, as_of, self.weights)
                stage = request.options.stage
                history = letter_history(self.engagement_log(company.id), as_of, stage, clean(company.name))
                done = write_company_letter(
                    profile, self.settings, self.taxonomy, out_dir, request, renderer=renderer, history=history
                )
                recorded = self._record_letter(company.id, done.letter) if record else ()
            except EngageError as exc:
                outcomes.append(LetterOutcome(company.id, error=exc))
                continue
            own = tuple(w for w in done.warnings if w not in request.warnings)
            outcomes.append(LetterOutcome(company.id, done.paths, own, recorded=recorded))
        loaded = {c.id for c in companies}
        outcomes += [LetterOutcome(i, error=DataError(_broken(i))) for i in chosen_ids if i not in loaded]
        order = {i: n for n, i in enumerate(chosen_ids)}
        outcomes.sort(key=lambda o: order[o.company_id])
        return LetterRun(tuple(outcomes), request.formats, out_dir, request.warnings, tuple(problems))

    def letter(
        self,
        company_id: str,
        *,
        as_of: dt.date,
        out: str | Path | None = None,
        formats: Sequence[str] | None = None,
        stage: str | None = None,
        respond_by: dt.date | None = None,
        signatories: str | Path | None = None,
        paper: str = "a4",
        record: bool = False,
    ) -> list[Path]:
        """Write ``company_id``'s letter and return the paths written; raises the EngageError that stopped it."""
        run = self.letters(
            (company_id,),
            as_of=as_of,
            out=out,
            formats=formats,
            stage=stage,
            respond_by=respond_by,
            signatories=signatories,
            paper=paper,
            record=record,
        )
        (outcome,) = run.outcomes
        if outcome.error is not None:
            raise DataError(list(run.problems)) if run.problems else outcome.error
        return list(outcome.paths)

    # ------------------------------------------------------------------ batch

    def plan_batch(self, options: BatchOptions) -> Plan:
        """Return what a batch run would do and why (nothing is written); raises UsageError or DataError."""
        return plan_batch(self.folder, options)

    def batch(
        self,
        ids: Sequence[str] = (),
        *,
        as_of: dt.date,
        all_: bool = False,
        agm_within: int | None = None,
        out: str | Path | None = None,
        on_event: Callable[[BatchEvent], None] | None = None,
        **options: Any,
    ) -> BatchSummary:
        """Render the briefs and letters of the selected companies that changed; return the run's summary.

        Select with ``ids``, ``all_=True`` or ``agm_within`` (days); ``options`` are the other
        fields of ``engage.batch.BatchOptions`` (``kinds``, ``jobs``, ``force``, ``stage``...).
        A company that fails is reported in the summary and the others still render.
        """
        selection = Selection(tuple(ids), all_, agm_within, options.pop("agm_before", None))
        chosen = BatchOptions(as_of=as_of, selection=selection, out_dir=self._out(out), **options)
        return run_batch(self.plan_batch(chosen), on_event=on_event)

    def dashboard(
        self, *, as_of: dt.date, out: str | Path | None = None, paper: str = "a4", due_days: int | None = None
    ) -> list[Path]:
        """Write the portfolio dashboard (``index.html`` and ``index.pdf``) into ``out``; return the paths.

        Every company as of ``as_of``, linking the briefs and letters the output folder's
        manifest lists; nothing else is rendered. ``engage batch`` writes the same files.
        ``due_days``: the "due for action" window (default: engage.yaml's, else 60 days).
        """
        return write_dashboard(self.folder, as_of, self._out(out), paper=paper, due_days=due_days)

    def record_batch_letters(self, summary: BatchSummary) -> list[Path]:
        """Add each letter a batch run wrote to its company's engagement log (``batch --record``); return the logs.

        Only letters written in this run count (not those skipped as up to date). The letter is
        built again from the run's plan, which gives the same letter the worker rendered.
        """
        plan, context = summary.plan, summary.plan.context
        if context is None:
            return []
        options = options_from_settings(
            context.settings, stage=context.stage, respond_by=context.respond_by, signatories=context.signatories
        )
        written = [
            r.company_id for r in summary.results if any(d.kind == "letter" and d.ok and d.outputs for d in r.documents)
        ]
        paths: list[Path] = []
        for cid in written:
            company, profile = plan.companies[cid], plan.profiles[cid]
            history = letter_history_of(company, context)
            letter = build_letter(profile, context.settings, context.taxonomy, options, history)
            paths.extend(self._record_letter(cid, letter))
        return paths

    def _record_letter(self, company_id: str, letter: Letter) -> tuple[Path, ...]:
        """Append a letter written to the log, unless the log has it already (same date and asks): the paths written."""
        event = letter_event(letter)
        log = self.engagement_log(company_id)
        if log is not None and any(e.date == letter.date and e.asks == event["asks"] for e in log.letters()):
            return ()
        return (self.log_event(company_id, "letter", as_of=letter.date, **event)[0],)

    def agenda(
        self, *, as_of: dt.date, within: int, out: str | Path | None = None, kinds: Sequence[str] | None = None
    ) -> list[AgendaRow]:
        """Return the companies whose AGM falls within ``within`` days of ``as_of``, with their documents' state
        and where each engagement stands (state, latest letter, deadline, next step); then, listed for their
        engagement (``listed_for``), the others whose engagement is overdue or due an escalation, by next deadline."""
        out_dir, chosen = self._out(out), tuple(kinds or KINDS)
        rows = agenda(self.folder, as_of, within, out_dir=out_dir, kinds=chosen)
        logs, problems = self.engagement_logs()
        states = {cid: engagement_state(log, self.settings.ladder, as_of) for cid, log in logs.items()}
        listed = {row.company_id for row in rows}
        due = sorted(
            (cid for cid, state in states.items() if state.state in DUE_STATES and cid not in listed),
            key=lambda cid: (states[cid].next_deadline or dt.date.max, cid),
        )
        if due:
            extra = {
                r.company_id: r for r in agenda(self.folder, as_of, within, out_dir=out_dir, kinds=chosen, ids=due)
            }
            rows += [dataclasses.replace(extra[cid], listed_for="engagement") for cid in due if cid in extra]
        broken = {Path(p.path).stem for p in problems}
        return [
            dataclasses.replace(
                row,
                engagement=states.get(row.company_id, NO_LOG),
                engagement_error=f"engagements/{row.company_id}.yaml has errors; run `engage check {row.company_id}`"
                if row.company_id in broken
                else None,
            )
            for row in rows
        ]

    # ------------------------------------------------------------------ helpers

    def _out(self, out: str | Path | None) -> Path:
        return Path(out) if out is not None else self.default_out


def _check_deadline(company: Company, options: LetterOptions, as_of: dt.date) -> None:
    """Raise UsageError when a pre-AGM letter would ask for a reply on or after the AGM it is written for."""
    agm, respond_by = company.agm, options.respond_by
    if options.stage == "pre-agm" and agm is not None and respond_by is not None and as_of < agm <= respond_by:
        raise UsageError(
            f"--respond-by {respond_by.isoformat()} is not before {company.name}'s AGM on {agm.isoformat()}; "
            "a pre-AGM letter must ask for a reply before the meeting"
        )


def _many(missing: Sequence[Path], paths: Mapping[Path, str]) -> bool:
    """Return whether a tenth or more of the files missed a view: worth filling the other view from the same compile
    (for one changed file, rewriting the other view would cost more than compiling it there later)."""
    return len(missing) * 10 >= len(paths)


def _last_line(log: EngagementLog) -> int:
    """Return the line of the event written last in the file (the one just appended)."""
    return max((e.line for e in log.events), default=0)


def _broken(company_id: str) -> str:
    return f"companies/{company_id}.yaml has errors; run `engage check {company_id}`"


def _checked_weights(settings: Settings) -> Weights:
    """Return the scoring weights with engage.yaml's overrides; raises DataError naming engage.yaml's lines."""
    if not settings.weights:
        return load_weights(None)
    return load_weights(settings.weights, path=settings.label, lines=settings.weights_lines)
