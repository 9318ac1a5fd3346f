"""JSON Schemas of the record format and of the engagement log, generated from the specs the loaders enforce."""

from __future__ import annotations

from typing import Any

from .engagement.log import ALLOWED, EVIDENCE_FROM_LEVEL, LOG_SPEC, REQUIRED
from .records import COMPANY_SPEC
from .spec import json_schema_object
from .taxonomy import Taxonomy

SCHEMA_ID = "https://github.com/engage-toolkit/engage/schema/company-record.json"
LOG_SCHEMA_ID = "https://github.com/engage-toolkit/engage/schema/engagement-log.json"


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


def log_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of an engagement log, ``engagements/<company-id>.yaml``.

    Each event kind's required fields and the fields it may carry are ``if``/``then`` rules,
    as the loader checks them. As everywhere in the format, ``null`` is a field not given:
    a field of another kind may be null, a required field may not, and a milestone from
    level 3 needs its evidence.
    """
    schema = json_schema_object(LOG_SPEC, {"areas": taxonomy.keys})
    event = schema["properties"]["events"]["items"]
    common = ("date", "kind", "summary", "url")
    given = {"not": {"type": "null"}}
    event["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {
                "required": list(REQUIRED[kind]),
                "properties": {
                    **{name: {"type": "null"} for name in event["properties"] if name not in (*common, *ALLOWED[kind])},
                    **dict.fromkeys(REQUIRED[kind], given),
                },
            },
        }
        for kind in REQUIRED
    ]
    event["allOf"].append(
        {
            "if": {
                "properties": {
                    "kind": {"const": "milestone"},
                    "level": {"type": "integer", "minimum": EVIDENCE_FROM_LEVEL},
                },
                "required": ["kind", "level"],
            },
            "then": {"required": ["evidence"], "properties": {"evidence": given}},
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": LOG_SCHEMA_ID,
        "title": "engage engagement log",
        **schema,
    }
