"""`engage doctor`: will rendering work on this machine, how fast, and what to install if not."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..documents.doctor import doctor_report
from .main import escape, get_app


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-render", is_flag=True, help="Skip the test render (only look for libraries and fonts).")
def doctor(as_json: bool, no_render: bool) -> None:
    """Check the PDF toolchain: WeasyPrint, Pango, HarfBuzz and its subsetter, fonts, a test render.

    Prints the exact command to install whatever is missing. Exit code 0 only when every
    check passes, 3 otherwise.

    \b
    Examples:
      engage doctor
      engage doctor --json
    """
    app = get_app()
    report = doctor_report(test_render=not no_render)
    if as_json:
        payload = {
            "ok": report.ok,
            "versions": report.versions,
            "render_seconds": report.render_seconds,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix or None} for c in report.checks],
            "fixes": list(report.fixes),
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
        if report.fixes:
            app.out.print("\nTo fix, run:", highlight=False)
            for fix in report.fixes:
                app.out.print(f"  {escape(fix)}", highlight=False)
        else:
            app.out.print("\nAll good: engage can render briefs and letters.", highlight=False)
    if not report.ok:
        raise click.exceptions.Exit(3)


def register(cli: click.Group) -> None:
    """Add the doctor command to the engage group."""
    cli.add_command(doctor)
