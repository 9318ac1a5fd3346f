"""What "changed" means, once: a file has changed when the SHA-256 of its bytes has.

The batch's fingerprints (``engage.batch.fingerprint``) and the validated-record cache
(``engage.cache``) both judge a file by ``sha256_hex`` of its bytes, never by its size or
modification time, so an edit that keeps both is still seen.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of ``data`` in hex: the content digest of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


def digest_json(value: Any) -> str:
    """Return the SHA-256 of ``value`` as canonical JSON (sorted keys, no spaces)."""
    return sha256_hex(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8"))
