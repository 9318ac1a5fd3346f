"""The stewardship report as Markdown and as an Excel workbook (one sheet per table)."""

from __future__ import annotations

from ..engagement.report import StewardshipReport, describe, report_tables
from .export import tables_xlsx
from .letter_md import md_escape

__all__ = ["report_markdown", "report_xlsx"]


def _day(d: object) -> str:
    return d.isoformat() if hasattr(d, "isoformat") else str(d)


def _cell(text: str) -> str:
    return md_escape(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(report: StewardshipReport) -> str:
    """Return the report as Markdown: per company, objectives, activity, outcomes, escalation and reply figures."""
    lines = [
        f"# Stewardship report, {report.start.isoformat()} to {report.end.isoformat()}",
        "",
        "Engagement per company from the engagement logs (engagements/), with the policy and commitment records "
        "dated in the period. Reply figures are shown beside the risk score, never blended into it.",
    ]
    if not report.companies:
        lines += ["", "No engagement log in this workspace."]
    for c in report.companies:
        rate = f"{c.stats.rate:.0%}" if c.stats.rate is not None else "no letter in the period"
        median = f"{c.stats.median_days:g} days" if c.stats.median_days is not None else "-"
        lines += ["", f"## {_cell(c.name)}", ""]
        lines.append(
            f"State on {report.end.isoformat()}: **{c.state.state}**. Letters: {c.stats.letters}, answered: "
            f"{c.stats.answered} ({rate}); median time to reply: {median}."
        )
        if c.state.next_step:
            lines.append(f"Next step: {_cell(c.state.next_step)}.")
        lines += ["", "### Objectives", ""]
        lines += ["| objective | area | ask | milestone |", "|---|---|---|---|"] if c.objectives else ["None set."]
        lines += [f"| {o[0]} | {o[1]} | {_cell(o[2])} | {o[3]} {_cell(o[4])} |" for o in c.objectives]
        for title, events in (("Activity", c.activity), ("Escalation", c.escalation)):
            lines += ["", f"### {title}", ""]
            lines += [f"- {_day(e.date)}: {_cell(describe(e))}" + (f". {_cell(e.summary)}" if e.summary else "")
                      for e in events] or ["None in the period."]  # fmt: skip
        lines += ["", "### Outcomes", ""]
        lines += [f"- {_day(d)}: {kind}: {_cell(text)}" for d, kind, text in c.outcomes] or ["None in the period."]
    return "\n".join(lines) + "\n"


def report_xlsx(report: StewardshipReport) -> bytes:
    """Return the report as an .xlsx workbook: Summary, Objectives, Activity, Outcomes and Escalation sheets."""
    return tables_xlsx(report_tables(report), report.end)
