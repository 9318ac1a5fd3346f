"""One company's letter files: a run's choices checked once, the letter rendered in each format and written.

``letter_request`` checks what every letter of a run shares (formats, stage, response date,
signatories) and says once what the sender should know; ``write_company_letter`` is the
whole pipeline for one company: profile in, letter files out, paths and warnings returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..engagement.history import LetterHistory
from ..errors import RenderError, UsageError
from ..glyphs import missing_glyph_warnings
from ..output import write_atomic
from ..records import Company, display_path
from ..taxonomy import Taxonomy
from ..workspace import Settings, Signatory
from .letter import STAGES, Letter, LetterOptions, ProfileLike, build_letter, options_from_settings, resolve_signatories
from .letter_deadline import weekend_warning
from .letter_md import letter_to_markdown
from .letter_pdf import letter_pdf_result
from .pdf import RenderedFiles, Renderer

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "LetterFiles",
    "LetterRequest",
    "glyph_warnings",
    "letter_event",
    "letter_path",
    "letter_request",
    "omitted_warning",
    "render_letter",
    "write_company_letter",
    "write_letter",
]

FORMATS: tuple[str, ...] = ("pdf", "docx", "md")
#: Output file of each format inside ``briefs/<company-id>/``.
FILE_NAMES: dict[str, str] = {"pdf": "letter.pdf", "docx": "letter.docx", "md": "letter.md"}


def render_letter(letter: Letter, formats: Sequence[str], renderer: Renderer | None = None) -> RenderedFiles:
    """Return ``{format: bytes}`` for ``formats`` (pdf, docx, md); raises UsageError or RenderError.

    ``renderer`` is needed for PDF (build one per process and share it); without one a
    new Renderer is made, which is slow in a loop. The PDF's missing glyphs are kept in
    ``missing_glyphs`` (``glyph_warnings`` names them).
    """
    _check_formats(formats)
    out = RenderedFiles()
    for fmt in dict.fromkeys(formats):
        if fmt == "pdf":
            if renderer is None:
                renderer = Renderer()
            result = letter_pdf_result(letter, renderer)
            out[fmt] = result.pdf
            out.missing_glyphs = result.missing_glyphs
        elif fmt == "docx":
            out[fmt] = _letter_to_docx(letter)
        else:
            out[fmt] = letter_to_markdown(letter).encode("utf-8")
    return out


def glyph_warnings(company: Company | None, chars: Sequence[str], what: str) -> tuple[str, ...]:
    """Return one line per character the document ``what`` printed as a box, naming its record and field."""
    label = display_path(company.path, company.path.parent.parent) if company is not None else ""
    return tuple(f"{what}: {w}" for w in missing_glyph_warnings(company, label, chars))


def _letter_to_docx(letter: Letter) -> bytes:
    try:
        # python-docx (and lxml) only when a Word letter is asked for: the CLI starts faster without them.
        from .letter_docx import letter_to_docx
    except ImportError as exc:  # pragma: no cover - a broken install
        raise RenderError(f"python-docx cannot be loaded ({exc}); reinstall engage") from exc
    return letter_to_docx(letter)


def _check_formats(formats: Sequence[str]) -> None:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown letter format '{unknown[0]}'; choose from {', '.join(FORMATS)}")


def letter_path(out_dir: Path, company_id: str, fmt: str) -> Path:
    """Return where a letter of format ``fmt`` goes: ``<out>/<company-id>/letter.<ext>``."""
    return out_dir / company_id / FILE_NAMES[fmt]


def write_letter(out_dir: Path, company_id: str, outputs: Mapping[str, bytes]) -> list[Path]:
    """Write each rendered format atomically under ``<out>/<company-id>/`` and return the paths; raises RenderError."""
    return [write_atomic(letter_path(out_dir, company_id, fmt), data) for fmt, data in outputs.items()]


@dataclass(frozen=True)
class LetterRequest:
    """What every letter of a run shares, checked once: options, formats, and warnings for the whole run."""

    options: LetterOptions
    formats: tuple[str, ...]
    #: What the sender should know about the run (a response date on a weekend); never printed in a letter.
    warnings: tuple[str, ...] = ()


def letter_request(
    settings: Settings,
    as_of: dt.date,
    *,
    formats: Sequence[str] = (),
    stage: str | None = None,
    respond_by: dt.date | None = None,
    signatories: Sequence[Signatory] | None = None,
    paper: str | None = None,
) -> LetterRequest:
    """Return a run's checked letter choices; None or empty means engage.yaml's ``letter:`` default, else engage's.

    Formats default to engage.yaml ``letter.formats``, else all three; signatories to those
    of engage.yaml, else its ``letter.sender``. Raises UsageError (unknown format or stage, a
    response date not after ``as_of``) or DataError (no one to sign).
    """
    chosen = tuple(dict.fromkeys(formats or settings.letter.get("formats") or FORMATS))
    _check_formats(chosen)
    if stage is not None and stage not in STAGES:
        raise UsageError(f"unknown letter stage '{stage}'; choose one of {', '.join(STAGES)}")
    if respond_by is not None and respond_by <= as_of:
        raise UsageError(
            f"--respond-by {respond_by.isoformat()} is not after the letter date {as_of.isoformat()} (--as-of)"
        )
    options = options_from_settings(
        settings,
        stage=stage,
        respond_by=respond_by,
        signatories=tuple(signatories) if signatories is not None else None,
        paper=paper,
    )
    resolve_signatories(settings, options)  # no one to sign: say so once, not once per company
    weekend = weekend_warning(respond_by) if respond_by is not None else None
    return LetterRequest(options, chosen, (weekend,) if weekend else ())


@dataclass(frozen=True)
class LetterFiles:
    """One company's written letter: the letter, the paths written, and what the sender should know."""

    letter: Letter
    paths: tuple[Path, ...]
    #: The run's warnings (``LetterRequest.warnings``) first, then this letter's own; never printed in it.
    warnings: tuple[str, ...] = ()


def omitted_warning(letter: Letter) -> str | None:
    """Return the warning for a letter that asks only the most serious of the profile's questions, else None."""
    if not letter.omitted_questions:
        return None
    asked = len(letter.questions)
    return (
        f"{letter.company_id}: the letter asks the {asked} most serious of {asked + letter.omitted_questions} "
        f"questions (all of them: engage profile {letter.company_id})"
    )


def letter_event(letter: Letter) -> dict[str, object]:
    """Return the log event of a letter written: its date, stage, asks by id (remedy, minerals...), wording, deadline.

    The ids are the asks' (``engage.profile.asks.Ask.id``), stable from one letter to the
    next, so a response can name the asks it answers; a letter without asks (nothing on
    record) logs its annex questions as q1, q2...
    """
    if letter.asks:
        asked = [(a.id, a.areas[0] if a.areas else None, f"{a.title}. {a.text}") for a in letter.asks]
    else:
        asked = [(f"q{q.number}", s.area, q.text) for s in letter.sections for q in s.questions]
    questions = []
    for ask_id, area, text in asked:
        item: dict[str, object] = {"id": ask_id, "text": text}
        if area:
            item["area"] = area
        questions.append(item)
    return {
        "date": letter.date,
        "stage": letter.stage,
        "asks": tuple(a for a, _, _ in asked),
        "respond_by": letter.deadline.date,
        "signatories": len(letter.signatories),
        "questions": questions,
    }


def write_company_letter(
    profile: ProfileLike,
    settings: Settings,
    taxonomy: Taxonomy,
    out_dir: Path,
    request: LetterRequest | None = None,
    *,
    renderer: Renderer | None = None,
    templates_dir: Path | None = None,
    history: LetterHistory | None = None,
) -> LetterFiles:
    """Write the letter to ``profile``'s company, dated ``profile.as_of``, in the request's formats; return what it did.

    The whole pipeline for one company: ``request`` (default: ``letter_request`` with
    engage.yaml's defaults) gives the choices, the letter is built from the profile and its
    as-of view, each format goes to ``<out_dir>/<company-id>/letter.<ext>``. Pass a shared
    ``renderer`` when writing many letters; else one is made with ``templates_dir`` (the
    workspace's overrides) if a PDF is asked for. Raises UsageError, DataError or RenderError.
    """
    request = request or letter_request(settings, profile.as_of)
    if renderer is None and "pdf" in request.formats:
        renderer = Renderer(templates_dir)
    letter = build_letter(profile, settings, taxonomy, request.options, history)
    files = render_letter(letter, request.formats, renderer)
    paths = write_letter(out_dir, letter.company_id, files)
    omitted = omitted_warning(letter)
    glyphs = glyph_warnings(profile.known, files.missing_glyphs, f"{letter.company_id}: letter.pdf")
    warnings = (*request.warnings, *letter.warnings, *((omitted,) if omitted else ()), *glyphs)
    return LetterFiles(letter, tuple(paths), warnings)
