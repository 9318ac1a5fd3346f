"""The documentation's worked example agrees with what engage computes from the shipped data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from engage.profile import compile_profile, load_weights
from engage.records import load_company
from engage.taxonomy import load_taxonomy

REPO = Path(__file__).parent.parent


def test_methodology_worked_example_matches_the_tool() -> None:
    text = (REPO / "docs" / "methodology.md").read_text(encoding="utf-8")
    section = text[text.index("## Worked example: Ford, transition minerals, as of 2026-01-01") :]
    section = section[: section.index("\n## ", 5)]
    taxonomy = load_taxonomy()
    company = load_company(REPO / "companies" / "ford.yaml", taxonomy, REPO)
    profile = compile_profile(company, taxonomy, dt.date(2026, 1, 1), load_weights())
    area = profile.area("minerals")
    for label, value in (
        ("exposure", area.exposure),
        ("management", area.mitigation),
        ("net", area.net),
        ("peak", area.peak),
        ("a year ago", area.year_ago),
    ):
        assert f"**{value:.2f}**" in section, f"{label} {value:.2f} is not what docs/methodology.md says"
    assert f"E = {' + '.join(f'{c.points:.2f}' for c in _exposure(area))} = {area.exposure_points:.2f}" in section
    assert f"offset is {area.offset:.2f}" in section and f"({area.trend_delta:+.2f})".replace("-", "−") in section
    assert f"band **{area.band}**" in section and f"**{area.trend}**" in section
    assert f"cause **{area.trend_cause}**" in section and f"(inherent) is {area.inherent:.2f}" in section
    assert area.assessed and f"C = {area.credit_points:g}," in section
    documented = dict(re.findall(r"^\| ([a-z0-9-]+) \|.*\| ([0-9.]+) \|$", section, re.M))
    assert documented == {c.record_id: f"{c.points:.2f}" for c in _exposure(area)}


def _exposure(area):  # type: ignore[no-untyped-def]
    return sorted((c for c in area.contributions if c.role == "exposure"), key=lambda c: -c.points)
