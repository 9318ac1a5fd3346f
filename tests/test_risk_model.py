"""Risk model 2: inherent exposure, management from commitments and policies, coverage, trend causes.

The bars of the risk-model issue are tested here on synthetic records and on the shipped data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pytest
from profile_factories import allegation, commitment, company, policy, source

from engage.dates import PartialDate
from engage.errors import DataError
from engage.profile import compile_profile, compile_profiles, load_weights, saturate
from engage.records import ExposureAdjustment, find_company_files, load_companies, load_company
from engage.taxonomy import load_taxonomy

REPO = Path(__file__).parent.parent
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def taxonomy():  # type: ignore[no-untyped-def]
    return load_taxonomy()


@pytest.fixture(scope="module")
def weights():  # type: ignore[no-untyped-def]
    return load_weights()


@pytest.fixture(scope="module")
def shipped(taxonomy):  # type: ignore[no-untyped-def]
    companies, problems = load_companies(find_company_files(REPO / "companies"), taxonomy, REPO)
    assert not problems
    return companies


# --------------------------------------------------------------------------- inherent exposure


def test_a_company_nobody_writes_about_still_carries_the_sector_baseline(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    quiet = company("quiet", policies=(policy(status="none-found", areas=("hrdd",), kind="hrdd-policy"),))
    p = compile_profile(quiet, taxonomy, AS_OF, weights)
    for area in taxonomy.areas:
        score = p.area(area.key)
        assert score.exposure == round(saturate(area.baseline, weights.exposure_scale), 2)
        assert score.net == score.exposure  # nothing manages it
        assert score.inherent == score.exposure and score.baseline_points == area.baseline
    assert p.area("hrdd").assessed and not p.area("steel").assessed
    assert p.assessed_areas == 1 and p.rated


def test_a_sourced_adjustment_scales_the_baseline_and_says_why(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    no_cells = ExposureAdjustment("batteries", 0.0, "Buys no battery cells.", (source("Company", PartialDate(2025)),))
    half = ExposureAdjustment(
        "steel", 0.5, "Half the steel of a typical maker.", (source("Company", PartialDate(2025)),)
    )
    c = dataclasses.replace(company(allegations=(allegation(),)), exposure_adjustments=(no_cells, half))
    p = compile_profile(c, taxonomy, AS_OF, weights)
    assert p.area("batteries").exposure == 0 and not p.area("batteries").contributions
    (steel,) = p.area("steel").contributions
    assert steel.record_kind == "baseline" and steel.points == 2.0
    assert "x company adjustment 0.5 (Half the steel of a typical maker)" in steel.note
    # Not yet known before its source was published: the sector baseline stands.
    early = compile_profile(c, taxonomy, dt.date(2024, 6, 1), weights)
    assert early.area("steel").baseline_points == 4.0


def test_an_adjustment_without_a_reason_is_a_located_error(tmp_path: Path, taxonomy) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "companies" / "acme.yaml"
    path.parent.mkdir()
    path.write_text(
        "name: Acme\nexposure_adjustments:\n  - area: batteries\n    factor: 4\n"
        "    sources: [{title: Annual report, date: 2025}]\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as exc:
        load_company(path, taxonomy, tmp_path)
    found = {(p.line, p.field) for p in exc.value.problems}
    assert (3, "exposure_adjustments[0].reason") in found and (4, "exposure_adjustments[0].factor") in found


def test_engage_yaml_overrides_a_baseline(taxonomy) -> None:  # type: ignore[no-untyped-def]
    w = load_weights({"baseline": {"legislation": 0, "steel": 6}})
    p = compile_profile(company(allegations=(allegation(),)), taxonomy, AS_OF, w)
    assert p.area("legislation").exposure == 0 and p.area("steel").baseline_points == 6
    assert "+" in w.version  # a profile names the changed numbers


# --------------------------------------------------------------------------- management


def test_policies_manage_inherent_exposure_and_none_found_only_assesses(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    bare = compile_profile(company(allegations=(allegation(areas=("steel",)),)), taxonomy, AS_OF, weights)
    looked = compile_profile(
        company(allegations=(allegation(areas=("steel",)),), policies=(policy(status="none-found"),)),
        taxonomy,
        AS_OF,
        weights,
    )
    managed = {
        status: compile_profile(
            company(allegations=(allegation(areas=("steel",)),), policies=(policy(status=status),)),
            taxonomy,
            AS_OF,
            weights,
        ).area("minerals")
        for status in ("adopted", "implemented", "verified")
    }
    assert not bare.area("minerals").assessed and looked.area("minerals").assessed
    assert looked.area("minerals").net == bare.area("minerals").net
    nets = [managed[s].net for s in ("adopted", "implemented", "verified")]
    assert nets == sorted(nets, reverse=True) and nets[0] < bare.area("minerals").net
    # Management never takes off more than the manageable share of the inherent exposure.
    assert nets[-1] >= bare.area("minerals").net * (1 - weights.manageable_inherent) - 0.01


def test_management_covers_little_of_what_allegations_show(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    harm = allegation(severity="severe", status="substantiated")
    many = tuple(commitment(id=f"c{i}", verification="certified", status="achieved") for i in range(8))
    p = compile_profile(company(allegations=(harm,), commitments=many), taxonomy, AS_OF, weights)
    a = p.area("minerals")
    evidence = a.exposure - a.inherent
    assert a.offset <= a.inherent * weights.manageable_inherent + evidence * weights.manageable_evidence + 0.01
    assert a.net > evidence * (1 - weights.manageable_evidence) - 0.01


# --------------------------------------------------------------------------- coverage


def test_a_company_with_no_records_is_not_rated_and_not_ranked(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    from engage.documents.export import board_rows

    acme = company("acme", allegations=(allegation(),))
    beta = company("beta", commitments=(commitment(),))
    empty = company("empty")
    with_empty = compile_profiles([acme, beta, empty], taxonomy, AS_OF, weights)
    without = compile_profiles([acme, beta], taxonomy, AS_OF, weights)
    assert not with_empty["empty"].rated and with_empty["empty"].ranks == ()
    assert with_empty["empty"].evidence.newest is None and with_empty["empty"].evidence.age_days is None
    for cid in ("acme", "beta"):
        assert with_empty[cid].ranks == without[cid].ranks  # not in any rank, percentile or median
    rows = {r["company_id"]: r for r in board_rows(with_empty)}
    assert rows["empty"]["rated"] is False and rows["empty"]["rank"] is None and rows["empty"]["net"] is None
    assert rows["acme"]["rated"] is True and rows["acme"]["rank"] in (1, 2)
    assert list(rows)[-1] == "empty"


def test_evidence_age_is_the_days_from_the_newest_source(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    a = allegation(
        date=PartialDate(2024, 3), sources=(source(date=PartialDate(2024, 3, 1)), source("FT", PartialDate(2024, 7)))
    )
    p = compile_profile(company(allegations=(a,)), taxonomy, AS_OF, weights)
    assert p.evidence.newest == dt.date(2024, 7, 1)
    assert p.evidence.age_days == (AS_OF - dt.date(2024, 7, 1)).days and p.evidence.stale
    assert p.evidence.age_months == 29
    fresh = compile_profile(company(allegations=(a,)), taxonomy, dt.date(2024, 12, 1), weights)
    assert not fresh.evidence.stale


# --------------------------------------------------------------------------- trend causes


def test_a_fall_from_ageing_alone_is_called_ageing(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    old = allegation(date=PartialDate(2024, 3), severity="severe", status="substantiated")
    p = compile_profile(company(allegations=(old,)), taxonomy, AS_OF, weights)
    assert p.area("minerals").trend == "falling" and p.area("minerals").trend_cause == "ageing"
    assert p.overall.trend_cause == "ageing"


def test_a_new_allegation_is_new_evidence_and_ageing_plus_news_is_mixed(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    new = allegation("new", date=PartialDate(2026, 9), severity="severe", status="substantiated")
    p = compile_profile(company(allegations=(new,)), taxonomy, AS_OF, weights)
    assert p.area("minerals").trend == "rising" and p.area("minerals").trend_cause == "new-evidence"
    # A new policy lowers the number: that fall is new evidence, not ageing.
    pol = policy(date=PartialDate(2026, 6), status="verified", areas=("steel",))
    q = compile_profile(company(allegations=(new,), policies=(pol,)), taxonomy, AS_OF, weights)
    assert q.area("steel").trend == "falling" and q.area("steel").trend_cause == "new-evidence"
    # An old allegation ageing and a new policy, in one area, both lower it.
    old = allegation("old", date=PartialDate(2024, 3), areas=("steel",), severity="severe", status="substantiated")
    r = compile_profile(company(allegations=(old,), policies=(pol,)), taxonomy, AS_OF, weights)
    assert r.area("steel").trend_cause == "mixed"
    nothing = compile_profile(company(policies=(policy(date=PartialDate(2020)),)), taxonomy, AS_OF, weights)
    assert nothing.overall.trend_cause == "none" and nothing.overall.trend_delta == 0


def test_a_record_counts_in_the_history_from_its_first_source_as_known_at_says(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """A commitment dated January but first reported in June gave credit from January in the history."""
    late = dataclasses.replace(
        commitment("late", date=PartialDate(2026, 1), areas=("steel",), status="achieved", target_year=None),
        sources=(source("Company press office", date=PartialDate(2026, 6)),),
    )
    hit = allegation("hit", date=PartialDate(2025, 6), areas=("steel",), severity="severe", status="substantiated")
    c = company(allegations=(hit,), commitments=(late,))
    p = compile_profile(c, taxonomy, AS_OF, weights)
    march = compile_profile(c, taxonomy, dt.date(2026, 3, 1), weights)  # the commitment is not known yet
    assert march.area("steel").credit_points == 0
    # Profile.history runs oldest first and ends at the as-of date; 1 March 2026 is 9 steps back.
    assert abs(p.history[-1 - 9] - march.overall.net) <= 0.02


def test_the_history_is_the_profile_rescored_at_each_step(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """Each monthly step of the history equals a full compile as of that day, to the rounding of record points."""
    import random

    from profile_factories import synthetic_company

    from engage.profile.rules import history_steps

    def varied(c, rng):  # type: ignore[no-untyped-def]
        """The factory makes neither undated sources nor updates: give some records each, in the window."""
        allegations = []
        for a in c.allegations:
            if rng.random() < 0.3:
                a = dataclasses.replace(a, sources=(dataclasses.replace(a.sources[0], date=None), *a.sources[1:]))
            if rng.random() < 0.3 and a.date.year <= 2024:  # an update after the record's date, as validation asks
                a = dataclasses.replace(a, updated=PartialDate(2025, rng.randint(1, 12)))
            allegations.append(a)
        return dataclasses.replace(c, allegations=tuple(allegations))

    rng = random.Random(5)
    as_of = dt.date(2026, 1, 1)
    steps = history_steps(as_of, weights.peak_months)[0]
    for i in range(15):
        c = synthetic_company(rng, i, rng.choice([3, 10, 30, 50]))
        c = varied(c, rng) if i % 2 else c
        p = compile_profile(c, taxonomy, as_of, weights)
        for k, day in enumerate(steps):
            then = compile_profile(c, taxonomy, day, weights)
            assert abs(p.history[-2 - k] - then.overall.net) <= 0.05, (c.id, day)
            if k == weights.trend_months - 1:
                for now, was in zip(p.areas, then.areas, strict=True):
                    assert abs(now.year_ago - was.net) <= 0.1, (c.id, now.key)


# --------------------------------------------------------------------------- the bars on the shipped data


def test_shipped_bars_as_of_2026_12_01(shipped, taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    profiles = compile_profiles(shipped, taxonomy, AS_OF, weights)
    rated = [p for p in profiles.values() if p.rated]
    # No company without any record holds a rank or counts in the median.
    for p in profiles.values():
        assert (p.rank() is not None) == p.rated
    # No company with neither a commitment nor an adopted (or better) policy is in the lowest-risk third.
    third = math.ceil(len(rated) / 3)
    lowest = sorted(rated, key=lambda p: p.overall.net)[:third]
    for p in lowest:
        known = p.known
        assert known is not None
        managed = known.commitments or any(x.status != "none-found" for x in known.policies)
        assert managed, f"{p.company_id} has no commitment or policy yet ranks {p.rank().rank}"  # type: ignore[union-attr]
    # Volkswagen: a trend cause; falling only when the cause is ageing; the evidence age adds up.
    vw = profiles["volkswagen"]
    assert vw.overall.trend_cause in ("new-evidence", "ageing", "mixed", "none")
    assert vw.overall.trend != "falling" or vw.overall.trend_cause == "ageing"
    assert vw.evidence.newest is not None and vw.evidence.age_days == (AS_OF - vw.evidence.newest).days
    doc = json.loads(vw.to_json())
    assert all("assessed" in a for a in doc["areas"]) and doc["overall"]["trend_cause"] == vw.overall.trend_cause
    assert doc["evidence"]["newest"] == vw.evidence.newest.isoformat()


def test_deleting_every_benchmark_changes_no_score(shipped, taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    with_b = compile_profiles(shipped, taxonomy, AS_OF, weights)
    without = compile_profiles([dataclasses.replace(c, benchmarks=()) for c in shipped], taxonomy, AS_OF, weights)
    for cid, p in with_b.items():
        q = without[cid]
        assert (p.overall, p.areas, p.ranks, p.evidence) == (q.overall, q.areas, q.ranks, q.evidence)


def test_the_brief_explains_a_far_benchmark_and_never_calls_ageing_falling(shipped, taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    from engage.documents.brief import build_brief
    from engage.workspace import find_workspace, load_settings

    settings = load_settings(find_workspace(str(REPO)))
    profiles = compile_profiles(shipped, taxonomy, AS_OF, weights)
    for cid, p in profiles.items():
        view = build_brief(p, taxonomy=taxonomy, settings=settings, weights=weights, peer_count=len(profiles))
        if p.overall.trend_cause == "ageing":
            assert "falling" not in view.overall_history and "only because older evidence has aged" in (
                view.overall_history if p.overall.trend == "falling" else "only because older evidence has aged"
            )
        assert bool(view.evidence_note) == p.evidence.stale, cid
        ours = p.rank()
        newest = next((b for b in p.benchmarks if b.rank and b.of), None)  # newest ranked edition
        far = newest and ours and abs((ours.rank - 1) / (ours.of - 1) - (newest.rank - 1) / (newest.of - 1)) > 1 / 3
        said = [s for s in view.benchmark_gaps if newest and f"ranks {p.company_name} {newest.rank} of" in s]
        assert bool(said) == bool(far), cid
    tesla = build_brief(profiles["tesla"], taxonomy=taxonomy, settings=settings, weights=weights, peer_count=18)
    assert tesla.benchmark_gaps and "allegations on record as evidence" in tesla.benchmark_gaps[0]


def test_the_brief_words_ageing_flat_lines_and_baseline_only_ranks_honestly(shipped, taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    from engage.documents.brief import build_brief, history_text
    from engage.workspace import find_workspace, load_settings

    settings = load_settings(find_workspace(str(REPO)))
    profiles = compile_profiles(shipped, taxonomy, AS_OF, weights)
    tesla = profiles["tesla"].overall
    steady = dataclasses.replace(tesla, trend="steady", trend_delta=-1.1, trend_cause="ageing")
    assert history_text(steady, AS_OF, 24).startswith("It is steady (−1.1 against a year earlier, from older evidence")
    flat = dataclasses.replace(
        tesla, trend="steady", trend_delta=0.0, trend_cause="none", peak=tesla.net, year_ago=tesla.net
    )
    assert history_text(flat, AS_OF, 24) == "It is unchanged from a year earlier."
    gac = build_brief(profiles["gac"], taxonomy=taxonomy, settings=settings, weights=weights, peer_count=18)
    by_key = {row.key: row for row in gac.areas}
    assert by_key["steel"].peer_rank is None  # nothing of GAC's own in steel: no rank from the baseline
    assert by_key["hrdd"].peer_rank is None  # a none-found policy earns nothing: still the baseline alone
    # A year-only newest source is as old as the year allows: from its last day to its first, not a day's precision.
    assert gac.evidence_note.startswith("The newest evidence on record is dated 2025, 11\u201323 months old")
    assert gac.counts["policies"] == 2 and gac.counts["policies_found"] == 0
    assert gac.policies_note == " (each a finding of none)"  # once "(0 found)", read as a failed search
    from engage.documents.brief import policies_note

    assert [policies_note(*x) for x in ((0, 0), (1, 1), (2, 2), (1, 0), (2, 1))] == [
        "",
        " (in place)",
        " (all in place)",
        " (a finding of none)",
        " (1 in place, 1 finding none)",
    ]
