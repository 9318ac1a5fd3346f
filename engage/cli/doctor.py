"""`engage doctor`: will rendering work on this machine, how fast, and what to install if not."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..cache import CacheState
from ..documents.doctor import doctor_report
from ..errors import EngageError
from .main import escape, get_app, open_workspace, workspace_option


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-render", is_flag=True, help="Skip the test render (only look for libraries and fonts).")
@workspace_option
def doctor(as_json: bool, no_render: bool, workspace: str | None) -> None:
    """Check the PDF toolchain: WeasyPrint, Pango, HarfBuzz and its subsetter, fonts, a test render.

    In a workspace, also report its record cache (.engage-cache/): size, and whether it
    fits this engage and taxonomy. Deleting the folder is always safe.

    Prints the exact command to install whatever is missing. Exit code 0 only when every
    check passes, 3 otherwise.

    \b
    Examples:
      engage doctor
      engage doctor --json
    """
    app = get_app()
    report = doctor_report(test_render=not no_render)
    cache = _cache_state(workspace)
    if as_json:
        payload = {
            "ok": report.ok,
            "versions": report.versions,
            "render_seconds": report.render_seconds,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix or None} for c in report.checks],
            "fixes": list(report.fixes),
            "cache": cache.to_dict() if cache is not None else None,
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("")
        table.add_column("check")
        table.add_column("result")
        for check in report.checks:
            mark = (
                "[green]ok[/green]" if check.ok else ("[yellow]slow[/yellow]" if check.warning else "[red]FAIL[/red]")
            )
            table.add_row(mark, check.name, escape(check.detail))
        app.out.print(table)
        if cache is not None:
            app.out.print(_cache_line(cache), highlight=False)
        if report.fixes:
            app.out.print("\nTo fix, run:", highlight=False)
            for fix in report.fixes:
                app.out.print(f"  {escape(fix)}", highlight=False)
        else:
            app.out.print("\nAll good: engage can render briefs and letters.", highlight=False)
    if not report.ok:
        raise click.exceptions.Exit(3)


def _cache_state(workspace: str | None) -> CacheState | None:
    """Return the state of the workspace's cache, or None outside a workspace."""
    try:
        ws = open_workspace(workspace)
    except EngageError:  # no workspace here, or one with bad settings: the toolchain report still stands
        return None
    return ws.records.state()


def _cache_line(cache: CacheState) -> str:
    if not cache.key_ok:
        return f"\nRecord cache: off (cannot keep the key {escape(str(cache.key_path))})"
    if not cache.files:
        return f"\nRecord cache: empty ({escape(str(cache.folder))})"
    fits = "fits this engage and taxonomy" if cache.current else "made by another engage or taxonomy: rebuilt on use"
    stale = f"; {cache.stale_contexts} stale folder(s) go on the next full run" if cache.stale_contexts else ""
    return (
        f"\nRecord cache: {escape(str(cache.folder))}, {cache.size / 1e6:.1f} MB in {cache.files} files, {fits}{stale}"
        " (delete the folder any time)"
    )


def register(cli: click.Group) -> None:
    """Add the doctor command to the engage group."""
    cli.add_command(doctor)
