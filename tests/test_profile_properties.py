"""Properties of the risk model that must hold for any records (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profile_factories import company

from engage.dates import PartialDate
from engage.profile import OVERALL, Profile, compile_profile, load_weights, recency_factor
from engage.records import (
    ALLEGATION_STATUSES,
    COMMITMENT_STATUSES,
    SEVERITIES,
    VERIFICATIONS,
    Allegation,
    Commitment,
    Source,
)
from engage.taxonomy import AREA_KEYS, load_taxonomy

TAXONOMY = load_taxonomy()
WEIGHTS = load_weights()
AS_OF = dt.date(2025, 6, 15)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dates = st.builds(
    PartialDate,
    st.integers(2012, 2025),
    st.integers(0, 12),
    st.just(0),
) | st.builds(PartialDate, st.integers(2012, 2025), st.integers(1, 12), st.integers(1, 28))
areas = st.lists(st.sampled_from(AREA_KEYS), min_size=1, max_size=3, unique=True).map(tuple)
sources = st.lists(
    st.builds(
        Source,
        st.just("A report"),
        st.sampled_from([None, "Reuters", "HRW", "Global Witness", "FT"]),
        st.sampled_from([None, "https://a.org/x", "https://b.org/y"]),
        st.none() | dates,
    ),
    min_size=1,
    max_size=4,
).map(tuple)


@st.composite
def allegations(draw: st.DrawFn, id: str = "a") -> Allegation:
    return Allegation(
        id=id,
        title="Harm reported",
        date=draw(dates),
        areas=draw(areas),
        severity=draw(st.sampled_from(SEVERITIES)),
        status=draw(st.sampled_from(ALLEGATION_STATUSES)),
        sources=draw(sources),
        company_response=draw(st.none() | st.just("We investigated.")),
        updated=draw(st.none() | dates),
    )


@st.composite
def commitments(draw: st.DrawFn, id: str = "c", statuses: tuple[str, ...] = COMMITMENT_STATUSES) -> Commitment:
    return Commitment(
        id=id,
        title="A commitment",
        date=draw(dates),
        areas=draw(areas),
        status=draw(st.sampled_from(statuses)),
        sources=draw(sources),
        target=draw(st.none() | st.just("50% by 2030")),
        target_year=draw(st.none() | st.integers(2020, 2035)),
        verification=draw(st.sampled_from(VERIFICATIONS)),
    )


@st.composite
def companies(draw: st.DrawFn) -> object:
    n_a = draw(st.integers(0, 6))
    n_c = draw(st.integers(0, 4))
    return company(
        allegations=tuple(draw(allegations(id=f"a{i}")) for i in range(n_a)),
        commitments=tuple(draw(commitments(id=f"c{i}")) for i in range(n_c)),
    )


def scores(p: Profile) -> list:  # type: ignore[type-arg]
    return [p.overall, *p.areas]


@FAST
@given(
    companies(),
    st.sampled_from(AREA_KEYS),
    st.sampled_from(("high", "severe")),
    st.sampled_from(("substantiated", "legal-action", "alleged")),
)
def test_a_new_severe_allegation_never_lowers_exposure(c, area: str, severity: str, status: str) -> None:  # type: ignore[no-untyped-def]
    before = compile_profile(c, TAXONOMY, AS_OF, WEIGHTS)
    new = Allegation("new", "New harm", PartialDate(2025, 5), (area,), severity, status, (Source("R", "Reuters"),))
    after = compile_profile(dataclasses.replace(c, allegations=(*c.allegations, new)), TAXONOMY, AS_OF, WEIGHTS)
    for b, a in zip(scores(before), scores(after), strict=True):
        assert a.exposure >= b.exposure, a.key
        assert a.net >= b.net, a.key
        assert a.peak >= b.peak, a.key
    assert after.area(area).exposure > before.area(area).exposure or before.area(area).exposure > 99.9


@FAST
@given(
    companies(),
    commitments(id="new", statuses=("announced", "in-progress", "achieved")),
    st.sampled_from(("third-party", "certified")),
)
def test_a_new_verified_commitment_never_raises_net_risk(c, new: Commitment, verification: str) -> None:  # type: ignore[no-untyped-def]
    new = dataclasses.replace(new, verification=verification, target_year=None, date=PartialDate(2025, 1))
    before = compile_profile(c, TAXONOMY, AS_OF, WEIGHTS)
    after = compile_profile(dataclasses.replace(c, commitments=(*c.commitments, new)), TAXONOMY, AS_OF, WEIGHTS)
    for b, a in zip(scores(before), scores(after), strict=True):
        assert a.net <= b.net, a.key
        assert a.peak <= b.peak, a.key
        assert a.exposure == b.exposure, a.key


@given(st.floats(0, 600), st.floats(0, 600))
def test_decay_is_monotone_in_age(x: float, y: float) -> None:
    young, old = sorted((x, y))
    assert recency_factor(young, WEIGHTS) >= recency_factor(old, WEIGHTS)
    assert WEIGHTS.recency_floor <= recency_factor(old, WEIGHTS) <= 1


@FAST
@given(companies())
def test_scores_are_bounded_and_contributions_sum_to_totals(c) -> None:  # type: ignore[no-untyped-def]
    p = compile_profile(c, TAXONOMY, AS_OF, WEIGHTS)
    for s in scores(p):
        for v in (s.exposure, s.mitigation, s.net, s.peak, s.year_ago, s.offset):
            assert 0 <= v <= 100, (s.key, v)
        assert s.net <= s.exposure and s.peak >= s.net
        assert s.band == WEIGHTS.band(s.net)
        cs = s.contributions
        assert round(sum(x.exposure for x in cs), 2) == s.exposure
        assert round(sum(x.mitigation for x in cs), 2) == s.mitigation
        assert round(sum(x.net for x in cs), 2) == s.net
        if s.key != OVERALL:
            assert round(sum(x.points for x in cs if x.role != "credit"), 2) == s.exposure_points
            assert round(sum(x.points for x in cs if x.role == "credit"), 2) == s.credit_points
    for g in p.gaps:
        assert 0 <= g.priority <= 100
    for q in p.questions:
        assert "{" not in q.text and "}" not in q.text


@FAST
@given(companies())
def test_same_inputs_same_profile(c) -> None:  # type: ignore[no-untyped-def]
    a = compile_profile(c, TAXONOMY, AS_OF, WEIGHTS)
    b = compile_profile(dataclasses.replace(c), TAXONOMY, AS_OF, load_weights())
    assert a == b and a.to_json() == b.to_json()


TITLES = (
    "Harm reported",
    "NLRB charges of union-busting at a plant",
    'Climate Rights International\'s "Nickel Unearthed" report on a park',
    "Global Witness named Acme among companies at risk",
    "Report that a contractor used forced labour on 2024-07-04",
)


@FAST
@given(companies(), st.lists(st.sampled_from(TITLES), min_size=6, max_size=6), st.sampled_from(("Acme", "Quiet Cars")))
def test_questions_read_as_prose_for_any_records(c, titles: list[str], name: str) -> None:  # type: ignore[no-untyped-def]
    """Dates in words with the right preposition, no stand-ins, no false 'most recently', one voice."""
    renamed = tuple(dataclasses.replace(a, title=titles[i]) for i, a in enumerate(c.allegations))
    c = dataclasses.replace(c, name=name, allegations=renamed)
    for q in compile_profile(c, TAXONOMY, AS_OF, WEIGHTS).questions:
        t = q.text
        assert not re.search(r"\bIn \d{1,2} [A-Z]", t) and not re.search(r"\d{4}-\d{2}-\d{2}", t), t
        assert "most recently" not in t and "reported:" not in t and '""' not in t, t
        assert "the supplier concerned" not in t and "the region concerned" not in t, t
        assert f"Will {name} " not in t and "Cars's" not in t, t
