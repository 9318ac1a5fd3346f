"""Builders of in-memory companies for the profile tests and the benchmark (no YAML involved)."""

from __future__ import annotations

import random
from pathlib import Path

from engage.dates import PartialDate
from engage.records import (
    ALLEGATION_STATUSES,
    COMMITMENT_STATUSES,
    POLICY_KINDS,
    POLICY_STATUSES,
    SEVERITIES,
    VERIFICATIONS,
    Allegation,
    Commitment,
    Company,
    Policy,
    Source,
)
from engage.taxonomy import AREA_KEYS

PUBLISHERS = ("Reuters", "Human Rights Watch", "Global Witness", "BHRRC", "Financial Times", "Amnesty International")


def source(
    publisher: str | None = "Reuters", date: PartialDate | None = PartialDate(2024, 3, 1), url: str | None = None
) -> Source:
    """Return a source."""
    return Source(title="A report", publisher=publisher, url=url, date=date)


def allegation(
    id: str = "a1",
    *,
    date: PartialDate = PartialDate(2024, 3),
    areas: tuple[str, ...] = ("minerals",),
    severity: str = "high",
    status: str = "alleged",
    sources: tuple[Source, ...] | None = None,
    company_response: str | None = None,
    updated: PartialDate | None = None,
    title: str = "Child labour reported at a cobalt mine",
) -> Allegation:
    """Return an allegation with sensible defaults."""
    return Allegation(
        id=id,
        title=title,
        date=date,
        areas=areas,
        severity=severity,
        status=status,
        sources=sources if sources is not None else (source(date=date),),
        company_response=company_response,
        updated=updated,
        suppliers=("Acme Mining",),
        regions=("CD",),
        materials=("cobalt",),
    )


def commitment(
    id: str = "c1",
    *,
    date: PartialDate = PartialDate(2023, 1),
    areas: tuple[str, ...] = ("minerals",),
    status: str = "in-progress",
    verification: str = "third-party",
    target: str | None = "100% of cobalt from IRMA-audited mines",
    target_year: int | None = 2030,
    title: str = "Source cobalt from audited mines",
) -> Commitment:
    """Return a commitment with sensible defaults."""
    return Commitment(
        id=id,
        title=title,
        date=date,
        areas=areas,
        status=status,
        sources=(source("Company press office", date=date),),
        target=target,
        target_year=target_year,
        verification=verification,
    )


def policy(
    id: str = "p1",
    *,
    date: PartialDate = PartialDate(2024, 5),
    areas: tuple[str, ...] = ("minerals",),
    kind: str = "responsible-minerals-policy",
    status: str = "adopted",
    title: str = "Responsible minerals policy",
) -> Policy:
    """Return a policy record with sensible defaults."""
    return Policy(
        id=id,
        title=title,
        date=date,
        areas=areas,
        kind=kind,
        status=status,
        sources=(source("Rainforest Foundation Norway", date=date),),
        assessed_by="Rainforest Foundation Norway",
    )


def company(
    id: str = "acme",
    allegations: tuple[Allegation, ...] = (),
    commitments: tuple[Commitment, ...] = (),
    name: str | None = None,
    policies: tuple[Policy, ...] = (),
) -> Company:
    """Return a company holding the given records."""
    return Company(
        id=id,
        name=name or id.replace("-", " ").title(),
        country="DE",
        path=Path(f"companies/{id}.yaml"),
        allegations=allegations,
        commitments=commitments,
        policies=policies,
    )


def synthetic_company(rng: random.Random, index: int, records: int) -> Company:
    """Return a random but plausible company with ``records`` records (60% allegations, 10% policies)."""
    allegations = []
    commitments = []
    policies = []
    for j in range(records):
        year = rng.randint(2016, 2025)
        date = PartialDate(year, rng.randint(1, 12), rng.choice((0, rng.randint(1, 28))))
        areas = tuple(rng.sample(AREA_KEYS, rng.randint(1, 3)))
        srcs = tuple(
            Source(
                f"Report {k}",
                rng.choice(PUBLISHERS),
                f"https://example.org/{index}/{j}/{k}",
                PartialDate(min(2025, year + rng.randint(0, 2)), rng.randint(1, 12)),
            )
            for k in range(rng.randint(1, 4))
        )
        draw = rng.random()
        if draw >= 0.9:
            policies.append(
                Policy(
                    id=f"p{j}",
                    title=f"Policy {j}",
                    date=date,
                    areas=areas,
                    kind=rng.choice(POLICY_KINDS),
                    status=rng.choice(POLICY_STATUSES),
                    sources=srcs,
                )
            )
        elif draw < 0.6:
            allegations.append(
                Allegation(
                    id=f"a{j}",
                    title=f"Allegation {j} at a supplier",
                    date=date,
                    areas=areas,
                    severity=rng.choice(SEVERITIES),
                    status=rng.choice(ALLEGATION_STATUSES),
                    sources=srcs,
                    company_response=rng.choice((None, "We investigated.")),
                    suppliers=("Supplier Co",),
                )
            )
        else:
            commitments.append(
                Commitment(
                    id=f"c{j}",
                    title=f"Commitment {j}",
                    date=date,
                    areas=areas,
                    status=rng.choice(COMMITMENT_STATUSES),
                    sources=srcs,
                    target=rng.choice((None, "50% by volume")),
                    target_year=rng.choice((None, year + rng.randint(1, 10))),
                    verification=rng.choice(VERIFICATIONS),
                )
            )
    return company(
        f"company-{index:04d}", tuple(allegations), tuple(commitments), f"Company {index:04d}", tuple(policies)
    )
