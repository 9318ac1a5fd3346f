"""Compatibility shim for the reorganising step; removed when the branches merge.

The renderer is ``engage.documents.pdf``; the doctor is ``engage.documents.doctor``.
"""

from __future__ import annotations

from .documents.doctor import BUNDLED_FONT_FILES, Check, DoctorReport, bundled_fonts, doctor_report
from .documents.environment import refuse_linked_templates
from .documents.pdf import (
    BASE_STYLESHEETS,
    BUNDLED_FONT_FAMILY,
    MAX_RESOURCE_BYTES,
    PAPER_SIZES,
    PdfResult,
    RefusedURL,
    Renderer,
    make_fetcher,
    packaged_resources,
    stylesheet_file,
)

__all__ = [
    "BASE_STYLESHEETS",
    "BUNDLED_FONT_FAMILY",
    "BUNDLED_FONT_FILES",
    "MAX_RESOURCE_BYTES",
    "PAPER_SIZES",
    "Check",
    "DoctorReport",
    "PdfResult",
    "RefusedURL",
    "Renderer",
    "bundled_fonts",
    "doctor_report",
    "make_fetcher",
    "packaged_resources",
    "refuse_linked_templates",
    "stylesheet_file",
]
