"""Compatibility shim for the reorganising step; removed when the branches merge.

The questions now live in ``engage.profile.questions`` (templates, placeholders, filling),
``engage.profile.gaps``, ``engage.profile.opportunities`` and ``engage.profile.wording``
(dates in words, possessives, quoting). New code imports from those.
"""

from __future__ import annotations

from .profile.gaps import GAP_ORDER, build_gaps
from .profile.opportunities import build_opportunities, peer_holders, peer_opportunities
from .profile.questions import (
    FALLBACK_QUESTIONS,
    PLACEHOLDERS,
    build_questions,
    check_question_bank,
    fill,
    placeholders_of,
)
from .profile.wording import (
    date_phrase,
    join_words,
    month_year,
    possessive,
    prose_dates,
    quotable,
    reported_sentence,
)

__all__ = [
    "FALLBACK_QUESTIONS",
    "GAP_ORDER",
    "PLACEHOLDERS",
    "build_gaps",
    "build_opportunities",
    "build_questions",
    "check_question_bank",
    "date_phrase",
    "fill",
    "join_words",
    "month_year",
    "peer_holders",
    "peer_opportunities",
    "placeholders_of",
    "possessive",
    "prose_dates",
    "quotable",
    "reported_sentence",
]
