"""Risk profile model: weights, factors, totals with reasons, gaps, questions, opportunities, peers, golden files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import re
from pathlib import Path

import pytest
from profile_factories import allegation, commitment, company, policy, source

from engage.dates import PartialDate
from engage.errors import DataError
from engage.profile import (
    OVERALL,
    SCHEMA_VERSION,
    compile_profile,
    compile_profiles,
    has_records,
    load_weights,
    rank_peers,
    recency_factor,
    saturate,
)
from engage.profile.questions import FALLBACK_QUESTIONS, PLACEHOLDERS, check_question_bank, placeholders_of
from engage.records import find_company_files, load_companies
from engage.taxonomy import AREA_KEYS, Area, Taxonomy, load_taxonomy

REPO = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "data" / "golden-profiles"
GOLDEN_AS_OF = dt.date(2026, 1, 1)
GOLDEN_COMPANIES = ("volkswagen", "tesla", "hyundai", "bmw")
AS_OF = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


#: The sector baselines set to 0: the tests of allegation and commitment mechanics read their
#: points alone (tests/test_risk_model.py covers the baselines, management and coverage).
NO_BASELINE = {"baseline": {k: 0 for k in AREA_KEYS}}


@pytest.fixture(scope="module")
def weights():  # type: ignore[no-untyped-def]
    return load_weights(NO_BASELINE)


def assert_sums(score) -> None:  # type: ignore[no-untyped-def]
    """Every contribution list sums exactly (to the hundredth) to its score's totals."""
    cs = score.contributions
    assert round(sum(c.exposure for c in cs), 2) == score.exposure
    assert round(sum(c.mitigation for c in cs), 2) == score.mitigation
    assert round(sum(c.net for c in cs), 2) == score.net
    assert round(score.exposure - score.offset, 2) == score.net
    if score.key != OVERALL:
        assert round(sum(c.points for c in cs if c.role != "credit"), 2) == score.exposure_points
        assert round(sum(c.points for c in cs if c.role == "credit"), 2) == score.credit_points


# --------------------------------------------------------------------------- weights


def test_packaged_weights_load_with_a_version() -> None:
    w = load_weights()
    assert w.version == "2026.1"
    assert w.severity["severe"] > w.severity["high"] > w.severity["medium"] > w.severity["low"]
    assert w.band(0) == "low" and w.band(100) == "high"


def test_unknown_override_key_is_named() -> None:
    with pytest.raises(DataError) as exc:
        load_weights({"allegations": {"severity": {"extreme": 16}}, "recency": {"floor": 0.3}})
    message = str(exc.value)
    assert "allegations.severity.extreme" in message
    assert "unknown key 'recency'" in message


def test_override_changes_version_and_value() -> None:
    w = load_weights({"allegations": {"recency": {"floor": 0.3}}})
    assert w.recency_floor == 0.3
    assert re.fullmatch(r"2026\.1\+[0-9a-f]{8}", w.version)
    assert load_weights({"allegations": {"recency": {"floor": 0.3}}}).version == w.version
    named = load_weights({"version": "ours-1", "scores": {"exposure_scale": 12}})
    assert re.fullmatch(r"ours-1\+[0-9a-f]{8}", named.version)  # a name never hides changed numbers


@pytest.mark.parametrize(
    "override, words",
    [
        ({"allegations": {"recency": {"floor": 2}}}, "floor"),
        ({"scores": {"bands": {"moderate": 50, "elevated": 40}}}, "bands"),
        ({"scores": {"overall": [0.1, 0.9]}}, "overall"),
        ({"scores": {"management_scale": "lots"}}, "not a number"),
        ({"scores": {"manageable": {"inherent": 1.5}}}, "between 0 and 1"),
        ({"baseline": {"steal": 2}}, "unknown area 'steal'"),
        ({"policies": {"status": {"adopted": -1}}}, "policies.status.adopted"),
        ({"opportunities": {"peer_verification": ["notarised"]}}, "notarised"),
    ],
)
def test_broken_overrides_are_rejected(override: dict, words: str) -> None:
    with pytest.raises(DataError) as exc:
        load_weights(override)
    assert words in str(exc.value)


# --------------------------------------------------------------------------- factors


def test_recency_is_full_for_a_year_then_halves_to_a_floor(weights) -> None:  # type: ignore[no-untyped-def]
    assert recency_factor(0, weights) == 1.0
    assert recency_factor(12, weights) == 1.0
    assert recency_factor(24, weights) == pytest.approx(0.5)
    assert recency_factor(36, weights) == pytest.approx(0.25)
    assert recency_factor(240, weights) == weights.recency_floor


def test_allegation_points_are_the_product_of_their_factors(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    a = allegation(
        severity="severe",
        status="substantiated",
        date=PartialDate(2023, 6),
        sources=(source("Reuters", PartialDate(2023, 6, 1)), source("Human Rights Watch", PartialDate(2023, 6, 2))),
    )
    p = compile_profile(company(allegations=(a,)), taxonomy, AS_OF, weights)
    c = p.area("minerals").contributions[0]
    age = (AS_OF - dt.date(2023, 6, 30)).days / 30.4375
    expected = 8 * 1.0 * 1.15 * recency_factor(age, weights) * 1.25
    assert c.points == round(expected, 2)
    assert c.factors["independent_sources"] == 2
    assert "no company response" in c.note
    assert p.area("minerals").exposure == round(saturate(c.points, weights.exposure_scale), 2)


def test_same_publisher_twice_is_one_independent_source(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    a = allegation(sources=(source("Reuters"), source(" reuters ", url="https://www.reuters.com/x")))
    p = compile_profile(company(allegations=(a,)), taxonomy, AS_OF, weights)
    assert p.area("minerals").contributions[0].factors["independent_sources"] == 1


def test_dismissed_counts_nothing_and_remediated_little(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    def exposure(status: str) -> float:
        p = compile_profile(company(allegations=(allegation(status=status),)), taxonomy, AS_OF, weights)
        return p.area("minerals").exposure

    assert exposure("dismissed") == 0
    assert (
        0 < exposure("remediated") < exposure("alleged") < exposure("under-investigation") < exposure("substantiated")
    )


def test_an_allegation_counts_in_every_area_it_lists(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    p = compile_profile(company(allegations=(allegation(areas=("minerals", "fpic")),)), taxonomy, AS_OF, weights)
    assert p.area("minerals").exposure == p.area("fpic").exposure > 0
    assert p.area("steel").exposure == 0


def test_records_after_the_as_of_date_are_ignored(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    later = allegation(date=PartialDate(2025, 7))
    p = compile_profile(company(allegations=(later,)), taxonomy, AS_OF, weights)
    assert p.overall.net == 0 and not p.gaps


def test_a_record_only_reported_after_the_as_of_date_is_not_on_record(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """has_records follows engage.asof: dated before the date, but every source after it, is not yet known."""
    reported_later = allegation(date=PartialDate(2025, 3), sources=(source(date=PartialDate(2025, 8)),))
    c = company(allegations=(reported_later,))
    assert not has_records(c, AS_OF)
    assert compile_profile(c, taxonomy, AS_OF, weights).overall.net == 0
    assert has_records(c, dt.date(2025, 8, 1))
    assert has_records(company(allegations=(allegation(date=PartialDate(2025, 3)),)), AS_OF)


def test_a_year_only_date_counts_from_its_first_day(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    a = allegation(date=PartialDate(2025), sources=(source(date=PartialDate(2025)),))
    p = compile_profile(company(allegations=(a,)), taxonomy, AS_OF, weights)
    assert p.area("minerals").contributions[0].factors["recency"] == 1.0


def test_commitment_credit_follows_credibility_criteria(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    vague = commitment(verification="none", status="announced", target=None, target_year=None)
    strong = commitment(verification="certified", status="achieved")
    p1 = compile_profile(company(commitments=(vague,)), taxonomy, AS_OF, weights)
    p2 = compile_profile(company(commitments=(strong,)), taxonomy, AS_OF, weights)
    assert p1.area("minerals").credit_points == 0.5
    assert p2.area("minerals").credit_points == 0.5 + 1 + 1 + 2 + 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": "missed"},
        {"status": "withdrawn"},
        {"status": "announced", "target_year": 2023},
    ],
)
def test_missed_withdrawn_and_overdue_add_to_risk(taxonomy, weights, kwargs) -> None:  # type: ignore[no-untyped-def]
    harm = allegation()
    base = compile_profile(company(allegations=(harm,)), taxonomy, AS_OF, weights)
    bad = compile_profile(company(allegations=(harm,), commitments=(commitment(**kwargs),)), taxonomy, AS_OF, weights)
    assert bad.area("minerals").net > base.area("minerals").net
    assert [c.role for c in bad.area("minerals").contributions] == ["exposure", "penalty"]
    assert bad.area("minerals").mitigation == 0


def test_credible_commitment_offsets_but_never_erases(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    harm = allegation(severity="severe", status="substantiated")
    many = tuple(commitment(id=f"c{i}", verification="certified", status="achieved") for i in range(10))
    p = compile_profile(company(allegations=(harm,), commitments=many), taxonomy, AS_OF, weights)
    a = p.area("minerals")
    assert a.net < a.exposure
    assert a.net >= a.exposure * (1 - weights.manageable_evidence) - 0.01  # an allegation is mostly unmanageable
    assert_sums(a)


# --------------------------------------------------------------------------- history


def test_peak_and_trend_show_a_quiet_year_is_not_a_clean_record(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    a = allegation(severity="severe", status="substantiated", date=PartialDate(2023, 9, 1))
    as_of = dt.date(2025, 8, 1)
    p = compile_profile(company(allegations=(a,)), taxonomy, as_of, weights)
    m = p.area("minerals")
    assert m.peak > m.net
    assert m.peak_on < as_of
    assert m.year_ago > m.net and m.trend == "falling"
    assert m.trend_delta == round(m.net - m.year_ago, 2)


def test_a_new_allegation_reads_as_rising(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    p = compile_profile(company(allegations=(allegation(date=PartialDate(2025, 5)),)), taxonomy, AS_OF, weights)
    assert p.area("minerals").trend == "rising" and p.area("minerals").year_ago == 0


# --------------------------------------------------------------------------- gaps, questions, opportunities


def rich_company():  # type: ignore[no-untyped-def]
    return company(
        allegations=(
            allegation("silent", severity="severe", status="substantiated", date=PartialDate(2023, 11, 20)),
            allegation("answered", company_response="We audited the mine.", areas=("workers-rights",)),
            allegation("old", date=PartialDate(2020, 2), areas=("fpic",), sources=(source(date=PartialDate(2020, 2)),)),
        ),
        commitments=(
            commitment("late", status="announced", target_year=2022, areas=("steel",), verification="none"),
            commitment("unchecked", status="in-progress", verification="self-reported", areas=("recycling",)),
            commitment("done", status="achieved", verification="certified", areas=("batteries",)),
        ),
    )


def test_gaps_cover_every_kind_and_are_ordered_by_priority(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    p = compile_profile(rich_company(), taxonomy, AS_OF, weights)
    kinds = {g.kind for g in p.gaps}
    assert {"no-response", "allegation", "no-commitment", "overdue", "unverified", "stale"} <= kinds
    priorities = [g.priority for g in p.gaps]
    assert priorities == sorted(priorities, reverse=True)
    first = p.gaps[0]
    assert first.kind == "no-response" and first.record_id == "silent"


def test_questions_are_filled_with_the_records_specifics(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    p = compile_profile(rich_company(), taxonomy, AS_OF, weights)
    assert [q.rank for q in p.questions] == list(range(1, len(p.questions) + 1))
    top = p.questions[0]
    assert top.record_ids == ("silent",)
    assert "November 2023" in top.text and "Reuters" in top.text
    assert top.sources and top.sources[0].publisher == "Reuters"
    for q in p.questions:
        assert not re.search(r"\{[^}]*\}", q.text), q.text
        assert "<" not in q.text
    late = next(q for q in p.questions if q.kind == "overdue")
    assert "2022" in late.text


def test_every_template_in_the_bank_fills(taxonomy) -> None:  # type: ignore[no-untyped-def]
    check_question_bank(taxonomy)
    for area in taxonomy.areas:
        assert set(area.questions) == set(PLACEHOLDERS), area.key
        assert len(area.opportunities) >= 2, area.key
        for templates in area.questions.values():
            for t in templates:
                filled = t.format_map({name: "X" for name in placeholders_of(t)})
                assert "{" not in filled and "}" not in filled
    for kind, t in FALLBACK_QUESTIONS.items():
        assert set(placeholders_of(t)) <= PLACEHOLDERS[kind]


def test_an_unknown_placeholder_is_a_data_error(taxonomy) -> None:  # type: ignore[no-untyped-def]
    area = taxonomy.areas[0]
    bad = Area(area.key, area.title, area.short, area.description, questions={"stale": ("Since {when}?",)})
    with pytest.raises(DataError) as exc:
        check_question_bank(dataclasses.replace(taxonomy, areas=(bad, *taxonomy.areas[1:])))
    assert "{when}" in str(exc.value) and "questions.stale[0]" in str(exc.value)


def test_opportunities_only_where_records_make_them_relevant(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    p = compile_profile(rich_company(), taxonomy, AS_OF, weights)
    own = [o for o in p.opportunities if o.kind == "commitment"]
    assert [o.record_ids for o in own] == [("done",), ("unchecked",)]
    areas = {o.area for o in p.opportunities if o.kind == "area"}
    assert areas <= {"minerals", "workers-rights", "fpic", "steel", "recycling", "batteries"}
    assert "scope3" not in areas


def test_peer_practice_names_the_peer(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    me = company("acme", allegations=(allegation(areas=("aluminum",)),))
    peer = company("beta", commitments=(commitment(areas=("aluminum",), verification="certified"),), name="Beta Motors")
    weak = company("gamma", commitments=(commitment(areas=("aluminum",), verification="self-reported"),))
    profiles = compile_profiles([me, peer, weak], taxonomy, AS_OF, weights)
    peer_ops = [o for o in profiles["acme"].opportunities if o.kind == "peer"]
    assert [o.area for o in peer_ops] == ["aluminum"]
    assert peer_ops[0].peer_ids == ("beta",) and "Beta Motors" in peer_ops[0].text
    assert not [o for o in profiles["beta"].opportunities if o.kind == "peer" and o.area == "aluminum"]


# --------------------------------------------------------------------------- peers


def test_rank_peers_gives_rank_percentile_and_median(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    clean = company("clean", policies=(policy(status="none-found"),))
    some = company("some", allegations=(allegation(severity="medium"),))
    bad = company("bad", allegations=(allegation(severity="severe", status="substantiated"),))
    profiles = compile_profiles([bad, clean, some], taxonomy, AS_OF, weights)
    assert list(profiles) == ["bad", "clean", "some"]
    r = {cid: p.rank() for cid, p in profiles.items()}
    assert (r["clean"].rank, r["some"].rank, r["bad"].rank) == (1, 2, 3)
    assert (r["clean"].percentile, r["some"].percentile, r["bad"].percentile) == (0, 50, 100)
    assert r["bad"].median == profiles["some"].overall.net
    peers = rank_peers(profiles.values())
    assert [cid for cid, _ in peers.board("minerals")] == ["clean", "some", "bad"]
    steel = [pr.rank for _, pr in peers.board("steel")]
    assert steel == [1, 1, 1]
    # A company with nothing on record takes no rank and is not in the median.
    nothing = company("nothing")
    with_empty = compile_profiles([bad, clean, some, nothing], taxonomy, AS_OF, weights)
    assert with_empty["nothing"].rated is False and with_empty["nothing"].rank() is None
    assert with_empty["bad"].rank().of == 3 and with_empty["bad"].rank().median == r["bad"].median


def test_benchmarks_are_carried_beside_not_blended(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    from engage.records import Benchmark

    c = dataclasses.replace(company(), benchmarks=(Benchmark("Lead the Charge Leaderboard", 2025, rank=1, of=18),))
    p = compile_profile(c, taxonomy, AS_OF, weights)
    assert p.benchmarks[0].rank == 1 and p.overall.net == 0


# --------------------------------------------------------------------------- JSON and shipped data


def test_to_dict_is_json_with_a_schema_version(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    p = compile_profiles([rich_company()], taxonomy, AS_OF, weights)["acme"]
    doc = json.loads(p.to_json())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["as_of"] == "2025-06-01" and doc["weights_version"] == weights.version
    assert len(doc["areas"]) == 13 and doc["overall"]["key"] == "overall"
    assert doc["questions"][0]["rank"] == 1


def test_schema_file_is_current() -> None:
    """Regenerate with: .venv/bin/python -m engage.documents.export > docs/profile.schema.json"""
    from engage.documents.export import profile_json_schema_text

    assert (REPO / "docs" / "profile.schema.json").read_text(encoding="utf-8") == profile_json_schema_text()


def test_profile_matches_its_json_schema(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "docs" / "profile.schema.json").read_text(encoding="utf-8"))
    p = compile_profiles([rich_company(), company("other")], taxonomy, AS_OF, weights)["acme"]
    jsonschema.validate(p.to_dict(), schema)


@pytest.fixture(scope="module")
def shipped(taxonomy):  # type: ignore[no-untyped-def]
    files = find_company_files(REPO / "companies")
    if not files:
        pytest.skip("no shipped companies yet")
    companies, _problems = load_companies(files, taxonomy, REPO)
    return companies


def test_shipped_data_sums_exactly_and_is_bounded(shipped, taxonomy) -> None:  # type: ignore[no-untyped-def]
    profiles = compile_profiles(shipped, taxonomy, GOLDEN_AS_OF, load_weights())
    for p in profiles.values():
        for score in (p.overall, *p.areas):
            assert_sums(score)
            for value in (score.exposure, score.mitigation, score.net, score.peak):
                assert 0 <= value <= 100
            assert score.peak >= score.net
        for q in p.questions:
            assert not re.search(r"\{[^}]*\}", q.text)


def _golden_text(profile) -> str:  # type: ignore[no-untyped-def]
    return profile.to_json()


@pytest.mark.parametrize("company_id", GOLDEN_COMPANIES)
def test_golden_profiles(shipped, taxonomy, company_id: str) -> None:  # type: ignore[no-untyped-def]
    """Regenerate with: ENGAGE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_profile.py -k golden"""
    # Ranked among the golden companies only, so a new company file does not move them.
    golden = [c for c in shipped if c.id in GOLDEN_COMPANIES]
    profiles = compile_profiles(golden, taxonomy, GOLDEN_AS_OF, load_weights())
    if company_id not in profiles:
        pytest.skip(f"{company_id} is not in the shipped data")
    path = GOLDEN / f"{company_id}.json"
    text = _golden_text(profiles[company_id])
    if os.environ.get("ENGAGE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing {path}; regenerate with ENGAGE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_deterministic_for_an_as_of(shipped, taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    a = compile_profiles(shipped, taxonomy, GOLDEN_AS_OF, load_weights())
    b = compile_profiles(list(shipped), taxonomy, GOLDEN_AS_OF, load_weights())
    assert [p.to_json() for p in a.values()] == [p.to_json() for p in b.values()]
    assert math.isfinite(sum(p.overall.net for p in a.values()))


def test_reported_sentences_never_name_the_reporter_twice_or_nest_double_quotes() -> None:
    from engage.profile.wording import quotable, reported_sentence

    assert reported_sentence("Global Witness named X among companies at risk", "Global Witness", PartialDate(2022)) == (
        "In 2022, Global Witness named X among companies at risk"
    )
    assert reported_sentence("Report alleged forced labour.", None, PartialDate(2024, 2)) == (
        "In February 2024, a report alleged forced labour"
    )
    assert reported_sentence("River pollution at a smelter", "NGO", PartialDate(2023, 5)) == (
        "In May 2023, NGO reported on the river pollution at a smelter"
    )
    assert quotable('"Short circuits" report found gaps.') == "\u2018Short circuits\u2019 report found gaps"


# --------------------------------------------------------------------------- question wording (reviewed defects)

BOARD_AS_OF = dt.date(2026, 11, 29)


def _questions(c, taxonomy, weights, as_of=AS_OF):  # type: ignore[no-untyped-def]
    return compile_profile(c, taxonomy, as_of, weights).questions


def test_no_commitment_question_never_calls_an_older_allegation_the_most_recent(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """VW: 'most recently "..." (February 2024)' while a May 2024 allegation was in the area."""
    older = allegation("older", severity="severe", date=PartialDate(2024, 2), title="Forced labour at a contractor")
    newer = allegation("newer", severity="low", date=PartialDate(2024, 5), title="An audit relied on documents")
    qs = _questions(company(allegations=(older, newer)), taxonomy, weights)
    ask = next(q for q in qs if q.kind == "no-commitment")
    assert ask.record_ids == ("older", "newer")
    assert "most recently" not in ask.text
    assert "two allegations on transition minerals, including the forced labour at a contractor (February" in ask.text
    alone = next(q for q in _questions(company(allegations=(older,)), taxonomy, weights) if q.kind == "no-commitment")
    assert "one allegation on transition minerals, the forced labour at a contractor (February 2024), yet" in alone.text
    for area in taxonomy.areas:
        for t in area.questions.get("no-commitment", ()):
            assert "most recent" not in t, area.key


@pytest.mark.parametrize(
    "date, lead",
    [
        (PartialDate(2023, 10, 27), "On 27 October 2023, "),
        (PartialDate(2023, 10), "In October 2023, "),
        (PartialDate(2023), "In 2023, "),
    ],
)
def test_reported_dates_take_on_for_a_day_and_in_for_a_month_or_year(taxonomy, weights, date, lead) -> None:  # type: ignore[no-untyped-def]
    """'In 27 October 2023' was printed for a day-precision date."""
    a = allegation(date=date, sources=(source("Reuters", date),))
    top = _questions(company(allegations=(a,)), taxonomy, weights)[0]
    assert top.kind == "no-response" and top.text.startswith(lead), top.text
    assert not re.search(r"\bIn \d{1,2} [A-Z]", top.text)


def test_a_headline_is_quoted_and_a_later_publisher_is_not_tied_to_the_records_date(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """VW: 'In January 2024, Business & Human Rights Resource Centre reported: Climate Rights International's ...'."""
    title = 'Climate Rights International\'s "Nickel Unearthed" report on the Weda Bay Industrial Park'
    later = source("Business & Human Rights Resource Centre", PartialDate(2024, 3, 25))
    a = dataclasses.replace(allegation(date=PartialDate(2024, 1), title=title, sources=(later,)), suppliers=())
    top = _questions(company(allegations=(a,)), taxonomy, weights)[0]
    # A title naming its owner's report says who published it, whatever source carried it.
    assert top.text.startswith(
        'In January 2024, Climate Rights International published its "Nickel Unearthed" report'
    ), top.text
    assert "Resource Centre" not in top.text and "reported:" not in top.text
    same_month = source("Business & Human Rights Resource Centre", PartialDate(2024, 1, 15))
    top = _questions(company(allegations=(dataclasses.replace(a, sources=(same_month,)),)), taxonomy, weights)[0]
    assert top.text.startswith(
        'In January 2024, Climate Rights International published its "Nickel Unearthed" report'
    ), top.text


@pytest.mark.parametrize(
    "title, sentence",
    [
        ("NLRB charges of union-busting", "In March 2024, a report described the NLRB charges of union-busting"),
        ("US Department of Labor sued the plant", "In March 2024, the US Department of Labor sued the plant"),
        ("BHRRC report linked the company to nickel", "In March 2024, a BHRRC report linked the company to nickel"),
        ("Report that a contractor hid fees", "In March 2024, a report said that a contractor hid fees"),
        ('"Short circuits" report found no policy', 'In March 2024, the "Short circuits" report found no policy'),
        ("Reports of strikes at two plants", "In March 2024, there were reports of strikes at two plants"),
    ],
)
def test_reported_sentence_is_grammatical_for_any_title(title: str, sentence: str) -> None:
    from engage.profile.wording import reported_sentence

    assert reported_sentence(title, None, PartialDate(2024, 3)) == sentence


def test_supplier_questions_only_for_records_that_name_a_supplier(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """VW Chattanooga, Tesla Sweden: 'say whether it still sources from the supplier concerned'."""
    for key in taxonomy.keys:
        own = tuple(
            dataclasses.replace(
                allegation(f"own{i}", areas=(key,), company_response=response, title="Union-busting at the plant"),
                suppliers=(),
                materials=(),
                regions=(),
            )
            for i, response in enumerate((None, None, None, "We disagree.", "We disagree."))
        )
        for q in _questions(company(allegations=own), taxonomy, weights):  # every template the bank has for them
            for phrase in ("the supplier concerned", "the region concerned", "the materials concerned", "supplies you"):
                assert phrase not in q.text, (key, q.text)
    named = allegation("named", areas=("workers-rights",), company_response="We audited.")
    assert any("Acme Mining" in q.text for q in _questions(company(allegations=(named,)), taxonomy, weights))


def test_a_finding_about_policies_is_not_asked_how_recurrence_will_be_prevented(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """'Short circuits' found no automaker had sufficient policies; nothing happened to remedy."""
    finding = dataclasses.replace(
        allegation(
            "policy",
            severity="medium",
            areas=("minerals", "environmental-dd", "fpic"),
            title='"Short circuits" report found no automaker had sufficient deforestation policies',
        ),
        suppliers=(),
    )
    for q in _questions(company(allegations=(finding,)), taxonomy, weights):
        assert "prevent recurrence" not in q.text and "remedy was provided?" not in q.text, q.text
    for area in taxonomy.areas:
        for kind in ("allegation", "no-response"):
            for t in area.questions.get(kind, ()):
                assert "prevent recurrence" not in t, (area.key, t)
                if "remed" in t and "{supplier}" not in t and "{region}" not in t:
                    assert re.search(r"where|if any|any harm|anyone", t), (area.key, t)


def test_questions_address_the_company_as_you(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """'Will Volkswagen say whether ...' among questions that otherwise say 'you'."""
    asks = re.compile(r"\b(Will|Does|Do|How does|Has|Can|Would) \{company\}")
    for area in taxonomy.areas:
        for kind, templates in area.questions.items():
            for t in templates:
                assert not asks.search(t), (area.key, kind, t)
    for t in FALLBACK_QUESTIONS.values():
        assert not asks.search(t), t
    for q in compile_profile(rich_company(), taxonomy, AS_OF, weights).questions:
        assert not re.search(r"\b(Will|Does|How does) Acme\b", q.text), q.text


def test_possessive_of_a_name_ending_in_s(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """'General Motors's', 'Quiet Cars's'."""
    from engage.profile.wording import possessive

    assert possessive("General Motors") == "General Motors'" and possessive("Volkswagen") == "Volkswagen's"
    area = taxonomy.area("fpic")
    mine = Area(area.key, area.title, area.short, area.description, questions={"stale": ("Of {company}'s {area}?",)})
    ours = dataclasses.replace(taxonomy, areas=tuple(mine if a.key == "fpic" else a for a in taxonomy.areas))
    old = allegation(areas=("fpic",), date=PartialDate(2020, 2), sources=(source(date=PartialDate(2020, 2)),))
    quiet = company(allegations=(old,), name="Quiet Cars")
    texts = [q.text for q in compile_profile(quiet, ours, AS_OF, weights).questions]
    assert "Of Quiet Cars' FPIC?" in texts
    assert not any("Cars's" in t for t in texts)


def test_questions_and_gaps_write_dates_in_words(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """'On 2023-12-11' and '2024-07-04' in prose."""
    a = allegation(title="Letter of 2024-07-04 questioned steel from a coal-based mill", date=PartialDate(2024, 7))
    old = PartialDate(2020, 2)
    stale = allegation("stale", areas=("fpic",), date=old, sources=(source(date=old),))
    p = compile_profile(company(allegations=(a, stale)), taxonomy, AS_OF, weights)
    iso = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
    assert any("4 July 2024" in q.text for q in p.questions)
    for text in [q.text for q in p.questions] + [g.text for g in p.gaps]:
        assert not iso.search(text), text


def test_shipped_questions_read_as_prose(shipped, taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """Every reviewed defect, over every shipped company as the boards will see it."""
    profiles = compile_profiles(shipped, taxonomy, BOARD_AS_OF, weights)
    names = {c.id: c.name for c in shipped}
    for cid, p in profiles.items():
        name = names[cid]
        for q in p.questions:
            t = q.text
            assert not re.search(r"\bIn \d{1,2} [A-Z]", t), t  # 1
            assert "most recently" not in t, t
            assert "reported:" not in t and not re.search(r"\d{4}-\d{2}-\d{2}", t), t
            assert "the supplier concerned" not in t and "the region concerned" not in t, t
            assert f"Will {name} " not in t and f"Does {name} " not in t, t
            if name.endswith("s"):
                assert f"{name}'s" not in t, t
            assert '""' not in t, t
            for leak in ("the sheet", "dataset", "not recorded"):
                assert leak not in t, t
