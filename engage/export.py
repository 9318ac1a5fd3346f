"""Compatibility shim for the reorganising step; removed when the branches merge.

The exports live in ``engage.documents.export`` (``python -m engage.documents.export`` prints
the profile JSON Schema); ``python -m engage.export`` still works meanwhile.
"""

from __future__ import annotations

from .documents.export import (
    BAND_FILLS,
    COLUMNS,
    benchmark_label,
    board_csv,
    board_json,
    board_rows,
    board_xlsx,
    csv_cell,
    profile_json_schema,
    profile_json_schema_text,
    top_reasons,
)

__all__ = [
    "BAND_FILLS",
    "COLUMNS",
    "benchmark_label",
    "board_csv",
    "board_json",
    "board_rows",
    "board_xlsx",
    "csv_cell",
    "profile_json_schema",
    "profile_json_schema_text",
    "top_reasons",
]

if __name__ == "__main__":  # regenerate: python -m engage.export > docs/profile.schema.json
    print(profile_json_schema_text(), end="")
