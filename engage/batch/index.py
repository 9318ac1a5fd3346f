"""The run's index: ``briefs/index.html`` and ``index.pdf``, companies by AGM date with band and links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..agm import next_agm
from ..engagement.state import engagement_state
from ..errors import RenderError
from ..records import Company
from ..workspace import Settings
from .fingerprint import digest_json
from .kinds import RenderContext
from .plan import Plan

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import Profile


@dataclass(frozen=True)
class IndexLink:
    """A link from the index to one document, relative to the output folder."""

    label: str
    href: str

    @property
    def file(self) -> str:
        """Return the file name alone: 'letter.pdf'."""
        return self.href.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class IndexRow:
    """One company in the index."""

    company_id: str
    name: str
    agm: dt.date | None
    days_away: int | None
    band: str | None
    net: float | None
    links: tuple[IndexLink, ...]
    problem: str | None
    agm_expected: bool = False  # ``agm`` is estimated from past AGMs, not announced
    engagement: str = "none"  # engage.engagement.state: none, awaiting-response, overdue, responded, escalate
    next_deadline: dt.date | None = None
    next_step: str | None = None

    @property
    def folder(self) -> str:
        """Return the folder of the company's documents relative to the output folder: 'volkswagen/'."""
        folders = {link.href.rsplit("/", 1)[0] for link in self.links if "/" in link.href}
        return f"{folders.pop()}/" if len(folders) == 1 else ""


@dataclass(frozen=True)
class IndexView:
    """The run's index: companies by AGM date (then those without one), with band and links."""

    title: str
    lang: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    as_of: dt.date
    upcoming: tuple[IndexRow, ...]
    past: tuple[IndexRow, ...]
    no_agm: tuple[IndexRow, ...]
    counts: Mapping[str, int]
    version: str = __version__

    @property
    def any_agm(self) -> bool:
        """Return whether some company in the index has an AGM date (else the AGM columns say nothing)."""
        return bool(self.upcoming or self.past)

    @property
    def footer(self) -> str:
        """Return the line at the foot of every page: 'engage 0.1.0 · as of 2026-11-29'."""
        return f"engage {self.version} · as of {self.as_of.isoformat()}"


_LINK_LABELS = {"brief.pdf": "Brief (PDF)", "letter.pdf": "Letter (PDF)", "letter.docx": "Letter (Word)"}


def _index_band(company: Company | None, profile: Profile | None, as_of: dt.date) -> tuple[str | None, float | None]:
    """Return (band, net) for an index row: 'not-rated' and no number when nothing is on record."""
    # engage.profile is loaded already when an index is built (the plan compiled profiles); local for its cost.
    from ..profile import NOT_RATED, has_records

    if company is not None and not has_records(company, as_of):
        return NOT_RATED, None
    if profile is None:
        return None, None
    return profile.overall.band, profile.overall.net


def _row_agm(company: Company | None, entry: Mapping[str, Any], as_of: dt.date) -> tuple[dt.date | None, bool]:
    """Return a row's AGM and whether it is an estimate: the next one, else a passed announced one."""
    if company is None:  # an invalid record: the date the manifest kept
        return (dt.date.fromisoformat(entry["agm"]) if entry.get("agm") else None), bool(entry.get("agm_expected"))
    upcoming = next_agm(company, as_of)
    if upcoming is not None:
        return upcoming.date, upcoming.expected
    return company.agm, False


def build_index(plan: Plan, manifest: Mapping[str, Any]) -> IndexView:
    """Return the index of the output folder: every workspace company with documents or a problem."""
    rows: list[IndexRow] = []
    as_of = plan.options.as_of
    settings = plan.context.settings if plan.context is not None else Settings()
    logs = plan.context.logs if plan.context is not None else {}
    for cid, entry in sorted(manifest.get("companies", {}).items()):
        if cid not in plan.companies and cid not in {i.company_id for i in plan.items}:
            continue  # a company no longer in the workspace
        company = plan.companies.get(cid)
        profile = plan.profiles.get(cid)
        links = []
        for kind in ("brief", "letter"):
            doc = (entry.get("documents") or {}).get(kind) or {}
            for rel in sorted(doc.get("outputs") or {}, key=lambda r: (not r.endswith(".pdf"), r)):
                name = rel.rsplit("/", 1)[-1]
                links.append(IndexLink(_LINK_LABELS.get(name, name), rel))
        problem = None
        error = entry.get("error")
        if error:
            problem = error.get("message")
        else:
            for kind, doc in sorted((entry.get("documents") or {}).items()):
                if doc.get("status") == "failed":
                    problem = f"{kind} failed: {doc['error']['message']}"
                    break
        if not links and problem is None:
            continue
        agm, expected = _row_agm(company, entry, as_of)
        state = engagement_state(logs.get(cid), settings.ladder, as_of)
        rows.append(
            IndexRow(
                cid,
                company.name if company is not None else entry.get("name", cid),
                agm,
                (agm - as_of).days if agm else None,
                *_index_band(company, profile, as_of),
                tuple(links),
                problem,
                expected,
                state.state,
                state.next_deadline,
                state.next_step,
            )
        )
    by_date = sorted((r for r in rows if r.agm is not None), key=lambda r: (r.agm, r.name.casefold(), r.company_id))
    organisation = settings.organisation.name if settings.organisation else ""
    counts = {
        "companies": len(rows),
        "with_problems": sum(1 for r in rows if r.problem),
        "documents": sum(len(r.links) for r in rows),
    }
    return IndexView(
        title=f"Engagement documents as of {as_of.isoformat()}",
        lang=settings.language or "en",
        author=settings.prepared_by or organisation,
        subject="Index of briefs and letters by AGM date",
        keywords=("engage", "index", "AGM"),
        as_of=as_of,
        upcoming=tuple(r for r in by_date if r.agm is not None and r.agm >= as_of),
        past=tuple(r for r in by_date if r.agm is not None and r.agm < as_of),
        no_agm=tuple(sorted((r for r in rows if r.agm is None), key=lambda r: (r.name.casefold(), r.company_id))),
        counts=MappingProxyType(counts),
    )


INDEX_TEMPLATE = "index.html.j2"
INDEX_STYLESHEETS: tuple[str, ...] = ("brief.css", "index.css")  # brief.css: the band chips


def render_index(view: IndexView, context: RenderContext, renderer: Any) -> dict[str, bytes]:
    """Return ``{'index.html': ..., 'index.pdf': ...}`` with the brief's Jinja2 environment and the Renderer."""
    # Jinja2 and the brief's environment load in the worker that renders the index, never in the parent.
    from jinja2 import TemplateError
    from markupsafe import Markup  # comes with Jinja2: the same reason

    from ..documents.environment import make_environment  # brings Jinja2: the same reason

    env = make_environment(context.templates_dir)
    try:
        template = env.get_template(INDEX_TEMPLATE)
        css = _stylesheet_text(context.templates_dir, ("print.css", "browser.css", *INDEX_STYLESHEETS))
        html_standalone = template.render(doc=view, index=view, inline_css=Markup(css), for_pdf=False)
        html_pdf = template.render(doc=view, index=view, inline_css=None, for_pdf=True)
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
    ).pdf
    return {"index.html": html_standalone.encode("utf-8"), "index.pdf": pdf}


def _stylesheet_text(templates_dir: Path | None, names: Sequence[str]) -> str:
    """Return the stylesheets for the standalone HTML index (workspace templates/ first), '</' neutralised."""
    parts = []
    packaged = resources.files("engage") / "resources" / "css"
    for name in names:
        override = templates_dir / name if templates_dir is not None else None
        if override is not None and override.is_file():
            parts.append(override.read_text(encoding="utf-8"))
        else:
            parts.append((packaged / name).read_text(encoding="utf-8"))
    return "\n".join(parts).replace("</", "<\\/")


def index_fingerprint(view: IndexView, plan: Plan) -> str:
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
