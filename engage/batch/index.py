"""The run's dashboard: ``briefs/index.html`` (sortable, filterable, self-contained) and ``index.pdf``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ..agm import next_agm
from ..documents.dashboard import DashboardView, IndexLink, build_dashboard, dashboard_row
from ..engagement.state import engagement_state
from ..errors import RenderError
from ..output import write_atomic
from ..records import Company
from ..workspace import Workspace
from .fingerprint import digest_json
from .kinds import RenderContext
from .options import BatchOptions, Selection
from .plan import Plan, plan_batch

_LINK_LABELS = {
    "brief.pdf": "Brief (PDF)",
    "letter.pdf": "Letter (PDF)",
    "letter.docx": "Letter (Word)",
    "letter.md": "Letter (text)",
}


def _row_agm(company: Company | None, entry: Mapping[str, Any], as_of: dt.date) -> tuple[dt.date | None, bool]:
    """Return a row's AGM and whether it is an estimate: the next one, else a passed announced one."""
    if company is None:  # an invalid record: the date the manifest kept
        return (dt.date.fromisoformat(entry["agm"]) if entry.get("agm") else None), bool(entry.get("agm_expected"))
    upcoming = next_agm(company, as_of)
    if upcoming is not None:
        return upcoming.date, upcoming.expected
    return company.agm, False


def _links(entry: Mapping[str, Any]) -> tuple[IndexLink, ...]:
    """Return the links to a company's documents from its manifest entry: briefs first, PDFs first."""
    links = []
    for kind in ("brief", "letter"):
        doc = (entry.get("documents") or {}).get(kind) or {}
        for rel in sorted(doc.get("outputs") or {}, key=lambda r: (not r.endswith(".pdf"), r)):
            name = rel.rsplit("/", 1)[-1]
            links.append(IndexLink(_LINK_LABELS.get(name, name), rel))
    return tuple(links)


def _problem(entry: Mapping[str, Any]) -> str | None:
    """Return what went wrong for a company in the last run: its record's error, else a failed document's."""
    error = entry.get("error")
    if error:
        return str(error.get("message"))
    for kind, doc in sorted((entry.get("documents") or {}).items()):
        if doc.get("status") == "failed":
            return f"{kind} failed: {doc['error']['message']}"
    return None


def build_index(plan: Plan, manifest: Mapping[str, Any], *, due_days: int | None = None) -> DashboardView:
    """Return the dashboard of the output folder: every valid workspace company, and each invalid one the run saw.

    ``due_days`` is the "due for action" window (None: engage.yaml's, else 60 days); the due
    reasons are worded for it. Needs a full plan (with profiles): a plan made from the
    manifest alone leaves the index as it is.
    """
    if plan.context is None:
        raise RenderError("the dashboard needs the workspace's profiles: plan the run in full")
    as_of, settings, logs = plan.options.as_of, plan.context.settings, plan.context.logs
    window = settings.due_days if due_days is None else due_days
    entries = manifest.get("companies", {})
    ids = dict.fromkeys([*plan.companies, *(i.company_id for i in plan.items if i.error is not None)])
    rows = []
    for cid in ids:
        entry = entries.get(cid) or {}
        company = plan.companies.get(cid)
        rows.append(
            dashboard_row(
                cid,
                company.name if company is not None else entry.get("name", cid),
                plan.profiles.get(cid),
                as_of=as_of,
                country=company.country if company is not None else None,
                agm=_row_agm(company, entry, as_of),
                state=engagement_state(logs.get(cid), settings.ladder, as_of),
                links=_links(entry),
                problem=_problem(entry) or next((i.error for i in plan.items if i.company_id == cid and i.error), None),
                due_days=window,
            )
        )
    organisation = settings.organisation.name if settings.organisation else ""
    return build_dashboard(
        rows,
        plan.context.taxonomy,
        as_of,
        lang=settings.language or "en",
        author=settings.prepared_by or organisation,
        due_days=window,
    )


INDEX_TEMPLATE = "index.html.j2"
INDEX_STYLESHEETS: tuple[str, ...] = ("brief.css", "index.css")  # brief.css: the band chips
INDEX_SCRIPT = "dashboard.js"


def render_index(view: DashboardView, context: RenderContext, renderer: Any) -> dict[str, bytes]:
    """Return ``{'index.html': ..., 'index.pdf': ...}`` with the brief's Jinja2 environment and the Renderer.

    The HTML carries its stylesheets and script inline (it opens from file:// and loads
    nothing); the PDF is the same table, landscape, without the script, its links to the
    documents kept relative (the folder can be moved and they still work).
    """
    # Jinja2 and the brief's environment load in the worker that renders the index, never in the parent.
    from jinja2 import TemplateError
    from markupsafe import Markup  # comes with Jinja2: the same reason

    from ..documents.environment import make_environment  # brings Jinja2: the same reason

    env = make_environment(context.templates_dir)
    try:
        template = env.get_template(INDEX_TEMPLATE)
        css = _resource_text(context.templates_dir, "css", ("print.css", "browser.css", *INDEX_STYLESHEETS))
        script = _resource_text(context.templates_dir, "js", (INDEX_SCRIPT,))
        html_standalone = template.render(
            doc=view, index=view, inline_css=Markup(css), inline_js=Markup(script), for_pdf=False
        )
        html_pdf = template.render(doc=view, index=view, inline_css=None, inline_js=None, for_pdf=True)
    except TemplateError as exc:
        raise RenderError(f"template error in {INDEX_TEMPLATE}: {exc}") from exc
    pdf = renderer.render(
        html_pdf,
        base_url=context.templates_dir,
        title=view.title,
        lang=view.lang,
        as_of=view.as_of,
        author=view.author,
        subject=view.subject,
        keywords=view.keywords,
        stylesheets=INDEX_STYLESHEETS,
        paper=context.paper,
        landscape=True,
        relative_links=True,  # each row's brief and letters, relative to the folder of index.pdf
    ).pdf
    return {"index.html": html_standalone.encode("utf-8"), "index.pdf": pdf}


def _resource_text(templates_dir: Path | None, folder: str, names: Sequence[str]) -> str:
    """Return packaged stylesheets or scripts (a workspace templates/ file of the same name first), '</' neutralised.

    Inside <style> or <script> only '</' can end the element early; '<\\/' means the same to CSS and JS.
    """
    parts = []
    packaged = resources.files("engage") / "resources" / folder
    for name in names:
        override = templates_dir / name if templates_dir is not None else None
        if override is not None and override.is_file():
            parts.append(override.read_text(encoding="utf-8"))
        else:
            parts.append((packaged / name).read_text(encoding="utf-8"))
    return "\n".join(parts).replace("</", "<\\/")


def index_fingerprint(view: DashboardView, plan: Plan) -> str:
    """Return a hash of everything the index's bytes depend on: its content, engage, templates/ and the paper."""
    # engage.profile is loaded already when an index is built; local for its import cost.
    from ..profile import to_plain

    return digest_json(
        {
            "view": to_plain(view),
            "engage": plan.inputs.shared.get("engage"),
            "templates": plan.inputs.shared.get("templates"),
            "paper": plan.options.paper,
        }
    )


def write_dashboard(
    ws: Workspace,
    as_of: dt.date,
    out_dir: Path | None = None,
    *,
    paper: str = "a4",
    renderer: Any = None,
    due_days: int | None = None,
) -> list[Path]:
    """Write ``index.html`` and ``index.pdf`` of every company as of ``as_of`` into ``out_dir``; return the paths.

    The same dashboard a batch run writes, linking the documents its manifest lists, without
    rendering any of them; ``due_days`` replaces engage.yaml's "due for action" window.
    Raises DataError for invalid settings, taxonomy or weights and RenderError when the
    dashboard cannot be rendered or written.
    """
    options = BatchOptions(as_of=as_of, selection=Selection(all=True), out_dir=out_dir, paper=paper, kinds=("brief",))
    plan = plan_batch(ws, options, judge_only=True)
    assert plan.context is not None  # a plan made in full always has one
    if renderer is None:
        # WeasyPrint loads only when a PDF is made.
        from ..documents.pdf import Renderer

        renderer = Renderer(plan.context.templates_dir)
    files = render_index(build_index(plan, plan.manifest, due_days=due_days), plan.context, renderer)
    paths = []
    for name, data in files.items():
        write_atomic(plan.out_dir / name, data)
        paths.append(plan.out_dir / name)
    return paths
