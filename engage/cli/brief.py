"""`engage brief`: investor briefing PDFs (or HTML) in briefs/<company-id>/brief.pdf."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import DataError
from .main import as_of_option, escape, get_app, open_workspace, out_option, workspace_option


@click.command()
@click.argument("companies", nargs=-1, metavar="[COMPANY]...")
@click.option("--all", "all_", is_flag=True, help="Brief every company in the workspace.")
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True, help="Output format."
)
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="Paper size (PDF).")
@as_of_option
@out_option
@workspace_option
def brief(
    companies: tuple[str, ...],
    all_: bool,
    fmt: str,
    paper: str,
    as_of: dt.date,
    out: str | None,
    workspace: str | None,
) -> None:
    """Write an investor briefing for each COMPANY: briefs/<company-id>/brief.pdf (or .html).

    The brief holds a cover, executive summary, risk map with a chart against the peer
    median, regulatory exposure, allegations, commitments, opportunities, ranked questions
    for management, and the methodology with a numbered reference list. An existing brief
    is replaced only by a complete new file. Peer ranks use every valid company in the
    workspace. Exit code 1 when a record has errors, 3 when a brief could not be rendered
    or written.

    \b
    Examples:
      engage brief volkswagen --as-of 2026-11-01
      engage brief --all --out /tmp/briefs --paper letter
      engage brief bmw --format html
    """
    app = get_app()
    ws = open_workspace(workspace)
    ids = ws.select(companies, all_=all_)
    for p in ws.load(ids)[1]:
        app.problem(p)
    outcomes = ws.briefs(ids, as_of=as_of, out=out, fmt=fmt, paper=paper)
    exit_code = 0
    for o in outcomes:
        if o.error is not None:
            app.err.print(f"[red]error:[/red] {o.company_id}: {escape(str(o.error).splitlines()[0])}", highlight=False)
            exit_code = max(exit_code, 1 if isinstance(o.error, DataError) else o.error.exit_code)
            continue
        assert o.path is not None
        for w in o.warnings:
            app.warn(f"{o.company_id}: {w}")
        pages = f"{o.pages} page{'s' if o.pages != 1 else ''}, " if o.pages is not None else ""
        app.info(f"wrote {escape(_label(o.path, ws.root))} ({pages}{o.size // 1024} KB)")
    failed = sum(1 for o in outcomes if o.error is not None)
    if len(outcomes) > 1 or failed:
        app.info(f"{len(outcomes) - failed} of {len(outcomes)} brief{'s' if len(outcomes) != 1 else ''} written")
    if exit_code:
        raise click.exceptions.Exit(exit_code)


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def register(cli: click.Group) -> None:
    """Add the brief command to the engage group."""
    cli.add_command(brief)
