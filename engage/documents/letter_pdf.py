"""The letter as HTML (the ``letter.html.j2`` template) and as PDF/UA-1 through the shared renderer."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RenderError
from .environment import make_environment
from .letter import ANNEX_HEADING, Letter

if TYPE_CHECKING:  # pragma: no cover - types only
    import jinja2

    from .pdf import PdfResult, Renderer

__all__ = ["STYLESHEET", "TEMPLATE_NAME", "letter_html", "letter_pdf_result", "letter_to_pdf"]

TEMPLATE_NAME = "letter.html.j2"
STYLESHEET = "letter.css"


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    """Return the shared engage Jinja2 environment for a templates folder (built once per folder)."""
    return make_environment(templates_dir)


def letter_html(letter: Letter, templates_dir: Path | None = None) -> str:
    """Return the letter as HTML (``letter.html.j2``, overridable in the workspace's templates/); raises RenderError."""
    # Jinja2 only when a letter is rendered: `engage batch` with nothing to do must not load it.
    import jinja2

    env = _environment(templates_dir.resolve() if templates_dir else None)
    doc = {
        "title": letter.title,
        "lang": letter.language,
        "author": letter.author,
        "subject": f"Engagement letter to {letter.company_name}",
        "keywords": letter.keywords,
        "as_of": letter.date,
    }
    try:
        return env.get_template(TEMPLATE_NAME).render(
            letter=letter, doc=doc, inline_css="", annex_heading=ANNEX_HEADING
        )
    except jinja2.TemplateError as exc:
        where = f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise RenderError(f"letter template failed{where}: {exc}") from exc


def letter_to_pdf(letter: Letter, renderer: Renderer) -> bytes:
    """Return the letter as PDF/UA-1 bytes, byte-identical for identical inputs; raises RenderError."""
    return letter_pdf_result(letter, renderer).pdf


def letter_pdf_result(letter: Letter, renderer: Renderer) -> PdfResult:
    """Return the rendered letter PDF with what the render reported (missing glyphs); raises RenderError."""
    html = letter_html(letter, renderer.templates_dir)
    return renderer.render(
        html,
        title=letter.title,
        lang=letter.language,
        as_of=letter.date,
        author=letter.author,
        subject=f"Engagement letter to {letter.company_name}",
        keywords=letter.keywords,
        stylesheets=(STYLESHEET,),
        paper=letter.paper,
    )
