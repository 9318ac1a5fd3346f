"""Past AGMs and the expected next AGM: the record format, the estimate rule, the agenda on the
shipped data, and the wording of the brief and the letter when the AGM is only expected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engage.agm import NextAgm, estimate_agm, next_agm
from engage.api import Workspace
from engage.asof import known_at
from engage.batch import BatchOptions, Selection
from engage.documents.brief import build_brief
from engage.documents.brief_writer import BriefMaker
from engage.documents.letter import LetterOptions, build_letter
from engage.documents.letter_deadline import response_deadline
from engage.documents.letter_md import letter_to_markdown
from engage.errors import DataError
from engage.profile import compile_profile, load_weights
from engage.records import Company, load_company
from engage.schema import record_schema
from engage.taxonomy import load_taxonomy
from engage.workspace import Organisation, Settings, Signatory

REPO = Path(__file__).resolve().parents[1]
TAXONOMY = load_taxonomy()
WEIGHTS = load_weights()
D = dt.date

PAST_ONLY = """\
name: Example Motors
country: DE
agms:
  - date: 2025-05-14
    sources:
      - {title: Notice of the 2025 AGM, publisher: Example Motors, url: 'https://example.org/agm-2025'}
  - date: 2024-05-15
    sources:
      - {title: Notice of the 2024 AGM, url: 'https://example.org/agm-2024', date: 2024-04-02}
allegations:
  - id: forced-labour
    title: Forced labour at a supplier
    date: 2024-03
    areas: [workers-rights]
    severity: high
    status: alleged
    sources:
      - {title: Report, publisher: NGO, url: 'https://example.org/a', date: 2024-03-20}
"""

SETTINGS = Settings(
    organisation=Organisation(name="Example Investors LLP", email="stewardship@example.com"),
    signatories=(Signatory("Alex Example", "Head of Stewardship", "Example Investors LLP", "USD 10 bn"),),
    letter={"respond_within_days": 42, "respond_before_agm_days": 21},
)


def load(tmp_path: Path, text: str, name: str = "example") -> Company:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_company(path, TAXONOMY)


# --------------------------------------------------------------------------- the record format


def test_past_agms_load_with_their_sources_and_lines(tmp_path: Path) -> None:
    company = load(tmp_path, PAST_ONLY)
    assert [m.date for m in company.agms] == [D(2025, 5, 14), D(2024, 5, 15)]
    assert company.agms[0].sources[0].url == "https://example.org/agm-2025"
    assert company.agms[0].line == 4
    assert company.agm is None


@pytest.mark.parametrize(
    ("agms", "expected"),
    [
        ("  - date: 2025-05\n    sources: [{title: t}]\n", "example.yaml:4:11: agms[0].date:"),
        ("  - date: 2025-02-30\n    sources: [{title: t}]\n", "example.yaml:4:11: agms[0].date:"),
        ("  - date: 2025-05-14\n", "example.yaml:4:5: agms[0].sources:"),
        ("  - date: 2025-05-14\n    sources: []\n", "example.yaml:5:14: agms[0].sources:"),
        (
            "  - {date: 2025-05-14, sources: [{title: t}]}\n  - {date: 2025-05-14, sources: [{title: u}]}\n",
            "example.yaml:5:12: agms[1].date: duplicate date",
        ),
        ("  - {date: 2025-05-14, sources: [{title: t}], when: x}\n", "agms[0].when"),
    ],
)
def test_bad_past_agms_are_named_by_file_line_and_field(tmp_path: Path, agms: str, expected: str) -> None:
    with pytest.raises(DataError) as info:
        load(tmp_path, "name: Example Motors\ncountry: DE\nagms:\n" + agms)
    shown = [str(p) for p in info.value.problems]
    assert any(expected in p for p in shown), shown


def test_schema_describes_past_agms() -> None:
    agms = record_schema(TAXONOMY)["properties"]["agms"]
    assert "array" in agms["type"]
    item = agms["items"]
    assert set(item["required"]) == {"date", "sources"}
    assert "sources" in item["properties"]


# --------------------------------------------------------------------------- the estimate rule


@pytest.mark.parametrize(
    ("past", "as_of", "expected"),
    [
        # second Wednesday of May 2025 -> second Wednesday of May 2027 (2026's has passed by as-of)
        ([D(2025, 5, 14)], D(2027, 1, 1), D(2027, 5, 12)),
        ([D(2025, 5, 14)], D(2025, 6, 1), D(2026, 5, 13)),
        # the latest past AGM sets the pattern, not an older one
        ([D(2023, 6, 14), D(2025, 6, 12)], D(2025, 7, 1), D(2026, 6, 11)),
        # leap day: 29 February 2024 was the fifth Thursday; February 2025 has four, so the last one
        ([D(2024, 2, 29)], D(2024, 3, 1), D(2025, 2, 27)),
        # and a fifth Thursday again in the next leap year with one (2029 has none; 2025-2027 have four)
        ([D(2024, 2, 29)], D(2027, 3, 1), D(2028, 2, 24)),
        # a fifth Wednesday of April 2025 (the 30th): April 2026 has five Wednesdays, April 2027 four
        ([D(2025, 4, 30)], D(2025, 5, 1), D(2026, 4, 29)),
        ([D(2025, 4, 30)], D(2026, 5, 1), D(2027, 4, 28)),
        # a fourth weekday stays the fourth even when the month has five
        ([D(2025, 4, 23)], D(2025, 5, 1), D(2026, 4, 22)),
        # on the as-of date itself is not after it: the year after
        ([D(2025, 5, 14)], D(2026, 5, 13), D(2027, 5, 12)),
        # an old AGM moves forward as many years as it takes
        ([D(2021, 6, 23)], D(2027, 1, 1), D(2027, 6, 23)),
        # AGMs after the as-of date had not happened yet: only the earlier one counts
        ([D(2024, 5, 15), D(2025, 5, 14)], D(2025, 1, 1), D(2025, 5, 21)),
        # no past AGM, no estimate
        ([], D(2027, 1, 1), None),
        ([D(2027, 5, 12)], D(2027, 1, 1), None),
    ],
)
def test_estimate_rule(past: list[dt.date], as_of: dt.date, expected: dt.date | None) -> None:
    assert estimate_agm(past, as_of) == expected


def test_announced_agm_wins_and_a_past_one_is_ignored(tmp_path: Path) -> None:
    announced = load(tmp_path, PAST_ONLY.replace("agms:", "agm: 2027-06-30\nagms:", 1))
    assert next_agm(announced, D(2027, 1, 1)) == NextAgm(D(2027, 6, 30))
    upcoming = next_agm(announced, D(2027, 1, 1))
    assert upcoming is not None and not upcoming.expected and upcoming.label() == "2027-06-30"
    # On the day itself it is still the next AGM.
    assert next_agm(announced, D(2027, 6, 30)).date == D(2027, 6, 30)  # type: ignore[union-attr]
    # Once it has passed, the estimate from the recorded past AGMs takes over.
    after = next_agm(announced, D(2027, 7, 1))
    assert after is not None and after.expected and after.date == D(2028, 5, 10) and after.basis == D(2025, 5, 14)
    assert after.label() == "2028-05-10 (expected)"
    # No past AGMs and an announced one that has passed: nothing.
    bare = load(tmp_path, "name: Bare\nagm: 2026-05-01\n", "bare")
    assert next_agm(bare, D(2027, 1, 1)) is None


def test_a_past_agm_counts_once_its_source_is_known(tmp_path: Path) -> None:
    company = load(tmp_path, PAST_ONLY)
    # At 2024-04-01 the 2024 AGM is not held yet, and the dated notice of it not published yet.
    assert next_agm(company, D(2024, 4, 1)) is None
    assert known_at(company, D(2024, 4, 1)).agms == ()
    assert [m.date for m in known_at(company, D(2025, 1, 1)).agms] == [D(2024, 5, 15)]
    assert known_at(company, D(2026, 1, 1)) is company


# --------------------------------------------------------------------------- the shipped data


@pytest.fixture(scope="module")
def shipped() -> Workspace:
    return Workspace.open(REPO)


def test_agenda_on_the_shipped_data_lists_at_least_12_expected_agms(shipped: Workspace, tmp_path: Path) -> None:
    rows = shipped.agenda(as_of=D(2027, 1, 1), within=365, out=tmp_path / "briefs", kinds=("brief",))
    assert len(rows) >= 12, [r.company_id for r in rows]
    assert all(r.to_dict()["agm_expected"] is True for r in rows)
    assert [r.agm for r in rows] == sorted(r.agm for r in rows)  # type: ignore[type-var]
    by_id = {r.company_id: r.to_dict() for r in rows}
    # Volkswagen's 2025 AGM was on Friday 16 May, the third Friday: so the third Friday of May 2027.
    assert by_id["volkswagen"]["agm"] == "2027-05-21" and by_id["volkswagen"]["days_away"] == 140


def test_batch_selection_uses_the_expected_agm(shipped: Workspace, tmp_path: Path) -> None:
    options = BatchOptions(
        as_of=D(2027, 1, 1),
        selection=Selection(agm_before=D(2027, 5, 31)),
        kinds=("brief",),
        out_dir=tmp_path / "briefs",
    )
    plan = shipped.plan_batch(options)
    chosen = {i.company_id: i for i in plan.items}
    assert {"volvo-cars", "stellantis", "renault", "bmw", "mercedes-benz", "ford", "volkswagen"} <= set(chosen)
    assert "toyota" not in chosen and "tesla" not in chosen
    assert all(i.agm_expected for i in plan.items)


def test_list_shows_the_expected_agm(shipped: Workspace) -> None:
    rows = {r["id"]: r for r in shipped.listing(as_of=D(2027, 1, 1))}
    assert rows["bmw"]["agm"] == "2027-05-12" and rows["bmw"]["agm_expected"] is True
    # Kia has no past AGM on record (none found on a credible stored page): no expected one either.
    assert rows["kia"]["agm"] is None and rows["kia"]["agm_expected"] is False


# --------------------------------------------------------------------------- the documents


def test_brief_cover_labels_the_expected_agm_as_an_estimate(tmp_path: Path) -> None:
    company = load(tmp_path, PAST_ONLY)
    profile = compile_profile(company, TAXONOMY, D(2027, 1, 1), WEIGHTS)
    view = build_brief(profile, taxonomy=TAXONOMY, settings=SETTINGS, weights=WEIGHTS, peer_count=1)
    html = BriefMaker(None).html(view)
    assert "<dt>Next AGM</dt><dd>Expected May 2027 (estimate from past meetings; not yet announced)</dd>" in html
    assert "12 May 2027" not in html  # the estimated day is never shown as a date

    announced = load(tmp_path, PAST_ONLY.replace("agms:", "agm: 2027-06-30\nagms:", 1), "announced")
    profile = compile_profile(announced, TAXONOMY, D(2027, 1, 1), WEIGHTS)
    view = build_brief(profile, taxonomy=TAXONOMY, settings=SETTINGS, weights=WEIGHTS, peer_count=1)
    html = BriefMaker(None).html(view)
    assert "<dt>Next AGM</dt><dd>30 June 2027</dd>" in html and "estimate" not in html.split("Evidence")[0]


def test_pre_agm_letter_names_only_the_expected_month_as_an_expectation(tmp_path: Path) -> None:
    company = load(tmp_path, PAST_ONLY)
    profile = compile_profile(company, TAXONOMY, D(2027, 2, 1), WEIGHTS)
    letter = build_letter(profile, SETTINGS, TAXONOMY, LetterOptions(stage="pre-agm"))
    text = letter_to_markdown(letter)
    assert "Ahead of the next annual general meeting of Example Motors, which we expect in May 2027 (the date is " in (
        " ".join(text.split())
    )
    assert "12 May 2027" not in text and "on 12" not in text
    assert letter.agm is None and letter.agm_expected == D(2027, 5, 12)
    assert letter.subject.endswith("investor asks ahead of the next annual general meeting")
    # Six weeks after 1 February is Monday 15 March, well before 1 May 2027 (the expected month).
    assert letter.deadline.date == D(2027, 3, 15)
    assert "15 March 2027, so that we can take it into account before the annual general meeting." in (
        " ".join(text.split())
    )
    assert any("expected in May 2027" in w for w in letter.warnings)


def test_first_letter_with_an_expected_agm_states_no_date(tmp_path: Path) -> None:
    company = load(tmp_path, PAST_ONLY)
    profile = compile_profile(company, TAXONOMY, D(2027, 2, 1), WEIGHTS)
    text = letter_to_markdown(build_letter(profile, SETTINGS, TAXONOMY, LetterOptions()))
    # Named only as an expectation, never as a date.
    assert "annual general meeting is expected in May 2027" in text and "12 May 2027" not in text


SIX_WEEKS = {"respond_within_days": 42}


def test_deadline_counts_an_expected_agm_from_the_first_day_of_its_month() -> None:
    # The rule with a six-week window set in engage.yaml (the default is eight weeks).
    # Letter on 1 March, AGM expected 12 May: 21 days before 1 May is 10 April (Saturday) -> Friday 9 April.
    deadline = response_deadline(D(2027, 3, 1), None, SIX_WEEKS, expected_agm=D(2027, 5, 12))
    assert (deadline.date, deadline.rule) == (D(2027, 4, 9), "before-agm")
    assert "start of May 2027" in deadline.explanation
    # Letter on 1 April: 9 April leaves too little time and six weeks fall in May: the last working day of April.
    deadline = response_deadline(D(2027, 4, 1), None, SIX_WEEKS, expected_agm=D(2027, 5, 12))
    assert (deadline.date, deadline.rule) == (D(2027, 4, 30), "before-agm")
    # Letter on 15 April: six weeks later falls in May, so the last working day of April instead.
    deadline = response_deadline(D(2027, 4, 15), None, SIX_WEEKS, expected_agm=D(2027, 5, 12))
    assert (deadline.date, deadline.rule) == (D(2027, 4, 30), "before-agm")
    # Letter in May, the month of the expected AGM: no AGM bound is left, 28 days after the letter.
    deadline = response_deadline(D(2027, 5, 3), None, SIX_WEEKS, expected_agm=D(2027, 5, 12))
    assert deadline.rule == "after-letter"
    # An announced AGM is used as before; the estimate does not matter then.
    announced = response_deadline(D(2027, 3, 1), D(2027, 5, 12), SIX_WEEKS, expected_agm=D(2027, 5, 12))
    assert announced.date == D(2027, 4, 12)  # six weeks, well before 21 days ahead of the AGM
