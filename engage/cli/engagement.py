"""`engage log` (add an event to a company's engagement log) and `engage report` (the stewardship report)."""

from __future__ import annotations

import datetime as dt

import click

from ..engagement.append import ids
from ..engagement.log import EVENT_KINDS, FILINGS, LETTER_STAGES, RESOLUTION_STATUSES, RESPONSE_QUALITIES, VOTES
from .main import as_of_option, get_app, open_workspace, workspace_option


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; expected YYYY-MM-DD, for example 2026-09-01") from None


def _choice(values: tuple[str, ...]) -> click.Choice:
    return click.Choice(values, case_sensitive=False)


@click.command(name="log")
@click.argument("company")
@click.argument("kind", type=_choice(EVENT_KINDS))
@click.option("--date", "date_", required=True, callback=_date, metavar="DATE", help="When it happened.")
@click.option("--stage", type=_choice(LETTER_STAGES), help="letter: first, follow-up or pre-agm.")
@click.option("--asks", metavar="IDS", help="letter: ask ids, comma-separated (objectives or recorded questions).")
@click.option("--respond-by", callback=_date, metavar="DATE", help="letter: the deadline it gave.")
@click.option("--signatories", type=click.IntRange(min=1), help="letter, statement: how many investors signed.")
@click.option("--letter", "letter_date", callback=_date, metavar="DATE", help="response: the letter it answers.")
@click.option("--answers", metavar="IDS", help="response: the ask ids it answers, comma-separated.")
@click.option("--quality", type=_choice(RESPONSE_QUALITIES), help="response: full, partial or none.")
@click.option("--with", "with_", metavar="TEXT", help="meeting, call: who from the company took part.")
@click.option("--objective", metavar="ID", help="milestone: the objective it advances.")
@click.option("--level", type=int, help="milestone: 1 concern raised, 2 acknowledged, 3 credible plan, 4 implemented.")
@click.option("--evidence", metavar="TEXT", help="milestone: what shows it (required at levels 3 and 4).")
@click.option("--meeting", callback=_date, metavar="DATE", help="vote: the shareholder meeting's date.")
@click.option("--item", metavar="TEXT", help="vote: the agenda item.")
@click.option("--how", type=_choice(VOTES), help="vote: for, against, abstain or withhold.")
@click.option("--rationale", metavar="TEXT", help="vote: why.")
@click.option("--filing", type=_choice(FILINGS), help="resolution: filed or co-filed.")
@click.option("--text", metavar="TEXT", help="resolution, statement: its text or gist.")
@click.option("--status", type=_choice(RESOLUTION_STATUSES), help="resolution: where it stands.")
@click.option("--support", type=float, help="resolution: support in % of votes cast.")
@click.option("--step", metavar="ID", help="escalation: the ladder step it takes.")
@click.option("--summary", metavar="TEXT", help="What happened, in a sentence or two.")
@click.option("--url", metavar="URL", help="A link to the letter, minutes or statement.")
@as_of_option
@workspace_option
def log_cmd(company: str, kind: str, date_: dt.date, as_of: dt.date, workspace: str | None, **options: object) -> None:
    """Add an event to COMPANY's engagement log (engagements/COMPANY.yaml), keeping its comments.

    The event is checked with the whole log before anything is written; every problem is
    named by file, line and field. KIND is one of letter, response, meeting, call,
    milestone, vote, resolution, statement, escalation.

    \b
    Examples:
      engage log example-motors letter --date 2026-09-01 --asks fpic-policy --respond-by 2026-10-13
      engage log example-motors response --date 2026-11-20 --answers fpic-policy --quality partial
      engage log example-motors milestone --date 2027-02-01 --objective fpic-policy --level 2
    """
    app = get_app()
    fields = {
        "date": date_,
        "stage": options["stage"],
        "asks": ids(options["asks"]),  # type: ignore[arg-type]
        "respond_by": options["respond_by"],
        "signatories": options["signatories"],
        "letter": options["letter_date"],
        "answers": ids(options["answers"]),  # type: ignore[arg-type]
        "quality": options["quality"],
        "with": options["with_"],
        "objective": options["objective"],
        "level": options["level"],
        "evidence": options["evidence"],
        "meeting": options["meeting"],
        "item": options["item"],
        "how": options["how"],
        "rationale": options["rationale"],
        "filing": options["filing"],
        "text": options["text"],
        "status": options["status"],
        "support": options["support"],
        "step": options["step"],
        "summary": options["summary"],
        "url": options["url"],
    }
    ws = open_workspace(workspace)
    path, warnings = ws.log_event(company, kind.lower(), as_of=as_of, **fields)
    for w in warnings:
        app.problem(w)
    state = ws.engagement(company, as_of=as_of)
    app.info(f"added a {kind.lower()} of {date_.isoformat()} to {ws.label(path)}; state as of {as_of}: {state.state}")
    if state.next_step:
        app.info(f"next: {state.next_step}")


@click.command()
@click.option("--from", "start", required=True, callback=_date, metavar="DATE", help="First day of the period.")
@click.option("--to", "end", required=True, callback=_date, metavar="DATE", help="Last day of the period.")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False), help="Also write an Excel workbook to FILE.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), help="Write the Markdown to FILE.")
@workspace_option
def report(start: dt.date, end: dt.date, xlsx: str | None, output: str | None, workspace: str | None) -> None:
    """The stewardship report: per company, objectives, activity, outcomes and escalation in a period.

    Markdown on stdout (or --output FILE), and with --xlsx FILE a workbook with one sheet per
    table (Summary, Objectives, Activity, Outcomes, Escalation), byte-identical for identical
    inputs. Outcomes include the policy and commitment records dated in the period.

    \b
    Examples:
      engage report --from 2026-01-01 --to 2026-12-31
      engage report --from 2026-01-01 --to 2026-12-31 --xlsx stewardship-2026.xlsx -o stewardship-2026.md
    """
    # The report's writers (and openpyxl for --xlsx) load only for this command.
    from ..documents.report import report_markdown, report_xlsx
    from ..output import write_atomic

    app = get_app()
    made = open_workspace(workspace).report(start=start, end=end)
    text = report_markdown(made)
    if output:
        write_atomic(output, text)
        app.info(f"wrote {output}")
    else:
        click.echo(text, nl=False)
    if xlsx:
        write_atomic(xlsx, report_xlsx(made))
        app.info(f"wrote {xlsx}")


def register(cli: click.Group) -> None:
    """Add log and report to the engage group."""
    cli.add_command(log_cmd)
    cli.add_command(report)
