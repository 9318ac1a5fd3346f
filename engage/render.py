"""Compatibility shim for the reorganising step; removed when the branches merge.

The brief now lives in ``engage.documents``: ``environment`` (Jinja2 and its filters),
``references``, ``brief_view`` (the view model), ``brief`` (``build_brief(profile, ...)``)
and ``brief_writer`` (``BriefMaker``, ``write_briefs``). ``build_brief`` here keeps the old
``(company, profile, ...)`` signature for callers not yet moved.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .asof import known_at
from .documents import brief as _brief
from .documents.brief import (
    MAX_QUESTIONS,
    REGULATION_STATUS,
    SEVERITY_ORDER,
    TREND_ARROWS,
    TREND_WORDS,
    history_text,
    unique_keywords,
)
from .documents.brief_view import (
    AllegationRow,
    AreaRow,
    BenchmarkRow,
    BriefView,
    Chart,
    ChartRow,
    CommitmentRow,
    Point,
    QuestionRow,
    RecordLink,
    RegulationRow,
    Risk,
)
from .documents.brief_writer import (
    BRIEF_FORMATS,
    BRIEF_STYLESHEETS,
    BRIEF_TEMPLATE,
    PAPERS,
    BriefMaker,
    BriefOutcome,
    brief_path,
    write_briefs,
)
from .documents.environment import (
    STATUS_LABELS,
    VERIFICATION_LABELS,
    country_name,
    country_names,
    date_label,
    format_number,
    make_environment,
    number_runs,
    safe_url,
    signed,
    slug,
    status_label,
)
from .documents.references import Reference, References
from .profile import Profile
from .records import Company

__all__ = [
    "BRIEF_FORMATS",
    "BRIEF_STYLESHEETS",
    "BRIEF_TEMPLATE",
    "MAX_QUESTIONS",
    "PAPERS",
    "REGULATION_STATUS",
    "SEVERITY_ORDER",
    "STATUS_LABELS",
    "TREND_ARROWS",
    "TREND_WORDS",
    "VERIFICATION_LABELS",
    "AllegationRow",
    "AreaRow",
    "BenchmarkRow",
    "BriefMaker",
    "BriefOutcome",
    "BriefView",
    "Chart",
    "ChartRow",
    "CommitmentRow",
    "Point",
    "QuestionRow",
    "RecordLink",
    "Reference",
    "References",
    "RegulationRow",
    "Risk",
    "brief_path",
    "build_brief",
    "country_name",
    "country_names",
    "date_label",
    "format_number",
    "history_text",
    "make_environment",
    "number_runs",
    "safe_url",
    "signed",
    "slug",
    "status_label",
    "unique_keywords",
    "write_briefs",
]


def build_brief(company: Company, profile: Profile, **options: Any) -> BriefView:
    """Return the brief's view model (old signature); the company is read only through ``profile.known``."""
    if profile.known is None:
        profile = dataclasses.replace(profile, known=known_at(company, profile.as_of))
    return _brief.build_brief(profile, **options)
