"""Commands about records: check, list, init, schema."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from importlib import resources
from pathlib import Path

import click
from rich.table import Table

from ..cache import CACHE_DIR
from ..errors import UsageError
from ..schema import log_schema, record_schema
from ..taxonomy import load_taxonomy
from ..workspace import CONFIG_NAME, find_workspace
from .main import as_of_option, escape, get_app, open_workspace, workspace_option


@click.command()
@click.argument("companies", nargs=-1, metavar="[COMPANY]...")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--json", "as_json", is_flag=True, help="Print every problem as JSON (file, line, column, field).")
@as_of_option
@workspace_option
def check(companies: tuple[str, ...], strict: bool, as_json: bool, as_of: dt.date, workspace: str | None) -> None:
    """Validate records: every problem in every file, named by file, line and field.

    Errors (exit 1) are records engage cannot use. Warnings describe the state of the public
    record: stale sources (newest older than 24 months), allegations with no company
    response, commitments past their target year and still open, sources without url, dates
    after the as-of date.

    \b
    Examples:
      engage check
      engage check volkswagen bmw --strict --as-of 2026-11-01
      engage check --json | jq '.problems[] | select(.level == "error")'
    """
    app = get_app()
    result = open_workspace(workspace).check(companies, as_of=as_of)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        if not result.ok(strict):
            raise click.exceptions.Exit(1)
        return
    problems, warnings, ids = result.errors, result.warnings, result.ids
    app.problems((*problems, *warnings))
    errors = len(problems)
    kinds = Counter(w.kind for w in warnings)
    detail = f" ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})" if kinds else ""
    failed = len(result.broken)
    summary = (
        f"checked {len(ids)} compan{'y' if len(ids) == 1 else 'ies'}: "
        f"{errors} error{'s' if errors != 1 else ''}"
        f"{f' in {failed} file' + ('s' if failed != 1 else '') if failed else ''}, "
        f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}{detail}"
    )
    app.err.print(summary, highlight=False)
    if errors or (strict and warnings):
        raise click.exceptions.Exit(1)


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@as_of_option
@workspace_option
def list_(as_json: bool, as_of: dt.date, workspace: str | None) -> None:
    """List the companies in the workspace: id, name, country, next AGM, counts, newest record.

    The next AGM is the announced one, else the one expected from the company's past AGMs
    (marked expected; "agm_expected": true in --json).

    Companies whose file has errors are listed with the error count (run `engage check`).

    \b
    Examples:
      engage list
      engage list --json | jq '.[] | select(.agm != null)'
    """
    app = get_app()
    ws = open_workspace(workspace)
    rows = ws.listing(as_of=as_of)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col, justify in (
        ("id", "left"),
        ("name", "left"),
        ("country", "left"),
        ("next AGM", "left"),
        ("allegations", "right"),
        ("commitments", "right"),
        ("policies", "right"),
        ("newest", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        if "errors" in r:
            broken = f"[red]{r['errors']} error(s): run engage check[/red]"
            table.add_row(escape(r["id"]), broken, "", "", "", "", "", "")
            continue
        table.add_row(
            escape(r["id"]),
            escape(r["name"]),
            r["country"],
            (r["agm"] + (" expected" if r["agm_expected"] else "")) if r["agm"] else "-",
            str(r["allegations"]),
            str(r["commitments"]),
            str(r["policies"]),
            r["newest"] or "-",
        )
    app.out.print(table)
    if not rows:
        app.info(f"no company records in {ws.label(ws.folder.companies_dir)}/; see companies/ of `engage init`")


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Start a new workspace in DIRECTORY: companies/ and engagements/ with commented examples, engage.yaml, templates/.

    Existing files are never overwritten.

    \b
    Example:
      engage init ~/campaign && engage check --workspace ~/campaign
    """
    app = get_app()
    init_files = resources.files("engage") / "resources" / "init"
    targets = {
        directory / "companies" / "example-motors.yaml": (init_files / "example.yaml").read_text(encoding="utf-8"),
        directory / CONFIG_NAME: (init_files / "engage.yaml").read_text(encoding="utf-8"),
        directory / "engagements" / "example-motors.yaml": (init_files / "engagement.yaml").read_text(encoding="utf-8"),
    }
    existing = [str(p) for p in targets if p.exists()]
    if existing:
        raise UsageError(f"not overwriting existing file(s): {', '.join(existing)}")
    try:
        for sub in ("companies", "engagements", "templates", "briefs"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        for path, text in targets.items():
            path.write_text(text, encoding="utf-8")
        _ignore_cache(directory / ".gitignore")
    except OSError as exc:
        raise UsageError(f"cannot create workspace in {directory}: {exc.strerror}") from None
    app.info(
        f"created workspace {directory}: companies/example-motors.yaml, engagements/example-motors.yaml, "
        f"{CONFIG_NAME}, templates/"
    )
    app.info(f"next: edit the example record, then run: engage check --workspace {directory}")


def _ignore_cache(path: Path) -> None:
    """Make git ignore the record cache (.engage-cache/): add the line to .gitignore unless it is there."""
    line = f"{CACHE_DIR}/"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if line not in text.splitlines():
        path.write_text(text + ("\n" if text and not text.endswith("\n") else "") + line + "\n", encoding="utf-8")


@click.command()
@click.option("--log", "of_log", is_flag=True, help="The schema of engagement logs (engagements/*.yaml) instead.")
@workspace_option
def schema(of_log: bool, workspace: str | None) -> None:
    """Print the JSON Schema of the record format, or with --log of engagement logs (for editor autocompletion).

    Uses the workspace's taxonomy when run inside one, so area keys match.

    \b
    Example (VS Code with the YAML extension, in .vscode/settings.json):
      engage schema > record.schema.json
      engage schema --log > log.schema.json
      "yaml.schemas": {"./record.schema.json": "companies/*.yaml", "./log.schema.json": "engagements/*.yaml"}
    """
    try:
        root = find_workspace(workspace).root
    except UsageError:
        root = None
    taxonomy = load_taxonomy(root)
    made = log_schema(taxonomy) if of_log else record_schema(taxonomy)
    click.echo(json.dumps(made, indent=2, ensure_ascii=False))


def register(cli: click.Group) -> None:
    """Add the record commands to the group."""
    for command in (check, list_, init, schema):
        cli.add_command(command)
