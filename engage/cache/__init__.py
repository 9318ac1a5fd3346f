"""The validated-record cache: an unchanged company file is never parsed or validated twice.

``WorkspaceCache`` is what ``engage.api.Workspace`` uses; ``store`` holds the file format
(authenticated, atomic, never trusted) and ``views`` what is kept. ``--no-cache`` (or
``ENGAGE_NO_CACHE=1``) turns it off; deleting ``<workspace>/.engage-cache/`` is always safe.
"""

from __future__ import annotations

from .store import CACHE_DIR, cache_key_path
from .views import CacheState, PeerFacts, WorkspaceCache, board_profile, load_one, peer_facts_of, rank_facts, with_ranks

__all__ = [
    "CACHE_DIR",
    "CacheState",
    "PeerFacts",
    "WorkspaceCache",
    "board_profile",
    "cache_key_path",
    "load_one",
    "peer_facts_of",
    "rank_facts",
    "with_ranks",
]
