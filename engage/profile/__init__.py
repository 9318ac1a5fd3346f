"""Records -> risk profile: per-area exposure, mitigation and net risk with their reasons; pure functions.

``compile_profile`` scores one company as of a date; ``compile_profiles`` scores a whole
workspace, ranks the companies against each other and adds peer-practice opportunities.
Nothing here reads the clock, the disk (except the packaged weights.yaml) or imports
click, rich or jinja2. Every number in a ``Profile`` carries the records that moved it:
the contributions of an ``AreaScore`` sum to its totals to the hundredth. The model is
explained in docs/methodology.md and the JSON form in docs/profile-schema.md.

The modules, in the order data flows through them: ``weights`` (the numbers), ``model``
(the result types), ``rules`` (shared small rules), ``score`` (records -> points),
``history`` (the 24 monthly steps), ``areas`` (points -> scores), ``wording``, ``gaps``,
``questions``, ``opportunities``, ``peers`` and ``compile`` (all of them, for a company
or a workspace).
"""

from __future__ import annotations

from .compile import compile_profile, compile_profiles, compile_scores
from .model import (
    BANDS,
    GAP_KINDS,
    NOT_RATED,
    OPEN_STATUSES,
    OVERALL,
    SCHEMA_VERSION,
    TREND_CAUSES,
    AreaScore,
    Contribution,
    Gap,
    Opportunity,
    PeerRank,
    Peers,
    Profile,
    Question,
    SourceRef,
    is_json_field,
    to_plain,
)
from .peers import leaderboard, rank_peers
from .rules import commitment_role, has_records, is_overdue, is_quantified, months_before, recency_factor, saturate
from .score import publisher_key
from .weights import Weights, load_weights, packaged_weights_text, weights_problems

__all__ = [
    "BANDS",
    "GAP_KINDS",
    "NOT_RATED",
    "OPEN_STATUSES",
    "OVERALL",
    "SCHEMA_VERSION",
    "TREND_CAUSES",
    "AreaScore",
    "Contribution",
    "Gap",
    "Opportunity",
    "PeerRank",
    "Peers",
    "Profile",
    "Question",
    "SourceRef",
    "Weights",
    "commitment_role",
    "compile_profile",
    "compile_profiles",
    "compile_scores",
    "has_records",
    "is_json_field",
    "is_overdue",
    "is_quantified",
    "leaderboard",
    "load_weights",
    "months_before",
    "packaged_weights_text",
    "publisher_key",
    "rank_peers",
    "recency_factor",
    "saturate",
    "to_plain",
    "weights_problems",
]
