"""The letter command: engagement letters to companies' boards, as PDF, Word and Markdown."""

from __future__ import annotations

import datetime as dt

import click

from ..documents.letter import STAGES
from ..documents.letter_deadline import LUNAR_NEW_YEAR_COUNTRIES
from ..documents.letter_files import FORMATS
from ..errors import DataError
from .main import as_of_option, escape, get_app, open_workspace, out_option, workspace_option


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
    "--letter-format",
    "formats",
    metavar="LIST",
    multiple=True,
    callback=_parse_formats,
    help="Comma-separated formats: pdf, docx, md (default: engage.yaml letter.formats, else all three).",
)
@click.option("--format", "formats_alias", multiple=True, callback=_parse_formats, hidden=True)
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
    help="Response deadline (YYYY-MM-DD), used as given (a date after the AGM is warned about); default: eight "
    "weeks after the letter (not counting the 24 Dec-2 Jan break, nor Lunar New Year for companies in "
    + ", ".join(sorted(LUNAR_NEW_YEAR_COUNTRIES))
    + "), moved forward to a working day, and at least "
    "21 days before a recorded AGM.",
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
@click.option(
    "--record",
    is_flag=True,
    help="Add each letter written to engagements/<id>.yaml, with its asks (q1, q2... as numbered) and deadline.",
)
@out_option
@workspace_option
def letter(
    companies: tuple[str, ...],
    all_: bool,
    as_of: dt.date,
    formats: tuple[str, ...],
    formats_alias: tuple[str, ...],
    signatories_file: str | None,
    respond_by: dt.date | None,
    stage: str | None,
    paper: str,
    record: bool,
    out: str | None,
    workspace: str | None,
) -> None:
    """Write engagement letters to COMPANY's board: numbered asks, an annex of questions, sources.

    The letter is dated the --as-of date, addressed to the company's recorded contact (else
    the Board, care of the Company Secretary), signed by the signatories of engage.yaml or
    --signatories FILE, and asks for a response by --respond-by, else by the engage.yaml
    letter defaults (respond_within_days after the letter, default 56, but no later than
    respond_before_agm_days before a recorded AGM). Output:
    briefs/<id>/letter.pdf, letter.docx and letter.md (an email body).

    \b
    Examples:
      engage letter volkswagen --as-of 2026-11-01
      engage letter bmw mercedes-benz --stage pre-agm --letter-format docx,md
      engage letter --all --signatories coalition.csv --respond-by 2027-03-31
      engage letter ford --paper letter --letter-format pdf
      engage letter example-motors --stage follow-up --letter-format md --record
    """
    app = get_app()
    ws = open_workspace(workspace)
    run = ws.letters(
        ws.select(companies, all_=all_),
        as_of=as_of,
        out=out,
        formats=formats or formats_alias or None,
        stage=stage,
        respond_by=respond_by,
        signatories=signatories_file,
        paper=paper,
        record=record,
    )
    for w in run.warnings:
        app.warn(w)
    for p in run.problems:
        app.problem(p)
    if len(run.outcomes) == 1 and run.outcomes[0].error is not None and not run.problems:
        raise run.outcomes[0].error
    for o in run.outcomes:
        if o.error is not None:
            if not isinstance(o.error, DataError) or not run.problems:
                app.err.print(f"[red]error:[/red] {escape(o.company_id)}: {escape(str(o.error))}", highlight=False)
            continue
        for warning in o.warnings:
            app.warn(warning)
        for path in o.paths:
            app.out.print(escape(ws.label(path)), highlight=False)
        for path in o.recorded:
            app.info(f"recorded the letter in {escape(ws.label(path))}")
    failed = [o for o in run.outcomes if o.error is not None]
    written = len(run.outcomes) - len(failed)
    app.info(
        f"wrote {written} letter{'s' if written != 1 else ''} ({', '.join(run.formats)}) to "
        f"{escape(ws.label(run.out_dir))}/" + (f"; {len(failed)} failed" if failed else "")
    )
    if failed:
        raise click.exceptions.Exit(max(o.error.exit_code for o in failed if o.error is not None))


def register(cli: click.Group) -> None:
    """Add ``letter`` to the command group."""
    cli.add_command(letter)
