"""Regenerate the golden brief HTML: ``.venv/bin/python -m tests.regen_golden``.

The golden files are what WeasyPrint receives for the test workspace in tests/data/brief
as of GOLDEN_AS_OF. Review the diff (git diff tests/data/golden) before committing it.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"
WORKSPACE = DATA / "brief"
GOLDEN = DATA / "golden"
GOLDEN_AS_OF = dt.date(2026, 11, 1)
GOLDEN_COMPANIES = ("acme", "quiet")


def golden_html(company_id: str) -> str:
    """Return the brief HTML of a test-workspace company as of GOLDEN_AS_OF."""
    from engage.documents.brief import build_brief
    from engage.documents.brief_writer import BriefMaker
    from engage.profile import compile_profiles, load_weights
    from engage.records import load_companies
    from engage.taxonomy import load_taxonomy
    from engage.workspace import find_workspace, load_settings

    ws = find_workspace(WORKSPACE)
    settings = load_settings(ws)
    taxonomy = load_taxonomy(ws.root)
    companies, problems = load_companies(ws.company_files(), taxonomy, ws.root)
    assert not problems, problems
    weights = load_weights(settings.weights or None)
    profiles = compile_profiles(companies, taxonomy, GOLDEN_AS_OF, weights)
    view = build_brief(
        profiles[company_id], taxonomy=taxonomy, settings=settings, weights=weights, peer_count=len(profiles)
    )
    return BriefMaker(None).html(view)


def golden_path(company_id: str) -> Path:
    """Return the golden file of a company."""
    return GOLDEN / f"{company_id}.html"


def main() -> int:
    """Rewrite every golden file and say which changed."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for company_id in GOLDEN_COMPANIES:
        path = golden_path(company_id)
        new = golden_html(company_id)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(new, encoding="utf-8")
        print(f"{'unchanged' if old == new else 'updated'}: {path.relative_to(DATA.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
