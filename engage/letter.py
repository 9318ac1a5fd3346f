"""Compatibility shim for the reorganising step; removed when the branches merge.

The letter now lives in ``engage.documents``: ``letter`` (the model), ``letter_deadline``,
``letter_pdf``, ``letter_md``, ``letter_docx`` and ``letter_files`` (one company's letter
files). This module re-exports the names other modules import from ``engage.letter`` today;
``build_letter`` and ``render_company_letter`` keep their old signatures here (the company
and the date now come from the profile and its as-of view).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .documents.letter import (
    DEFAULT_MAX_QUESTIONS,
    MAX_ANCHORS_PER_QUESTION,
    STAGES,
    Anchor,
    Letter,
    LetterOptions,
    LetterQuestion,
    LetterSection,
    ProfileLike,
    long_date,
    options_from_settings,
    resolve_signatories,
)
from .documents.letter import build_letter as _build_letter
from .documents.letter_deadline import (
    CLOSED_DAYS,
    DEFAULT_RESPOND_BEFORE_AGM_DAYS,
    DEFAULT_RESPOND_WITHIN_DAYS,
    MIN_RESPONSE_DAYS,
    Deadline,
    is_working_day,
    no_agm_warning,
    response_deadline,
    weekend_warning,
)
from .documents.letter_files import FILE_NAMES, FORMATS, letter_path, render_letter, write_letter
from .documents.letter_md import letter_to_markdown, md_escape
from .documents.letter_pdf import STYLESHEET, TEMPLATE_NAME, letter_html, letter_to_pdf
from .documents.letter_records import SourceNote, note_label
from .pdf import Renderer
from .records import Company
from .taxonomy import Taxonomy
from .workspace import Settings

__all__ = [
    "CLOSED_DAYS",
    "DEFAULT_MAX_QUESTIONS",
    "DEFAULT_RESPOND_BEFORE_AGM_DAYS",
    "DEFAULT_RESPOND_WITHIN_DAYS",
    "FILE_NAMES",
    "FORMATS",
    "MAX_ANCHORS_PER_QUESTION",
    "MIN_RESPONSE_DAYS",
    "STAGES",
    "STYLESHEET",
    "TEMPLATE_NAME",
    "Anchor",
    "Deadline",
    "Letter",
    "LetterOptions",
    "LetterQuestion",
    "LetterSection",
    "SourceNote",
    "build_letter",
    "is_working_day",
    "letter_html",
    "letter_path",
    "letter_to_markdown",
    "letter_to_pdf",
    "long_date",
    "md_escape",
    "no_agm_warning",
    "note_label",
    "options_from_settings",
    "render_company_letter",
    "render_letter",
    "resolve_signatories",
    "response_deadline",
    "weekend_warning",
    "write_letter",
]


def build_letter(
    company: Company,
    profile: ProfileLike,
    settings: Settings,
    taxonomy: Taxonomy,
    as_of: dt.date,
    options: LetterOptions | None = None,
) -> Letter:
    """Return the letter of ``engage.documents.letter.build_letter``; ``profile`` must be ``company``'s at ``as_of``."""
    _check_same(company, profile, as_of)
    return _build_letter(profile, settings, taxonomy, options)


def render_company_letter(
    company: Company,
    profile: ProfileLike,
    settings: Settings,
    renderer: Renderer | None,
    *,
    taxonomy: Taxonomy,
    as_of: dt.date,
    formats: Sequence[str] = FORMATS,
    options: LetterOptions | None = None,
) -> dict[str, bytes]:
    """Return ``{format: bytes}`` of the letter to ``company`` (the old one-call form ``engage batch`` uses)."""
    _check_same(company, profile, as_of)
    letter = _build_letter(profile, settings, taxonomy, options or options_from_settings(settings))
    return render_letter(letter, formats, renderer)


def _check_same(company: Company, profile: ProfileLike, as_of: dt.date) -> None:
    known = profile.known
    if profile.as_of != as_of or known is None or known.id != company.id:
        raise ValueError(f"the profile is not {company.id}'s as of {as_of.isoformat()}")


def __getattr__(name: str) -> Any:
    """Return ``letter_to_docx`` on first use: python-docx is slow to import and most callers never need it."""
    if name == "letter_to_docx":
        # python-docx only when asked for (the CLI imports this module at start-up).
        from .documents.letter_docx import letter_to_docx

        return letter_to_docx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
