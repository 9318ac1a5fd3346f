"""Commands about risk profiles: profile (one company in the terminal) and compare (the peer leaderboard)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import click
from rich.table import Table

from ..documents import export
from ..engagement.state import ReplyStats
from ..errors import UsageError
from ..output import write_atomic
from ..profile import OVERALL, Profile
from ..profile.asks import Ask, annex_questions, told_in_asks
from ..profile.rules import DAYS_PER_MONTH
from ..taxonomy import Taxonomy
from .main import App, as_of_option, escape, get_app, open_workspace, workspace_option

BAND_STYLES = {"low": "green", "moderate": "yellow", "elevated": "dark_orange", "high": "bold red"}
TREND_MARKS = {"rising": "↑", "falling": "↓", "steady": "→"}


def _warn_skipped(app: App, skipped: tuple[str, ...]) -> None:
    if skipped:
        app.warn(
            f"skipped {len(skipped)} compan{'y' if len(skipped) == 1 else 'ies'} with errors: {', '.join(skipped)} "
            "(run `engage check`)"
        )


def _band(band: str) -> str:
    return f"[{BAND_STYLES[band]}]{band}[/]"


def _num(x: float) -> str:
    return f"{x:.1f}"


def _trend(trend: str, delta: float, cause: str | None) -> str:
    """Return a trend for the terminal; a fall from ageing alone is marked as such, never as an improvement."""
    if trend == "steady":
        return f"→ {delta:+.1f}"
    if trend == "falling" and cause == "ageing":
        return f"aged {delta:+.1f}"
    why = {"new-evidence": " new", "mixed": " mixed"}.get(cause or "", "")
    return f"{TREND_MARKS[trend]} {delta:+.1f}{why}"


@click.command()
@click.argument("company")
@click.option("--json", "as_json", is_flag=True, help="Print the profile as JSON (schema: docs/profile-schema.md).")
@click.option(
    "--explain", "explain", metavar="AREA", help="List every contribution to AREA (an area key or 'overall')."
)
@as_of_option
@workspace_option
def profile(company: str, as_json: bool, explain: str | None, as_of: dt.date, workspace: str | None) -> None:
    """Show COMPANY's risk profile: the thirteen areas, top gaps, questions and opportunities.

    Net risk (0-100) is the unmanaged risk: the sector's inherent exposure plus what
    allegations and broken commitments add, less what management (commitments and
    policies) covers. Peer rank 1 is the lowest risk among the rated companies of the
    workspace. See docs/methodology.md.

    \b
    Examples:
      engage profile volkswagen
      engage profile volkswagen --explain minerals --as-of 2026-11-01
      engage profile volkswagen --json > volkswagen.json
    """
    app = get_app()
    ws = open_workspace(workspace)
    p = ws.profile(company, as_of=as_of)
    _warn_skipped(app, ws.skipped(as_of=as_of))
    if explain is not None:
        explain = ws.area_key(explain)
    if as_json:
        from ..documents.export import profile_document  # the JSON writer, only for --json

        click.echo(profile_document(p, ws.asks(company, as_of=as_of)), nl=False)
        return
    if explain is not None:
        _print_explain(app, p, explain)
        return
    _print_profile(app, p, ws.taxonomy, ws.asks(company, as_of=as_of))


def _print_profile(app: App, p: Profile, taxonomy: Taxonomy, asks: Sequence[Ask] = ()) -> None:
    o = p.overall
    r = p.rank()
    rank = f", rank {r.rank} of {r.of} (1 = lowest risk)" if r and r.of > 1 else ""
    app.out.print(
        f"[bold]{escape(p.company_name)}[/bold] as of {p.as_of.isoformat()} "
        f"(weights {escape(p.weights_version)}, taxonomy {p.taxonomy_version})"
    )
    if not p.rated:
        app.out.print("Not rated: no allegation, commitment or policy on record, so no score and no rank")
    else:
        cause = {"ageing": ", from ageing evidence only", "new-evidence": ", on new evidence", "mixed": ""}.get(
            o.trend_cause, ""
        )
        app.out.print(
            f"Overall unmanaged risk [bold]{_num(o.net)}[/bold] {_band(o.band)}{rank}; peak {_num(o.peak)} "
            f"({o.peak_on.isoformat()}); {_trend(o.trend, o.trend_delta, o.trend_cause)} vs a year ago{cause}"
        )
    ev = p.evidence
    if ev.newest is not None:
        stale = " (stale)" if ev.stale else ""
        dated = p.overall.newest_source
        upto = "up to " if dated is not None and dated.precision != "day" else ""
        app.out.print(
            f"Newest evidence {dated or ev.newest.isoformat()}, {upto}{ev.age_months} months old{stale}; "
            f"{p.assessed_areas} of {len(p.areas)} areas assessed for management"
        )
    for b in p.benchmarks[:1]:
        bits = [f"rank {b.rank}" + (f" of {b.of}" if b.of else "")] if b.rank is not None else []
        bits += [f"{b.score_pct:g}%"] if b.score_pct is not None else []
        app.out.print(
            f"External benchmark (shown beside, not blended): {escape(b.name)} {b.year}: {', '.join(bits) or 'listed'}"
        )
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col, justify in (
        ("area", "left"),
        ("exposure", "right"),
        ("management", "right"),
        ("net", "right"),
        ("band", "left"),
        ("peak", "right"),
        ("trend", "left"),
        ("peer rank", "right"),
        ("records", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for a in p.areas:
        ar = p.rank(a.key)
        table.add_row(
            escape(taxonomy.area(a.key).short),
            _num(a.exposure),
            _num(a.mitigation) if a.assessed else "[dim]not assessed[/dim]",
            f"[bold]{_num(a.net)}[/bold]",
            _band(a.band) if p.rated else "[dim]not rated[/dim]",
            _num(a.peak),
            _trend(a.trend, a.trend_delta, a.trend_cause),
            # No rank from the sector baseline alone (nothing of the company's own in the area).
            f"{ar.rank}/{ar.of}" if ar and ar.of > 1 and a.ranked_on_own_evidence else "-",
            f"{a.allegations}a {a.commitments}c {a.policies}p",
        )
    app.out.print(table)
    if p.gaps:
        app.out.print("\n[bold]Top gaps[/bold]")
        for g in p.gaps[:5]:
            app.out.print(f"  {g.priority:5.1f}  {escape(g.text)}")
    if asks:
        app.out.print("\n[bold]Asks[/bold] (as the brief and the letter make them)")
        for ask in asks:
            app.out.print(f"  {ask.number}. [bold]{escape(ask.title)}.[/bold] {escape(ask.text)}")
    meeting = annex_questions(p.questions, limit=5, told=told_in_asks(asks))
    if meeting:
        app.out.print("\n[bold]Questions for a meeting[/bold] (the letter's annex)")
        for i, q in enumerate(meeting, 1):
            app.out.print(f"  {i}. {escape(q.text)}")
    if p.opportunities:
        app.out.print("\n[bold]Opportunities[/bold]")
        for op in p.opportunities[:8]:
            area = taxonomy.area(op.area).short if op.area in taxonomy.keys else op.area
            app.out.print(f"  - {escape(area)}: {escape(op.text)}")
    app.info(f"\nwhy a number: engage profile {p.company_id} --explain AREA;  all questions: --json")


def _print_explain(app: App, p: Profile, key: str) -> None:
    s = p.area(key)
    app.out.print(
        f"[bold]{escape(p.company_name)}[/bold]: {escape(s.title)} as of {p.as_of.isoformat()} "
        f"(weights {escape(p.weights_version)})"
    )
    app.out.print(
        f"exposure {s.exposure:.2f} ({s.exposure_points:g} points, {s.baseline_points:g} of them the sector "
        f"baseline)  management {s.mitigation:.2f} ({s.credit_points:g} points)  managed {s.offset:.2f}  "
        f"unmanaged [bold]{s.net:.2f}[/bold] {_band(s.band)}  peak {s.peak:.2f} ({s.peak_on.isoformat()})  "
        f"a year ago {s.year_ago:.2f} ({s.trend}, cause: {s.trend_cause})"
    )
    if not s.assessed:
        app.out.print("Not assessed: no commitment or policy record in this area, so none of it counts as managed.")
    if not s.contributions:
        app.out.print("No records in this area as of this date.")
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold", show_lines=False)
    for col, justify in (
        ("record", "left"),
        ("role", "left"),
        ("points", "right"),
        ("exposure", "right"),
        ("management", "right"),
        ("net", "right"),
        ("why", "left"),
    ):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for c in sorted(s.contributions, key=lambda c: (-abs(c.net), c.record_id)):
        table.add_row(
            escape(c.record_id),
            c.role,
            f"{c.points:.2f}",
            f"{c.exposure:.2f}",
            f"{c.mitigation:.2f}",
            f"{c.net:+.2f}",
            escape(c.note),
        )
    table.add_row("total", "", "", f"{s.exposure:.2f}", f"{s.mitigation:.2f}", f"{s.net:+.2f}", "")
    app.out.print(table)


@click.command()
@click.option("--area", "area", metavar="KEY", default=OVERALL, show_default=True, help="Rank on this area.")
@click.option("--json", "as_json", is_flag=True, help="Print the leaderboard as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the leaderboard as CSV.")
@click.option(
    "--xlsx",
    "xlsx",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an Excel workbook: the overall board and one sheet per area.",
)
@as_of_option
@workspace_option
def compare(area: str, as_json: bool, as_csv: bool, xlsx: Path | None, as_of: dt.date, workspace: str | None) -> None:
    """Rank every company in the workspace by net risk, overall or in one area (rank 1 = lowest risk).

    External benchmarks from the records (Lead the Charge...) are shown beside the rank,
    never blended into it.

    \b
    Examples:
      engage compare
      engage compare --area minerals --csv > minerals.csv
      engage compare --xlsx leaderboard.xlsx --as-of 2026-11-01
    """
    if sum(bool(x) for x in (as_json, as_csv, xlsx)) > 1:
        raise UsageError("choose one of --json, --csv and --xlsx")
    app = get_app()
    ws = open_workspace(workspace)
    board = ws.compare(as_of=as_of, area=area)
    _warn_skipped(app, board.skipped)
    profiles, area = board.profiles, board.area
    replies = ws.reply_stats(as_of=as_of)
    broken_logs = sorted({Path(p.path).stem for p in ws.engagement_logs()[1]})
    if broken_logs:
        app.warn(f"replies not shown for {', '.join(broken_logs)}: the engagement log has errors (run `engage check`)")
    if as_json:
        click.echo(export.board_json(profiles, area, replies), nl=False)
        return
    if as_csv:
        click.echo(export.board_csv(profiles, area, replies), nl=False)
        return
    if xlsx is not None:
        sheets = [(OVERALL, "Overall")] + [(a.key, a.short) for a in ws.taxonomy.areas]
        if area != OVERALL:
            sheets = [s for s in sheets if s[0] == area] + [s for s in sheets if s[0] != area]
        data = export.board_xlsx(profiles, sheets, replies)
        write_atomic(xlsx, data)
        n = len(profiles)
        app.info(f"wrote {xlsx} ({n} compan{'y' if n == 1 else 'ies'}, {len(sheets)} sheets)")
        return
    rows = export.board_rows(profiles, area)
    title = "Overall" if area == OVERALL else ws.taxonomy.area(area).title
    median = f"{rows[0]['median']:.1f}" if rows and rows[0]["median"] is not None else "-"
    app.out.print(
        f"[bold]{escape(title)}[/bold]: unmanaged risk as of {as_of.isoformat()}, lowest first "
        f"(peer median {median}, rated companies only)"
    )
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col, justify in (
        ("rank", "right"),
        ("company", "left"),
        ("net", "right"),
        ("band", "left"),
        ("exposure", "right"),
        ("management", "right"),
        ("trend", "left"),
        ("evidence", "right"),
        ("pctl", "right"),
        ("benchmark (not blended)", "left"),
        ("replies (not blended)", "left"),
        ("top reasons", "left"),
    ):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        rated = r["rated"]
        age = r["evidence_age_days"]
        table.add_row(
            str(r["rank"]) if r["rank"] is not None else "-",
            escape(r["company"]),
            f"[bold]{_num(r['net'])}[/bold]" if rated else "-",
            _band(r["band"]) if rated else "[dim]not rated[/dim]",
            _num(r["exposure"]) if rated else "-",
            _num(r["mitigation"]) if rated else "-",
            _trend(r["trend"], r["trend_delta"], r["trend_cause"]) if rated else "-",
            f"{int(age / DAYS_PER_MONTH)} mo" if age is not None else "-",
            f"{r['percentile']:.0f}" if r["percentile"] is not None else "-",
            escape(r["benchmark"]) or "-",
            _replies(replies.get(r["company_id"])),
            escape(r["top_reasons"]) or "-",
        )
    app.out.print(table)


def _replies(stats: ReplyStats | None) -> str:
    """Return '2/3 answered, median 21 d' from an engagement log's reply statistics, '-' without letters."""
    if stats is None or not stats.letters:
        return "-"
    median = f", median {stats.median_days:g} d" if stats.median_days is not None else ""
    return f"{stats.answered}/{stats.letters} answered{median}"


def register(cli: click.Group) -> None:
    """Add the profile commands to the group."""
    cli.add_command(profile)
    cli.add_command(compare)
