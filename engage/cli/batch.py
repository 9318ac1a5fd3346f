"""`engage batch` and `engage agenda`: documents for many companies before AGM season, and what is due."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.table import Table

from ..batch import (
    KINDS,
    MANIFEST_NAME,
    BatchEvent,
    BatchOptions,
    BatchSummary,
    Plan,
    Selection,
    parse_shard,
    run_batch,
)
from ..batch import merge_manifests as merge_shard_manifests
from ..dates import parse_days
from ..documents.letter import STAGES as LETTER_STAGES
from ..documents.letter_files import FORMATS as LETTER_FORMATS
from ..errors import UsageError
from .main import App, as_of_option, escape, get_app, open_workspace, out_option, workspace_option

BAND_STYLES = {"low": "green", "moderate": "yellow", "elevated": "dark_orange", "high": "bold red"}
STATE_STYLES = {
    "up to date": "green",
    "stale": "yellow",
    "missing": "dark_orange",
    "failed last time": "bold red",
    "invalid record": "bold red",
}
ENGAGEMENT_STYLES = {
    "awaiting-response": "white",
    "overdue": "dark_orange",
    "responded": "green",
    "escalate": "bold red",
}


def _days(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_days(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; expected YYYY-MM-DD, for example 2027-04-15") from None


def _list(choices: tuple[str, ...]) -> Callable[[click.Context, click.Parameter, str | None], tuple[str, ...] | None]:
    def parse(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        items = [v.strip().lower() for v in value.split(",") if v.strip()]
        for item in items:
            if item not in choices:
                raise click.BadParameter(f"'{item}' is not one of {', '.join(choices)}")
        if not items:
            raise click.BadParameter(f"give at least one of {', '.join(choices)}")
        return tuple(dict.fromkeys(items))

    return parse


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        return parse_shard(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("companies", nargs=-1, metavar="[COMPANY]...")
@click.option("--all", "all_", is_flag=True, help="Every company in the workspace.")
@click.option(
    "--agm-within",
    metavar="DAYS",
    callback=_days,
    help="Companies whose AGM falls within DAYS of the as-of date (60d, 8w, 3m).",
)
@click.option(
    "--agm-before", metavar="DATE", callback=_date, help="Companies whose AGM falls between the as-of date and DATE."
)
@click.option(
    "--only",
    metavar="LIST",
    callback=_list(tuple(KINDS)),
    help="Documents to make, comma-separated: brief, letter (default: both).",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N", help="Worker processes (default: CPU count).")
@click.option("--force", is_flag=True, help="Render everything selected, even what is up to date.")
@click.option("--dry-run", is_flag=True, help="Print what would be rendered and why; write nothing.")
@click.option(
    "--shard",
    metavar="K/N",
    callback=_shard,
    help="Only the K-th of N slices of the selection (sorted ids, every N-th from the K-th).",
)
@click.option(
    "--merge-manifests",
    is_flag=True,
    help=f"Fold the shard manifests of the output folder into {MANIFEST_NAME} and stop.",
)
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="Paper size.")
@click.option(
    "--letter-format",
    "letter_formats",
    metavar="LIST",
    callback=_list(LETTER_FORMATS),
    help="Letter formats: pdf, docx, md (default: engage.yaml letter.formats, else all three).",
)
@click.option("--stage", type=click.Choice(LETTER_STAGES), help="Letter stage (default: engage.yaml, else first).")
@click.option("--respond-by", metavar="DATE", callback=_date, help="Letters' response deadline (YYYY-MM-DD).")
@click.option(
    "--signatories",
    "signatories_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="YAML or CSV file of the letters' signatories (default: engage.yaml).",
)
@click.option("--no-index", is_flag=True, help="Do not write briefs/index.html and index.pdf.")
@click.option(
    "--record",
    is_flag=True,
    help="Add each letter written in this run to engagements/<id>.yaml, with its asks and deadline.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary (with --dry-run: the plan) as JSON on stdout.")
@as_of_option
@out_option
@workspace_option
def batch(
    companies: tuple[str, ...],
    all_: bool,
    agm_within: int | None,
    agm_before: dt.date | None,
    only: tuple[str, ...] | None,
    jobs: int | None,
    force: bool,
    dry_run: bool,
    shard: tuple[int, int] | None,
    merge_manifests: bool,
    paper: str,
    letter_formats: tuple[str, ...] | None,
    stage: str | None,
    respond_by: dt.date | None,
    signatories_file: str | None,
    no_index: bool,
    record: bool,
    as_json: bool,
    as_of: dt.date,
    out: str | None,
    workspace: str | None,
) -> None:
    """Brief and letter for many companies: only what changed, in parallel, safe to interrupt.

    Selects companies (COMPANY ids, --all, or an AGM window), validates them, and renders
    each document whose inputs changed since it was last made: the company's record and
    engagement log, values from its peers (ranks, medians, practice), engage.yaml, the
    taxonomy, templates/, engage itself, the as-of date and the options. The rest is skipped
    (well under a second when nothing changed). Pin --as-of (default today) or ENGAGE_AS_OF.

    Output: briefs/<id>/brief.pdf and letter.*, briefs/index.html and index.pdf (companies by
    AGM date, with links and engagement state), and briefs/manifest.json. Files are replaced
    atomically: a failed render leaves the old good file in place. --record logs each letter.

    A company with an invalid record or a failed render is reported and the others go on.
    Exit code: 0 all done, 1 some records are invalid, 3 a document failed to render or be
    written, or the output folder cannot be written (read-only, or another batch is writing
    to it), 130 interrupted by Ctrl-C, 143 stopped by SIGTERM. Both stop within seconds,
    print the summary and keep what finished: run again to finish. Workers never outlive
    the batch, even when it is killed.

    \b
    Sharding over CI jobs: --shard K/N takes every N-th company of the sorted selection,
    starting at the K-th, and writes manifest.shard-K-of-N.json (shard 1 also writes the
    index). Copy the output folders together; every run reads all manifests in the folder
    (the newest entry per company wins), and --merge-manifests folds them into one.

    \b
    Examples:
      engage batch --agm-within 60d
      engage batch --all --only brief --jobs 4
      engage batch volkswagen bmw --force --stage pre-agm --letter-format pdf,docx
      engage batch --agm-before 2027-06-30 --dry-run
      engage batch --agm-within 60d --dry-run --json | jq '.companies[] | select(.action == "render")'
      engage batch --all --shard 2/4 --as-of 2027-03-01
    """
    app = get_app()
    ws = open_workspace(workspace)
    out_dir = Path(out) if out else ws.default_out
    if merge_manifests:
        return _merge_manifests(app, out_dir.resolve(), as_json)
    options = BatchOptions(
        as_of=as_of,
        selection=Selection(tuple(companies), all_, agm_within, agm_before),
        kinds=only or tuple(KINDS),
        out_dir=out_dir,
        jobs=jobs,
        force=force,
        shard=shard,
        paper=paper,
        letter_formats=letter_formats,
        stage=stage,
        respond_by=respond_by,
        signatories_file=Path(signatories_file) if signatories_file else None,
        index=not no_index,
    )
    started = time.perf_counter()
    plan = ws.plan_batch(options)
    if dry_run:
        if as_json:
            click.echo(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False))
        else:
            _print_plan(app, plan)
        return
    for warning in plan.letter_warnings():
        app.warn(warning)
    with _progress(app) as on_event:
        summary = run_batch(plan, on_event=on_event)  # the plan is printed above, so not ws.batch()
    wall = time.perf_counter() - started
    for path in ws.record_batch_letters(summary) if record else ():
        app.info(f"recorded the letter in {escape(ws.label(path))}")
    if as_json:
        _print_failures(app, summary)
        click.echo(json.dumps({**summary.to_dict(), "seconds": round(wall, 3)}, indent=2, ensure_ascii=False))
        _print_stopped(app, summary)
    else:
        _print_summary(app, summary, wall)
    if summary.exit_code:
        raise click.exceptions.Exit(summary.exit_code)


def _merge_manifests(app: App, out_dir: Path, as_json: bool) -> None:
    """Fold the shard manifests into manifest.json; say what was merged (``--json``: as JSON on stdout)."""
    path, merged = merge_shard_manifests(out_dir)
    if as_json:
        companies = json.loads(path.read_text(encoding="utf-8")).get("companies") or {}
        summary = {
            "manifest": str(path),
            "merged": [str(p) for p in merged],
            "companies": sorted(companies),
        }
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    app.info(f"merged {len(merged)} shard manifest{'s' if len(merged) != 1 else ''} into {escape(str(path))}")


# --------------------------------------------------------------------------- progress


def _outcome_line(event: BatchEvent) -> str:
    """Return '[12/200] volkswagen: rendered brief.pdf, letter.pdf (1.21 s)' for one finished company."""
    result = event.result
    assert result is not None
    width = len(str(event.total))
    head = f"[{event.done:>{width}}/{event.total}] {result.company_id}"
    if result.ok:
        files = ", ".join(Path(o.path).name for d in result.documents for o in d.outputs)
        return f"{head}: rendered {files} ({result.seconds:.2f} s)"
    return f"{head}: failed: {result.reason}"


@contextmanager
def _progress(app: App) -> Iterator[Callable[[BatchEvent], None]]:
    """Yield the event handler: a rich bar on a terminal, one plain line per company otherwise, nothing with -q."""
    if app.quiet:
        yield _quiet_handler(app)
        return
    if not app.err.is_terminal:
        yield _plain_handler(app)
        return
    # rich.progress loads only when a bar is shown (a terminal, not quiet).
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=app.err,
        transient=True,
    )
    task_id = None

    def handle(event: BatchEvent) -> None:
        nonlocal task_id
        if event.kind == "planned":
            if event.total:
                task_id = progress.add_task("rendering", total=event.total)
        elif event.kind == "done" and event.result is not None:
            if not event.result.ok:
                progress.console.print(f"[red]failed:[/red] {escape(_outcome_line(event))}", highlight=False)
            if task_id is not None:
                progress.update(task_id, completed=event.done, description=escape(event.result.company_id))
        elif event.kind == "index" and task_id is not None:
            progress.update(task_id, description="index")
        elif event.kind == "interrupting":
            progress.console.print(f"[yellow]{_stopped(event)}:[/yellow] stopping the workers…", highlight=False)

    with progress:
        yield handle


def _plain_handler(app: App) -> Callable[[BatchEvent], None]:
    def handle(event: BatchEvent) -> None:
        if event.kind == "planned" and event.plan is not None:
            plan = event.plan
            skipped = plan.counts["skip"]
            app.err.print(
                f"{len(plan.items)} selected: {event.total} to do, {skipped} up to date", highlight=False, markup=False
            )
        elif event.kind == "done" and event.result is not None:
            app.err.print(_outcome_line(event), highlight=False, markup=False)
        elif event.kind == "index":
            app.err.print("index: refreshing index.html and index.pdf if they changed", highlight=False, markup=False)
        elif event.kind == "interrupting":
            app.err.print(f"{_stopped(event)}: stopping the workers", highlight=False, markup=False)

    return handle


def _stopped(event: BatchEvent) -> str:
    """Return what stopped the run: 'Terminated' (SIGTERM) or 'Interrupted' (Ctrl-C)."""
    return "Terminated" if event.message == "terminated" else "Interrupted"


def _quiet_handler(app: App) -> Callable[[BatchEvent], None]:
    def handle(event: BatchEvent) -> None:
        return None

    return handle


# --------------------------------------------------------------------------- reports


def _print_plan(app: App, plan: Plan) -> None:
    """Print the dry-run plan: each company, what would happen to each document, and why."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold", box=None)
    for col in ("company", "agm", "band", "document", "action", "why"):
        table.add_column(col)
    for item in plan.items:
        agm = (item.agm.isoformat() + (" expected" if item.agm_expected else "")) if item.agm else "–"
        band = f"[{BAND_STYLES.get(item.band, 'white')}]{item.band}[/]" if item.band else "–"
        if item.error is not None:
            table.add_row(escape(item.company_id), agm, band, "–", "[red]fail[/red]", escape(item.error))
            continue
        for i, doc in enumerate(item.documents):
            action = "[yellow]render[/yellow]" if doc.action == "render" else "[green]skip[/green]"
            first = i == 0
            table.add_row(
                escape(item.company_id) if first else "",
                agm if first else "",
                band if first else "",
                doc.kind,
                action,
                escape(doc.reason),
            )
    if plan.items:
        app.out.print(table)
    counts = plan.counts
    fast = " (no input changed since the last identical run)" if plan.fast else ""
    index = "" if not plan.writes_index else "; the index is refreshed when its content changes"
    app.out.print(
        f"{len(plan.items)} selected ({plan.options.selection.describe(plan.options.as_of)}): "
        f"{counts['render']} to render, {counts['skip']} up to date{fast}, {counts['fail']} invalid{index}",
        highlight=False,
    )


def _print_warnings(app: App, summary: BatchSummary) -> None:
    """Print each warning about a written document (a character printed as a box...) to stderr, once."""
    for company, warning in summary.warnings:
        app.warn(f"{company}: {warning}")


def _print_summary(app: App, summary: BatchSummary, wall: float) -> None:
    """Print the summary table (rendered, skipped, failed with reasons, time), the failures and the warnings."""
    _print_failures(app, summary)
    if app.quiet:
        return
    table = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column()
    rendered = summary.rendered
    documents = summary.files_written
    table.add_row("rendered", str(len(rendered)), f"companies ({documents} files)" if rendered else "companies")
    table.add_row("skipped", str(len(summary.skipped)), "up to date")
    failed = summary.failed
    table.add_row("failed", f"[red]{len(failed)}[/red]" if failed else "0", _failure_kinds(summary))
    if summary.interrupted:
        table.add_row("not done", str(len(summary.not_started)), "interrupted; run the same command to finish")
    if summary.index_files:
        table.add_row("index", str(len(summary.index_files)), ", ".join(summary.index_files))
    workers = f"{summary.workers} worker{'s' if summary.workers != 1 else ''}" if summary.workers else ""
    table.add_row("time", f"{wall:.2f} s", workers)
    if summary.worker_peak_mb:
        table.add_row("memory", f"{summary.worker_peak_mb:.0f} MB", "peak of a worker")
    app.out.print(table)
    _print_stopped(app, summary)


def _print_stopped(app: App, summary: BatchSummary) -> None:
    """Say on stderr that the run was stopped, and by what, when it was."""
    if summary.interrupted:
        app.err.print("Terminated (SIGTERM)." if summary.terminated else "Interrupted.", highlight=False)


def _print_failures(app: App, summary: BatchSummary) -> None:
    """Print one error line per reason to stderr (companies failing alike share a line), the index's error, warnings."""
    for row in summary.failure_groups():
        app.err.print(f"[red]error:[/red] {escape(row[0])}: {escape(row[1])}", highlight=False)
    if summary.index_error:
        app.err.print(f"[red]error:[/red] index: {escape(summary.index_error)}", highlight=False)
    _print_warnings(app, summary)


def _failure_kinds(summary: BatchSummary) -> str:
    kinds = summary.failure_kinds
    parts = []
    if kinds.get("data"):
        parts.append(f"{kinds['data']} invalid (run `engage check`)")
    if kinds.get("render"):
        parts.append(f"{kinds['render']} render failure{'s' if kinds['render'] != 1 else ''}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- agenda


@click.command(name="agenda")
@click.option(
    "--within", metavar="DAYS", callback=_days, default="90d", show_default=True, help="How far ahead to look."
)
@click.option(
    "--only",
    metavar="LIST",
    callback=_list(tuple(KINDS)),
    help="Documents to judge, comma-separated: brief, letter (default: both).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@as_of_option
@out_option
@workspace_option
def agenda_cmd(
    within: int, only: tuple[str, ...] | None, as_json: bool, as_of: dt.date, out: str | None, workspace: str | None
) -> None:
    """Upcoming AGMs, soonest first, with the state of each company's documents.

    States: up to date (re-rendering would change nothing), stale (an input changed since:
    the record, a peer, settings, templates or engage), missing (never made, or the file is
    gone), failed last time, invalid record. Run `engage batch --agm-within DAYS` to bring
    them up to date. A company with no announced AGM is listed by the AGM expected from its
    past ones (marked expected; "agm_expected": true in --json). After them come the companies
    whose engagement is overdue or due an escalation, whenever their AGM ("listed_for":
    "engagement" in --json; "agm" for the others).

    \b
    Examples:
      engage agenda
      engage agenda --within 30d --as-of 2027-03-01
      engage agenda --json | jq '.[] | select(.state != "up to date")'
    """
    app = get_app()
    rows = open_workspace(workspace).agenda(as_of=as_of, within=within, out=out, kinds=only or tuple(KINDS))
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
        return
    last = as_of + dt.timedelta(days=within)
    if not rows:
        app.out.print(
            f"No AGMs between {as_of.isoformat()} and {last.isoformat()}, and no engagement overdue or due "
            "an escalation.",
            highlight=False,
        )
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold", box=None)
    for col, justify in (
        ("agm", "left"),
        ("days", "right"),
        ("company", "left"),
        ("band", "left"),
        ("documents", "left"),
        ("as of", "left"),
        ("detail", "left"),
        ("engagement", "left"),
        ("next deadline", "left"),
        ("next step", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        band = f"[{BAND_STYLES.get(r.band, 'white')}]{r.band}[/]" if r.band else "–"
        state = f"[{STATE_STYLES.get(r.state, 'white')}]{r.state}[/]"
        engagement = r.engagement_dict()
        agm = (r.agm.isoformat() + (" expected" if r.agm_expected else "")) if r.agm else "?"
        table.add_row(
            agm + (" (after the window)" if r.listed_for == "engagement" and r.agm else ""),
            str(r.days_away) if r.days_away is not None else "",
            escape(r.name),
            band,
            state,
            r.documents_as_of.isoformat() if r.documents_as_of else "",
            escape(r.detail),
            f"[{ENGAGEMENT_STYLES.get(engagement['state'], 'white')}]{engagement['state'] or 'invalid log'}[/]",
            engagement["next_deadline"] or "",
            escape(engagement["next_step"] or engagement.get("error") or ""),
        )
    app.out.print(table)
    at_agm = [r for r in rows if r.listed_for == "agm"]
    counts = Counter(r.state for r in at_agm)
    app.out.print(
        f"{len(at_agm)} AGM{'s' if len(at_agm) != 1 else ''} between {as_of.isoformat()} and {last.isoformat()}"
        + (": " + ", ".join(f"{n} {state}" for state, n in counts.most_common()) if at_agm else "")
        + (
            f"; {len(rows) - len(at_agm)} more listed for an engagement overdue or due an escalation"
            if len(rows) > len(at_agm)
            else ""
        ),
        highlight=False,
    )
    if any(r.agm_expected for r in rows):
        app.out.print(
            "An AGM marked expected is not announced: it is estimated from the company's past meetings "
            "(the same month and weekday as the latest one).",
            highlight=False,
        )


# --------------------------------------------------------------------------- dashboard


@click.command(name="dashboard")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="Paper size.")
@click.option(
    "--due-within",
    metavar="DAYS",
    callback=_days,
    help="'Due for action': an AGM within DAYS (60d, 8w, 3m); default engage.yaml's engagement.due_within_days, "
    "else 60 days.",
)
@as_of_option
@out_option
@workspace_option
def dashboard_cmd(paper: str, due_within: int | None, as_of: dt.date, out: str | None, workspace: str | None) -> None:
    """Write the portfolio dashboard, briefs/index.html and index.pdf, without rendering any brief.

    One row per company: net risk in each of the thirteen action areas, overall, rank,
    trend and its cause, evidence age, benchmark rank, next AGM, engagement state and next
    step, and links to the briefs and letters already in the output folder. Open
    index.html in a browser (it loads nothing from the network); sort by any column,
    filter, and share a view by its address, e.g. index.html#sort=overall&dir=desc&area=minerals.
    `engage batch` writes the same files.

    \b
    Examples:
      engage dashboard
      engage dashboard --as-of 2027-03-01 --out /tmp/briefs
      engage dashboard --due-within 120d
    """
    app = get_app()
    ws = open_workspace(workspace)
    for path in ws.dashboard(as_of=as_of, out=out, paper=paper, due_days=due_within):
        app.info(f"wrote {escape(ws.label(path))} ({path.stat().st_size // 1024} KB)")


def register(cli: click.Group) -> None:
    """Add batch, agenda and dashboard to the engage group."""
    cli.add_command(batch)
    cli.add_command(agenda_cmd)
    cli.add_command(dashboard_cmd)
