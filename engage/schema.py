"""JSON Schema of the record format, generated from the same specs the loader enforces."""

from __future__ import annotations

from typing import Any

from .records import COMPANY_SPEC
from .spec import json_schema_object
from .taxonomy import Taxonomy

SCHEMA_ID = "https://github.com/engage-toolkit/engage/schema/company-record.json"


def record_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a company record under ``taxonomy``."""
    vocab = {"areas": taxonomy.keys, "materials": taxonomy.materials}
    schema = json_schema_object(COMPANY_SPEC, vocab)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "engage company record",
        **schema,
    }
