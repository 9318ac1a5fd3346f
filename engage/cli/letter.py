"""The letter command: engagement letters to companies' boards, as PDF, Word and Markdown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import EngageError, UsageError
from ..letter import (
    FORMATS,
    STAGES,
    build_letter,
    options_from_settings,
    render_letter,
    resolve_signatories,
    weekend_warning,
    write_letter,
)
from ..profile import compile_profile, load_weights
from ..records import load_companies
from ..signatories import load_signatories
from .main import as_of_option, escape, get_app, open_workspace, out_option, select_ids, workspace_option


def _parse_formats(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """Return the formats of ``--format pdf,docx`` (repeatable), in the order given, or () for the default."""
    chosen: list[str] = []
    for item in value:
        for part in item.split(","):
            fmt = part.strip().lower()
            if not fmt:
                continue
            if fmt not in FORMATS:
                raise click.BadParameter(f"'{part.strip()}' is not a letter format; choose from {', '.join(FORMATS)}")
            if fmt not in chosen:
                chosen.append(fmt)
    if value and not chosen:
        raise click.BadParameter(f"give at least one of {', '.join(FORMATS)}")
    return tuple(chosen)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; expected YYYY-MM-DD, for example 2027-04-15") from None


@click.command()
@click.argument("companies", nargs=-1, metavar="[COMPANY]...")
@click.option("--all", "all_", is_flag=True, help="Write a letter to every company in the workspace.")
@as_of_option
@click.option(
    "--format",
    "formats",
    metavar="LIST",
    multiple=True,
    callback=_parse_formats,
    help="Comma-separated formats: pdf, docx, md (default: engage.yaml letter.formats, else all three).",
)
@click.option(
    "--signatories",
    "signatories_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="YAML or CSV file of signatories (name, title, organisation, aum); default: engage.yaml.",
)
@click.option(
    "--respond-by",
    metavar="DATE",
    callback=_parse_date,
    help="Response deadline (YYYY-MM-DD), used as given; default: 21 days before a recorded AGM, else 28 days "
    "after the letter, moved back to a working day.",
)
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    help="first (default), follow-up (notes what went unanswered) or pre-agm (what will weigh in the vote).",
)
@click.option(
    "--paper",
    type=click.Choice(("a4", "letter")),
    default="a4",
    show_default=True,
    help="Paper size of the PDF.",
)
@out_option
@workspace_option
def letter(
    companies: tuple[str, ...],
    all_: bool,
    as_of: dt.date,
    formats: tuple[str, ...],
    signatories_file: str | None,
    respond_by: dt.date | None,
    stage: str | None,
    paper: str,
    out: str | None,
    workspace: str | None,
) -> None:
    """Write engagement letters to COMPANY's board: the profile's questions, with sources.

    The letter is dated the --as-of date, addressed to the company's recorded contact (else
    the Board, care of the Company Secretary), signed by the signatories of engage.yaml or
    --signatories FILE, and asks for a response by --respond-by, else by the engage.yaml
    letter defaults (respond_before_agm_days before a recorded AGM when that leaves at
    least 14 days, else respond_within_days after the letter). Output:
    briefs/<id>/letter.pdf, letter.docx and letter.md (an email body).

    \b
    Examples:
      engage letter volkswagen --as-of 2026-11-01
      engage letter bmw mercedes-benz --stage pre-agm --format docx,md
      engage letter --all --signatories coalition.csv --respond-by 2027-03-31
      engage letter ford --paper letter --format pdf
    """
    app = get_app()
    if all_ and companies:
        raise UsageError("give company ids or --all, not both")
    if not all_ and not companies:
        raise UsageError("name at least one company (see `engage list`) or pass --all")
    if respond_by is not None and respond_by <= as_of:
        raise UsageError(
            f"--respond-by {respond_by.isoformat()} is not after the letter date {as_of.isoformat()} (--as-of)"
        )
    ws, settings, taxonomy = open_workspace(workspace)
    ids = select_ids(ws, companies, all_=all_)
    weekend = weekend_warning(respond_by) if respond_by is not None else None
    if weekend:
        app.warn(weekend)  # once, not once per company
    signatories = load_signatories(Path(signatories_file)) if signatories_file else None
    options = options_from_settings(settings, stage=stage, respond_by=respond_by, signatories=signatories, paper=paper)
    resolve_signatories(settings, options)  # no one to sign: say so once, not once per company
    chosen = formats or tuple(settings.letter.get("formats") or FORMATS)
    out_dir = Path(out) if out else ws.default_out

    loaded, problems = load_companies([ws.company_path(i) for i in ids], taxonomy, ws.root)
    for p in problems:
        app.problem(p)
    weights = load_weights(settings.weights or None)
    renderer = None
    if "pdf" in chosen and loaded:
        from ..pdf import Renderer

        renderer = Renderer(ws.templates_dir)

    failed: list[tuple[str, EngageError]] = []
    written = 0
    for company in loaded:
        try:
            profile = compile_profile(company, taxonomy, as_of, weights)
            built = build_letter(company, profile, settings, taxonomy, as_of, options)
            paths = write_letter(out_dir, company.id, render_letter(built, chosen, renderer))
        except EngageError as exc:
            if len(ids) == 1:
                raise
            failed.append((company.id, exc))
            app.err.print(f"[red]error:[/red] {escape(company.id)}: {escape(str(exc))}", highlight=False)
            continue
        written += 1
        for warning in built.warnings:
            app.warn(warning)
        if built.omitted_questions:
            asked = len(built.questions)
            app.warn(
                f"{company.id}: the letter asks the {asked} most serious of {asked + built.omitted_questions} "
                f"questions (all of them: engage profile {company.id})"
            )
        for path in paths:
            app.out.print(escape(ws.label(path)), highlight=False)
    broken = len(ids) - len(loaded)
    app.info(
        f"wrote {written} letter{'s' if written != 1 else ''} ({', '.join(chosen)}) to {escape(ws.label(out_dir))}/"
        + (f"; {broken + len(failed)} failed" if broken or failed else "")
    )
    if failed:
        raise click.exceptions.Exit(max(exc.exit_code for _, exc in failed))
    if broken:
        raise click.exceptions.Exit(1)


def register(cli: click.Group) -> None:
    """Add ``letter`` to the command group."""
    cli.add_command(letter)
