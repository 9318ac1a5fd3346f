"""Compatibility shim for the reorganising step; removed when the branches merge.

The questions now live in ``engage.profile.questions`` (templates, placeholders, filling)
and ``engage.profile.wording`` (dates in words, possessives, quoting).
"""

from __future__ import annotations

from .profile.questions import FALLBACK_QUESTIONS, PLACEHOLDERS, check_question_bank, fill, placeholders_of
from .profile.wording import possessive, prose_dates, quotable, reported_sentence

__all__ = [
    "FALLBACK_QUESTIONS",
    "PLACEHOLDERS",
    "check_question_bank",
    "fill",
    "placeholders_of",
    "possessive",
    "prose_dates",
    "quotable",
    "reported_sentence",
]
