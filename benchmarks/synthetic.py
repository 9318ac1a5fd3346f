"""Synthetic workspaces for benchmarks: realistic record shapes, deterministic from a seed."""

from __future__ import annotations

import random
from pathlib import Path

AREAS = ["steel", "aluminum", "batteries", "minerals", "workers-rights", "fpic", "hrdd",
         "environmental-dd", "grievance", "recycling", "scope3", "disclosure", "legislation"]
SEVERITIES = ["low", "medium", "high", "severe"]
ALLEGATION_STATUSES = ["alleged", "under-investigation", "legal-action", "substantiated", "remediated", "dismissed"]
COMMITMENT_STATUSES = ["announced", "in-progress", "achieved", "missed", "withdrawn"]
VERIFICATIONS = ["none", "self-reported", "third-party", "certified"]
MATERIALS = ["steel", "aluminum", "nickel", "lithium", "cobalt", "graphite", "rare-earths"]
REGIONS = ["CN", "ID", "CD", "US", "DE", "BR", "CL", "AR", "PH", "MM"]


def company_yaml(index: int, records: int, rng: random.Random, agm_year: int = 2027) -> str:
    """Return the YAML text of one synthetic company with ``records`` allegations and commitments."""
    lines = [
        f"name: Synthetic Motors {index}",
        f"country: {rng.choice(['DE', 'US', 'JP', 'KR', 'CN', 'FR'])}",
        f"agm: {agm_year}-{rng.randint(3, 6):02d}-{rng.randint(1, 28):02d}",
        "benchmarks:",
        f"  - {{name: Lead the Charge Leaderboard, year: 2024, rank: {rng.randint(1, 18)}, of: 18, "
        f"url: https://example.org/lb/{index}}}",
        "allegations:",
    ]
    n_alleg = records * 3 // 5
    for i in range(n_alleg):
        y, m = rng.randint(2019, 2026), rng.randint(1, 12)
        areas = rng.sample(AREAS, rng.randint(1, 3))
        lines += [
            f"  - id: allegation-{i}",
            f"    title: Synthetic allegation {i} of harm at a {rng.choice(MATERIALS)} supplier & its <community>",
            f"    date: {y}-{m:02d}",
            f"    areas: [{', '.join(areas)}]",
            f"    severity: {rng.choice(SEVERITIES)}",
            f"    status: {rng.choice(ALLEGATION_STATUSES)}",
            f"    materials: [{rng.choice(MATERIALS)}]",
            f"    regions: [{rng.choice(REGIONS)}]",
            "    summary: A synthetic summary of what the source reported, two sentences long. It names no one.",
        ]
        if rng.random() < 0.4:
            lines.append("    company_response: The company said it had opened an investigation.")
        lines.append("    sources:")
        for s in range(rng.randint(1, 3)):
            lines.append(
                f"      - {{title: Report {i}.{s}, publisher: Publisher {rng.randint(1, 9)}, "
                f"url: https://example.org/{index}/{i}/{s}, date: {y}-{m:02d}-{rng.randint(1, 28):02d}}}"
            )
    lines.append("commitments:")
    for i in range(records - n_alleg):
        y = rng.randint(2019, 2026)
        lines += [
            f"  - id: commitment-{i}",
            f"    title: Synthetic commitment {i} on {rng.choice(MATERIALS)}",
            f"    date: {y}-{rng.randint(1, 12):02d}",
            f"    areas: [{rng.choice(AREAS)}]",
            f"    status: {rng.choice(COMMITMENT_STATUSES)}",
            "    target: 30% of purchases",
            f"    target_year: {rng.randint(y, 2035)}",
            f"    verification: {rng.choice(VERIFICATIONS)}",
            "    sources:",
            f"      - {{title: Announcement {i}, publisher: Synthetic Motors, url: https://example.org/c/{index}/{i}, "
            f"date: {y}-01-15}}",
        ]
    return "\n".join(lines) + "\n"


def write_workspace(root: Path, companies: int, records: int, seed: int = 7) -> Path:
    """Write a workspace of synthetic companies under ``root`` and return it."""
    rng = random.Random(seed)
    (root / "companies").mkdir(parents=True, exist_ok=True)
    for i in range(companies):
        (root / "companies" / f"synthetic-{i:04d}.yaml").write_text(company_yaml(i, records, rng), encoding="utf-8")
    return root
