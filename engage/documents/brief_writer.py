"""Briefs to files: ``BriefMaker`` renders a ``BriefView`` to HTML or PDF, ``write_briefs`` writes a workspace's.

A maker is set up once per workspace (template environment, PDF renderer, stylesheets) and
reused for many briefs; every file lands atomically at ``briefs/<company-id>/brief.<fmt>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from ..engagement.log import EngagementLog
from ..errors import DataError, EngageError, RenderError
from ..glyphs import missing_glyph_warnings
from ..output import write_atomic
from ..profile import Profile, Weights, compile_profiles, load_weights
from ..records import Company, display_path
from ..taxonomy import Taxonomy
from ..workspace import Settings
from .brief import build_brief
from .brief_view import BriefView
from .environment import make_environment
from .pdf import BASE_STYLESHEETS, PAPER_SIZES, PdfResult, Renderer, stylesheet_file

if TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Environment

__all__ = [
    "BRIEF_FORMATS",
    "BRIEF_STYLESHEETS",
    "BRIEF_TEMPLATE",
    "PAPERS",
    "BriefMaker",
    "BriefOutcome",
    "brief_glyph_warnings",
    "brief_path",
    "write_briefs",
]

BRIEF_TEMPLATE = "brief.html.j2"
BRIEF_STYLESHEETS: tuple[str, ...] = ("brief.css",)
BRIEF_FORMATS: tuple[str, ...] = ("pdf", "html")
PAPERS: tuple[str, ...] = ("a4", "letter")


def brief_path(out_dir: Path, company_id: str, fmt: str = "pdf") -> Path:
    """Return where a company's brief goes: ``<out>/<company-id>/brief.<fmt>``."""
    return out_dir / company_id / f"brief.{fmt}"


class BriefMaker:
    """Renders briefs for one workspace; set up once (templates, fonts, stylesheets), reuse for many."""

    def __init__(self, templates_dir: Path | None = None, *, renderer: Renderer | None = None) -> None:
        self.templates_dir = templates_dir if templates_dir is not None and templates_dir.is_dir() else None
        self.env: Environment = make_environment(self.templates_dir)
        self._renderer = renderer

    @property
    def renderer(self) -> Renderer:
        """Return the PDF renderer, created on first use (HTML output never loads WeasyPrint)."""
        if self._renderer is None:
            self._renderer = Renderer(self.templates_dir)
        return self._renderer

    def html(self, view: BriefView, *, paper: str = "a4", standalone: bool = False) -> str:
        """Return the brief's HTML; ``standalone`` inlines the stylesheets (for the html format)."""
        if paper not in PAPERS:
            raise RenderError(f"unknown paper size '{paper}'; choose a4 or letter")
        # jinja2 is loaded by make_environment already; its errors are named only here
        from jinja2 import TemplateError

        try:
            template = self.env.get_template(BRIEF_TEMPLATE)
            return template.render(
                brief=view,
                doc=view,
                paper=paper,
                inline_css=self._inline_css(paper) if standalone else None,
            )
        except TemplateError as exc:
            lineno = getattr(exc, "lineno", None)
            where = (
                f" ({getattr(exc, 'filename', None) or getattr(exc, 'name', None) or '?'}:{lineno})" if lineno else ""
            )
            raise RenderError(
                f"template error in {BRIEF_TEMPLATE}{where}: {exc.message or type(exc).__name__}"
            ) from exc

    def _inline_css(self, paper: str) -> Markup:
        parts = []
        for name in (*BASE_STYLESHEETS, "browser.css", *BRIEF_STYLESHEETS):
            if name == "fonts.css":
                continue  # the bundled fonts are for the PDF; a browser uses its own (browser.css)
            path = stylesheet_file(name, self.templates_dir)
            parts.append(path.read_text(encoding="utf-8"))
        parts.append(f"@page {{ size: {PAPER_SIZES[paper]}; }}")
        css = "\n".join(parts).replace("</", "<\\/")
        return Markup(css)

    def pdf(self, view: BriefView, *, paper: str = "a4") -> PdfResult:
        """Return the rendered brief PDF (tagged PDF/UA-1, deterministic for a given view)."""
        html = self.html(view, paper=paper)
        return self.renderer.render(
            html,
            base_url=self.templates_dir,
            title=view.title,
            lang=view.lang,
            as_of=view.as_of,
            author=view.author,
            subject=view.subject,
            keywords=view.keywords,
            stylesheets=BRIEF_STYLESHEETS,
            paper=paper,
        )

    def write(self, view: BriefView, out_dir: Path, *, fmt: str = "pdf", paper: str = "a4") -> Path:
        """Render and atomically write ``<out>/<id>/brief.<fmt>``; a good old file survives a failure."""
        if fmt not in BRIEF_FORMATS:
            raise RenderError(f"unknown format '{fmt}'; choose pdf or html")
        target = brief_path(out_dir, view.company_id, fmt)
        data: bytes | str = (
            self.pdf(view, paper=paper).pdf if fmt == "pdf" else self.html(view, paper=paper, standalone=True)
        )
        return write_atomic(target, data)


def brief_glyph_warnings(company: Company | None, result: PdfResult) -> tuple[str, ...]:
    """Return the brief's font warnings: each character printed as a box once, with its record and field."""
    label = display_path(company.path, company.path.parent.parent) if company is not None else ""
    lines = [f"brief.pdf: {w}" for w in missing_glyph_warnings(company, label, result.missing_glyphs)]
    lines += [f"text set in a machine font (no bundled glyphs): {name}" for name in result.machine_fonts]
    return tuple(lines)


@dataclass(frozen=True)
class BriefOutcome:
    """What happened to one company's brief: the file written, or the error that stopped it."""

    company_id: str
    path: Path | None = None
    pages: int | None = None
    size: int = 0
    warnings: tuple[str, ...] = ()
    error: EngageError | None = None
    weasyprint_seconds: float = 0.0  # time spent inside WeasyPrint (parse, layout, write)


def write_briefs(
    companies: Sequence[Company],
    ids: Sequence[str],
    *,
    taxonomy: Taxonomy,
    settings: Settings,
    as_of: dt.date,
    out_dir: Path,
    templates_dir: Path | None = None,
    fmt: str = "pdf",
    paper: str = "a4",
    maker: BriefMaker | None = None,
    logs: Mapping[str, EngagementLog] | None = None,
    log_errors: Mapping[str, DataError] | None = None,
) -> list[BriefOutcome]:
    """Write the briefs of ``ids`` (profiles ranked against all ``companies``); one outcome per id.

    A company that fails (bad template, WeasyPrint error, disk full) is reported in its
    outcome and the others still render; an id missing from ``companies`` (its record has
    errors) gets a DataError outcome, and so does one in ``log_errors`` (its engagement log
    has errors). ``logs`` are the valid engagement logs by company id, each giving its
    brief an engagement section. Raises only for problems shared by all (bad weights).
    """
    if fmt not in BRIEF_FORMATS:
        raise RenderError(f"unknown format '{fmt}'; choose pdf or html")
    if paper not in PAPERS:
        raise RenderError(f"unknown paper size '{paper}'; choose a4 or letter")
    weights = load_weights(settings.weights or None)
    profiles = compile_profiles(companies, taxonomy, as_of, weights)
    maker = maker or BriefMaker(templates_dir)
    outcomes: list[BriefOutcome] = []
    for company_id in ids:
        profile = profiles.get(company_id)
        if profile is None:
            error = DataError(f"companies/{company_id}.yaml has errors; run `engage check {company_id}`")
            outcomes.append(BriefOutcome(company_id, error=error))
            continue
        if log_errors and company_id in log_errors:
            outcomes.append(BriefOutcome(company_id, error=log_errors[company_id]))
            continue
        log = (logs or {}).get(company_id)
        try:
            outcomes.append(
                _write_one(
                    maker, profile, taxonomy, settings, weights, len(profiles), out_dir, fmt=fmt, paper=paper, log=log
                )
            )
        except EngageError as exc:
            outcomes.append(BriefOutcome(company_id, error=exc))
    return outcomes


def _write_one(
    maker: BriefMaker,
    profile: Profile,
    taxonomy: Taxonomy,
    settings: Settings,
    weights: Weights,
    peer_count: int,
    out_dir: Path,
    *,
    fmt: str,
    paper: str,
    log: EngagementLog | None = None,
) -> BriefOutcome:
    """Build, render and write one company's brief; raise EngageError when any step fails."""
    view = build_brief(
        profile, taxonomy=taxonomy, settings=settings, weights=weights, peer_count=peer_count, engagement_log=log
    )
    target = brief_path(out_dir, profile.company_id, fmt)
    if fmt != "pdf":
        text = maker.html(view, paper=paper, standalone=True)
        write_atomic(target, text)
        return BriefOutcome(profile.company_id, target, None, len(text.encode("utf-8")))
    result = maker.pdf(view, paper=paper)
    write_atomic(target, result.pdf)
    warnings = result.warnings + brief_glyph_warnings(profile.known, result)
    return BriefOutcome(
        profile.company_id, target, result.pages, len(result.pdf), warnings, weasyprint_seconds=result.seconds
    )
