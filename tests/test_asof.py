"""What is known at a date: policies follow the same rule as allegations and commitments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engage.asof import known_at, record_known
from engage.dates import PartialDate
from engage.records import Company, Policy, Source


def _policy(pid: str, date: PartialDate, *sources: Source) -> Policy:
    return Policy(pid, "t", date, ("hrdd",), "hrdd-policy", "adopted", tuple(sources))


def _company(*policies: Policy) -> Company:
    return Company("acme", "Acme", "DE", Path("acme.yaml"), policies=policies)


def test_a_policy_counts_from_its_date_once_a_source_is_known() -> None:
    early = Source("early", date=PartialDate(2024, 5, 28))
    late = Source("late", date=PartialDate(2025))
    policy = _policy("p", PartialDate(2024, 5), early, late)
    assert not record_known(policy, dt.date(2024, 4, 30))
    assert record_known(policy, dt.date(2024, 5, 28))
    assert not record_known(_policy("q", PartialDate(2024, 5), late), dt.date(2024, 12, 31))


def test_known_at_drops_unknown_policies_and_their_later_sources() -> None:
    early = Source("early", date=PartialDate(2024, 5, 28))
    late = Source("late", date=PartialDate(2025))
    kept = _policy("kept", PartialDate(2024, 5), early, late)
    future = _policy("future", PartialDate(2025, 3), late)
    company = _company(kept, future)
    then = known_at(company, dt.date(2024, 6, 1))
    assert [p.id for p in then.policies] == ["kept"]
    assert then.policies[0].sources == (early,)
    now = known_at(company, dt.date(2026, 1, 1))
    assert now is company
