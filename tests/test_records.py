"""Loader and validator: one fixture per defect, each naming file, line and field."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from engage.dates import PartialDate
from engage.errors import DataError
from engage.records import check_company, load_companies, load_company
from engage.taxonomy import load_taxonomy

DATA = Path(__file__).parent / "data"
TAXONOMY = load_taxonomy()
INVALID = sorted((DATA / "invalid").glob("*.yaml"))
# Fixtures that cannot carry their expectation in a comment.
EXPECT_OUTSIDE = {"empty-file": "invalid/empty-file.yaml:1:1: file is empty; expected at least name:"}


def expected_of(path: Path) -> str:
    if path.stem in EXPECT_OUTSIDE:
        return EXPECT_OUTSIDE[path.stem]
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} has no '# expect:' line"
    return first[len("# expect: ") :]


def problems_of(path: Path, root: Path = DATA) -> list[str]:
    with pytest.raises(DataError) as info:
        load_company(path, TAXONOMY, root)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_each_defect_is_reported_with_file_line_and_field(path: Path) -> None:
    problems = problems_of(path)
    assert expected_of(path) in problems


def test_every_problem_in_a_file_is_reported_in_one_pass(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "name: Many\ncountry: XX\nisin: US0000000000\nallegations:\n"
        "  - {id: a, title: t, date: 2024-13, areas: [nope], severity: hgih, status: alleged, sources: [{title: s}]}\n",
        encoding="utf-8",
    )
    problems = problems_of(path, tmp_path)
    assert [p.split(": ")[1] for p in problems] == [
        "country",
        "isin",
        "allegations[0].date",
        "allegations[0].areas[0]",
        "allegations[0].severity",
    ]


def test_full_record_loads_into_typed_fields() -> None:
    c = load_company(DATA / "valid" / "full-record.yaml", TAXONOMY, DATA)
    assert c.id == "full-record"
    assert c.agm == dt.date(2027, 5, 14)
    assert (c.name, c.legal_name) == ("Example Motors AG", "Example Motors Aktiengesellschaft")
    assert c.contact is not None and c.contact.address == "Example Street 1\n10115 Berlin"
    assert [b.score_pct for b in c.benchmarks] == [31.5, None]
    a = c.allegations[0]
    assert a.date == PartialDate(2023, 11)
    assert a.updated == PartialDate(2024, 2, 1)
    assert a.latest == PartialDate(2024, 2, 1)
    assert a.sources[1].url is None
    assert a.line == 16
    assert c.commitments[0].verification == "third-party"
    assert c.commitments[0].target_year == 2030


def test_dates_load_in_every_form_quoted_or_not() -> None:
    c = load_company(DATA / "valid" / "dates-in-every-form.yaml", TAXONOMY, DATA)
    assert [a.date for a in c.allegations] == [
        PartialDate(2023),
        PartialDate(2023),
        PartialDate(2023, 11),
        PartialDate(2023, 11),
        PartialDate(2023, 11, 20),
        PartialDate(2023, 11, 20),
    ]


def test_yaml_traps_stay_the_text_the_user_typed() -> None:
    c = load_company(DATA / "valid" / "yaml-traps-stay-text.yaml", TAXONOMY, DATA)
    a = c.allegations[0]
    assert (c.name, c.country) == ("NO", "NO")
    assert a.title == "0012345"
    assert a.summary == "1.10"
    assert a.company_response == "yes"
    assert a.sources[0].title == "on"


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ["name: Bomb", "country: DE", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    problems = problems_of(path, tmp_path)
    assert time.perf_counter() - start < 5
    assert problems == ["bomb.yaml:3:5: anchors (&a0) are not allowed; write the value out in full"]


def test_an_oversized_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: Huge\ncountry: DE\n# " + "x" * (3 * 1024 * 1024) + "\n", encoding="utf-8")
    assert problems_of(path, tmp_path) == ["huge.yaml: file is 3072 KB, over the 2 MB limit; split it"]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: Caf\xe9 Motors\ncountry: FR\n")
    assert problems_of(path, tmp_path) == ["latin.yaml:1:1: file is not UTF-8 text; save it as UTF-8"]


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Bom Motors\ncountry: FR\n".encode())
    assert load_company(path, TAXONOMY, tmp_path).name == "Bom Motors"


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: Deep\ncountry: DE\ncontact: " + "[" * 40 + "]" * 40 + "\n", encoding="utf-8")
    assert problems_of(path, tmp_path)[0].endswith("nesting deeper than 32 levels")


def test_load_companies_keeps_good_ones_and_reports_bad_ones() -> None:
    paths = [DATA / "valid" / "minimal-record.yaml", DATA / "invalid" / "severity-typo.yaml"]
    companies, problems = load_companies(paths, TAXONOMY, DATA)
    assert [c.id for c in companies] == ["minimal-record"]
    assert len(problems) == 1 and problems[0].path == "invalid/severity-typo.yaml"


def test_warnings_describe_the_state_of_the_public_record() -> None:
    c = load_company(DATA / "valid" / "full-record.yaml", TAXONOMY, DATA)
    warnings = check_company(c, dt.date(2031, 1, 1), DATA)
    assert sorted({w.kind for w in warnings}) == ["no-url", "overdue", "past-agm", "stale"]
    overdue = next(w for w in warnings if w.kind == "overdue")
    assert str(overdue) == (
        "valid/full-record.yaml:38:18: commitments[0].target_year: "
        "'green-steel' targeted 2030 and is still in-progress; update its status"
    )
    fresh = check_company(c, dt.date(2024, 6, 1), DATA)
    assert {w.kind for w in fresh} == {"no-url"}


def test_no_response_warning_for_allegations_without_a_reply() -> None:
    c = load_company(DATA / "valid" / "dates-in-every-form.yaml", TAXONOMY, DATA)
    kinds = [w.kind for w in check_company(c, dt.date(2024, 1, 1), DATA)]
    assert kinds.count("no-response") == 6


def test_policies_load_into_typed_fields() -> None:
    c = load_company(DATA / "valid" / "full-record.yaml", TAXONOMY, DATA)
    adopted, none_found = c.policies
    assert (adopted.id, adopted.kind, adopted.status, adopted.areas) == (
        "hrdd-policy",
        "hrdd-policy",
        "adopted",
        ("hrdd", "batteries"),
    )
    assert adopted.date == PartialDate(2023, 3) and adopted.assessed_by == "Example Motors"
    assert adopted.line == 45 and adopted.summary
    assert (none_found.status, none_found.assessed_by, none_found.summary) == ("none-found", "Lead the Charge", None)
    assert none_found.date == PartialDate(2024)
    assert c.all_sources()[-1].url == "https://example.org/lb"


def test_newest_date_counts_policies(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: P\npolicies:\n"
        "  - {id: p, title: t, date: 2025-02, areas: [hrdd], kind: hrdd-policy, status: adopted,\n"
        "     sources: [{title: s}]}\n",
        encoding="utf-8",
    )
    assert load_company(path, TAXONOMY, tmp_path).newest_date == PartialDate(2025, 2)


def test_policies_get_the_future_date_and_no_url_warnings(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: P\ncountry: DE\npolicies:\n"
        "  - id: p\n    title: t\n    date: 2025-02\n    areas: [hrdd]\n    kind: hrdd-policy\n    status: adopted\n"
        "    sources: [{title: Policy page, date: 2025-03}]\n",
        encoding="utf-8",
    )
    warnings = [str(w) for w in check_company(load_company(path, TAXONOMY, tmp_path), dt.date(2025, 1, 1), tmp_path)]
    assert warnings == [
        "p.yaml:10:15: policies[0].sources[0]: source 'Policy page' has no url",
        "p.yaml:6:11: policies[0].date: 'p' is dated 2025-02, after 2025-01-01; it counts only from then (a typo?)",
        "p.yaml:10:42: policies[0].sources[0].date: source 'Policy page' is dated 2025-03, after 2025-01-01; "
        "documents cite it only from then",
    ]
