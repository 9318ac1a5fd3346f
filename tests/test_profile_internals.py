"""The profile's faster internals give exactly what the straightforward versions they replace gave."""

from __future__ import annotations

import ast
import dataclasses
import math
import pickle
import random
import re
from pathlib import Path

import pytest

from engage.dates import PartialDate
from engage.profile.areas import apportion, owa
from engage.profile.history import stretches
from engage.profile.model import (
    AreaScore,
    Contribution,
    Gap,
    Opportunity,
    PeerRank,
    Question,
    _builder,
    new_area_score,
    new_contribution,
    new_gap,
    new_opportunity,
    new_peer_rank,
    new_question,
)
from engage.profile.wording import prose_dates


def _apportion_by_the_cent(total_cents: int, shares: list[float]) -> list[int]:
    """The original: floor each share, then hand out the rest a cent at a time round the remainder order."""
    if len(shares) <= 1:
        return [total_cents] if shares else []
    raw = [s * 100 for s in shares]
    out = [math.floor(r) for r in raw]
    rem = total_cents - sum(out)
    order = sorted(range(len(raw)), key=lambda i: out[i] - raw[i])
    i = 0
    while rem > 0:
        out[order[i % len(order)]] += 1
        rem -= 1
        i += 1
    i = 0
    while rem < 0:
        out[order[-1 - (i % len(order))]] -= 1
        rem += 1
        i += 1
    return out


def test_apportion_hands_out_the_same_cents_as_one_at_a_time() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        shares = [rng.choice((0.0, 0.5, -0.25, rng.uniform(-5, 30))) for _ in range(rng.randint(0, 9))]
        total = round(sum(shares) * 100) + rng.randint(-40, 40)  # about the shares' sum, or well off it
        assert apportion(total, shares) == _apportion_by_the_cent(total, shares)


def test_owa_gives_the_largest_value_the_largest_weight_ties_by_position() -> None:
    rng = random.Random(6)
    for _ in range(500):
        values = [float(rng.choice((0, 1, 2, 2, 5))) for _ in range(13)]
        order = sorted(range(len(values)), key=lambda i: (-values[i], i))
        expected = [0.0] * len(values)
        for pos, i in enumerate(order[:5]):
            expected[i] = (0.4, 0.25, 0.15, 0.1, 0.1)[pos]
        assert owa(values, (0.4, 0.25, 0.15, 0.1, 0.1)) == expected


def test_stretches_match_a_walk_step_by_step() -> None:
    rng = random.Random(7)
    ords = [1000 - 30 * k for k in range(24)]  # newest first
    ascending = ords[::-1]
    for _ in range(500):
        devs = sorted((f, f + rng.randint(0, 40)) for f in (rng.randint(250, 1000) for _ in range(rng.randint(1, 5))))
        pubs = sorted((rng.randint(250, 1000), rng.choice("abc")) for _ in range(rng.randint(0, 4)))
        included = 24 - next((j for j, s in enumerate(ascending) if s >= devs[0][0]), 24)
        by_step = {}
        for j in range(included):
            s = ords[j]
            by_step[j] = (max(lo for f, lo in devs if f <= s), len({k for f, k in pubs if f <= s}))
        walked = {}
        for lo, hi, latest, sources in stretches(devs, pubs, ords, ascending, included):
            for j in range(lo, hi):
                walked[j] = (latest, sources)
        assert walked == by_step


@pytest.mark.parametrize(
    ("build", "cls", "values"),
    [
        (new_contribution, Contribution, ("a1", "allegation", "exposure", "T", "steel", (), 1.5, 2.0, 0.0, 2.0, "n")),
        (new_gap, Gap, ("stale", "steel", None, 5.0, "text")),
        (new_question, Question, (1, "steel", "stale", "text", ("a1",), (), 5.0)),
        (new_opportunity, Opportunity, ("peer", "steel", "text", (), ("acme",))),
        (new_peer_rank, PeerRank, ("overall", 3.5, 1, 4, 0.0, 3.5)),
        (
            new_area_score,
            AreaScore,
            (
                "steel",
                "Steel",
                1.0,
                0.0,
                0.0,
                1.0,
                "low",
                1.0,
                0.0,
                1.0,
                PartialDate(2024).first_day(),
                0.0,
                "steady",
                0.0,
                PartialDate(2024, 3),
                1,
                0,
                (),
                0.0,
                0.0,
                0,
                False,
                "none",
            ),
        ),
    ],
)
def test_builders_make_ordinary_frozen_instances(build, cls, values) -> None:  # type: ignore[no-untyped-def]
    built, made = build(*values), cls(*values)
    assert type(built) is cls
    assert built == made and hash(built) == hash(made) and repr(built) == repr(made)
    assert dataclasses.astuple(built) == dataclasses.astuple(made)
    assert pickle.loads(pickle.dumps(built)) == made
    field = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, field, "other")


def test_builder_refuses_a_class_with_post_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="cannot be built"):
        _builder(Checked)


def test_prose_dates_skips_only_texts_without_an_iso_month() -> None:
    iso = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
    rng = random.Random(8)
    pieces = ["2024-07-04", "2024-7-4", "-01-", "1-1", "x-0", "Scope 3", "2031-12-31", "time-bound", " ", "-"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        expected = iso.sub(lambda m: f"{int(m.group(3))} {m.group(2)} {m.group(1)}", text)
        changed = prose_dates(text) != text
        assert changed == (expected != text)


def test_questions_read_the_model_never_the_scorer() -> None:
    """The circle profile <-> questions is gone: gaps, questions, wording and opportunities import no scoring step."""
    package = Path(__file__).parent.parent / "engage" / "profile"
    scoring = {"score", "history", "areas", "compile", "peers"}
    for name in ("gaps", "questions", "wording", "opportunities"):
        tree = ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1}
        assert not imported & scoring, f"engage.profile.{name} imports {sorted(imported & scoring)}"


def test_gc_paused_hands_what_it_built_to_the_oldest_generation() -> None:
    """The first allocation after a compile once walked every object the compile made (0.2 s at 1,000 companies)."""
    import gc

    from engage.profile.compile import gc_paused

    assert gc.isenabled() and not gc.get_freeze_count()
    with gc_paused():
        assert not gc.isenabled()
        built = [[i] for i in range(20_000)]
    assert gc.isenabled() and not gc.get_freeze_count()
    assert gc.get_count()[0] < 1_000  # the youngest generation starts again nearly empty
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(built) in oldest and id(built[-1]) in oldest
    # Nested: the inner pause leaves the collector off and promotes nothing; the outer one does.
    with gc_paused():
        with gc_paused():
            inner = [[i] for i in range(100)]
        assert not gc.isenabled()
        assert id(inner) not in {id(o) for o in gc.get_objects(generation=2)}
    assert gc.isenabled()
    assert id(inner) in {id(o) for o in gc.get_objects(generation=2)}


def test_gc_paused_never_thaws_what_a_program_froze() -> None:
    """The batch's workers freeze what they keep for good: a pause inside them must not unfreeze it."""
    import gc

    from engage.profile.compile import gc_paused

    kept = [[1], [2]]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            _ = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == frozen and gc.isenabled()
        assert id(kept) not in {id(o) for o in gc.get_objects(generation=2)}
    finally:
        gc.unfreeze()


def test_countries_in_questions_take_the_article_running_text_needs() -> None:
    """An annex question asked whether rights 'are respected in United States'."""
    from engage.countries import country_in_prose
    from engage.profile.questions import _regions
    from engage.records import Allegation

    assert [country_in_prose(c) for c in ("US", "PH", "NL", "GB", "ID", "CN", "CD", "DO")] == [
        "the United States",
        "the Philippines",
        "the Netherlands",
        "the United Kingdom",
        "Indonesia",
        "China",
        "DR Congo",
        "the Dominican Republic",
    ]
    from profile_factories import allegation

    a = dataclasses.replace(allegation(), regions=("ID", "PH"))
    assert isinstance(a, Allegation) and _regions(a) == "Indonesia and the Philippines"
    assert _regions(dataclasses.replace(a, regions=("US",))) == "the United States"
