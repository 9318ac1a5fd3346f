"""The kinds of document a batch makes per company (brief, letter) and the context they share.

The renderers are imported inside the render functions, which run in worker processes:
the parent (planning, an up-to-date run) never pays for Jinja2 or WeasyPrint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..engagement.history import LetterHistory, letter_history
from ..engagement.log import EngagementLog
from ..records import Company
from ..workspace import Settings, Signatory

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import Profile, Weights
    from ..taxonomy import Taxonomy


@dataclass(frozen=True)
class RenderContext:
    """What every document of a run shares; sent to each worker once."""

    root: Path
    templates_dir: Path | None
    out_dir: Path
    settings: Settings
    taxonomy: Taxonomy
    weights: Weights
    as_of: dt.date
    peer_count: int
    paper: str
    letter_formats: tuple[str, ...]
    stage: str | None
    respond_by: dt.date | None
    signatories: tuple[Signatory, ...] | None
    logs: Mapping[str, EngagementLog] = field(default_factory=dict)  # valid engagement logs by company id


class RenderFunction(Protocol):
    """Render one company's document: ``{file name in <out>/<company-id>/: bytes}``."""

    def __call__(
        self, company: Company, profile: Profile, context: RenderContext, renderer: Any
    ) -> Mapping[str, bytes]: ...


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document a batch makes per company; the functions must be module-level (picklable)."""

    name: str
    render: RenderFunction
    files: Callable[[RenderContext], tuple[str, ...]]
    options: Callable[[RenderContext], Mapping[str, Any]]
    #: Whether the document shows anything derived from other companies (peer ranks,
    #: medians, peers' practice); when False, editing another company never makes it stale.
    uses_peers: bool = True
    #: Whether ``render`` needs the PDF renderer (a worker then sets WeasyPrint up once).
    needs_renderer: bool = True


def _brief_files(context: RenderContext) -> tuple[str, ...]:
    """Return the brief's file names."""
    return ("brief.pdf",)


def _brief_options(context: RenderContext) -> Mapping[str, Any]:
    """Return the run options that change a brief's bytes."""
    return {"format": "pdf", "paper": context.paper}


_BRIEF_MAKERS: dict[int, Any] = {}


def render_brief(company: Company, profile: Profile, context: RenderContext, renderer: Any) -> Mapping[str, bytes]:
    """Return ``{'brief.pdf': bytes}``: the brief of engage.documents.brief, with one BriefMaker per renderer."""
    # Jinja2 and the brief's layout load in the worker that renders, never in the planning parent.
    from ..documents.brief import build_brief
    from ..documents.brief_writer import BriefMaker, brief_glyph_warnings
    from ..documents.pdf import RenderedFiles

    maker = _BRIEF_MAKERS.get(id(renderer))
    if maker is None:
        maker = _BRIEF_MAKERS[id(renderer)] = BriefMaker(context.templates_dir, renderer=renderer)
    view = build_brief(
        profile,
        taxonomy=context.taxonomy,
        settings=context.settings,
        weights=context.weights,
        peer_count=context.peer_count,
        engagement_log=context.logs.get(company.id),
    )
    result = maker.pdf(view, paper=context.paper)
    files = RenderedFiles({"brief.pdf": result.pdf})
    files.warnings = brief_glyph_warnings(profile.known, result)
    return files


def _letter_files(context: RenderContext) -> tuple[str, ...]:
    """Return the letter's file names in the run's formats."""
    # The letter modules load only when letters are planned or rendered.
    from ..documents.letter_files import FILE_NAMES

    return tuple(FILE_NAMES[f] for f in context.letter_formats)


def _letter_options(context: RenderContext) -> Mapping[str, Any]:
    """Return the run options that change a letter's bytes."""
    signatories = None
    if context.signatories is not None:
        signatories = [dataclasses.asdict(s) for s in context.signatories]
    return {
        "formats": list(context.letter_formats),
        "stage": context.stage,
        "respond_by": context.respond_by.isoformat() if context.respond_by else None,
        "signatories": signatories,
    }


def render_letter(company: Company, profile: Profile, context: RenderContext, renderer: Any) -> Mapping[str, bytes]:
    """Return ``{'letter.pdf': bytes, ...}``: the letter in the run's formats, built from the profile's as-of view."""
    # The letter's renderers load in the worker that renders, never in the planning parent.
    from ..documents.letter import build_letter, options_from_settings
    from ..documents.letter_files import FILE_NAMES, glyph_warnings, render_letter
    from ..documents.pdf import RenderedFiles

    options = options_from_settings(
        context.settings, stage=context.stage, respond_by=context.respond_by, signatories=context.signatories
    )
    letter = build_letter(profile, context.settings, context.taxonomy, options, letter_history_of(company, context))
    data = render_letter(letter, context.letter_formats, renderer)
    files = RenderedFiles({FILE_NAMES[fmt]: payload for fmt, payload in data.items()})
    files.warnings = glyph_warnings(profile.known, data.missing_glyphs, "letter.pdf")
    return files


def letter_history_of(company: Company, context: RenderContext) -> LetterHistory | None:
    """Return what a letter of the run says of the company's engagement so far (None without a log)."""
    # The letter's wording loads only when letters are rendered or recorded.
    from ..documents.letter import options_from_settings
    from ..documents.letter_records import clean

    stage = options_from_settings(context.settings, stage=context.stage).stage
    return letter_history(context.logs.get(company.id), context.as_of, stage, clean(company.name))


KINDS: dict[str, DocumentKind] = {
    "brief": DocumentKind("brief", render_brief, _brief_files, _brief_options),
    # A letter asks the profile's questions, which come from the company's own records.
    "letter": DocumentKind("letter", render_letter, _letter_files, _letter_options, uses_peers=False),
}
DEFAULT_KINDS: tuple[str, ...] = ("brief", "letter")
