"""Signatories from YAML and CSV: Excel's exports load, and every defect names file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.errors import DataError
from engage.signatories import load_signatories, parse_signatories_csv
from engage.workspace import Signatory

DATA = Path(__file__).parent / "data" / "signatories"


def problems_of(name: str) -> list[str]:
    """Return the problems that loading a fixture raises, as printed."""
    with pytest.raises(DataError) as info:
        load_signatories(DATA / name, root=DATA)
    exc = info.value
    return [str(p) for p in exc.problems] or [str(exc)]


def test_valid_csv_with_quoted_delimiter_and_empty_optional_cell() -> None:
    got = load_signatories(DATA / "valid.csv")
    assert got == (
        Signatory("Alex Example", "Head of Stewardship", "Example Investors LLP", "USD 10 bn"),
        Signatory("Sam Sample", "CIO", "Sample Pension Fund, Ltd", None),
    )


def test_excel_utf8_bom_with_semicolons_and_blank_trailing_rows() -> None:
    got = load_signatories(DATA / "excel-bom-semicolon.csv")
    assert [s.name for s in got] == ["Maria Lindqvist", "José Núñez"]
    assert got[0].aum == "EUR 45 bn"
    assert got[1].aum is None


def test_tab_delimiter_and_heading_aliases() -> None:
    got = load_signatories(DATA / "tab-delimited-aliases.csv")
    assert got == (Signatory("Alex Example", "Head of Stewardship", "Example Investors LLP"),)


def test_missing_name_column_names_the_header_row_and_column() -> None:
    assert problems_of("missing-name-column.csv") == [
        "missing-name-column.csv:1: column 'name' is missing (the header has 'title', 'organisation')"
    ]


def test_empty_name_cell_names_row_and_column() -> None:
    assert problems_of("empty-name-cell.csv") == ["empty-name-cell.csv:3: column 'name' is empty"]


def test_row_numbers_count_lines_of_a_multiline_cell() -> None:
    assert problems_of("multiline-cell-then-empty-name.csv") == [
        "multiline-cell-then-empty-name.csv:4: column 'name' is empty"
    ]


def test_unquoted_delimiter_in_a_cell_is_a_row_problem() -> None:
    (problem,) = problems_of("unquoted-delimiter-in-cell.csv")
    assert problem.startswith("unquoted-delimiter-in-cell.csv:3: has 4 cells but the header has 3 columns")


def test_windows_1252_export_is_refused_with_the_fix() -> None:
    (problem,) = problems_of("not-utf8-windows-1252.csv")
    assert problem == "not-utf8-windows-1252.csv:2: is not UTF-8 text; in Excel use Save As > 'CSV UTF-8'"


def test_header_only_and_empty_files() -> None:
    assert problems_of("header-only.csv") == ["header-only.csv:2: no signatories below the header row"]
    assert problems_of("empty-file.csv") == [
        "empty-file.csv:1: the header row is empty; expected columns name, title, organisation, aum"
    ]


def test_every_bad_row_is_reported_in_one_pass() -> None:
    raw = b"name,title\n,A\nok,B\n,C\n"
    with pytest.raises(DataError) as info:
        parse_signatories_csv(raw, "people.csv")
    problems = [str(p) for p in info.value.problems]
    assert problems == ["people.csv:2: column 'name' is empty", "people.csv:4: column 'name' is empty"]


def test_yaml_list_and_settings_shape() -> None:
    assert load_signatories(DATA / "valid.yaml") == (
        Signatory("Alex Example", "Head of Stewardship", "Example Investors LLP", "USD 10 bn"),
        Signatory("Sam Sample", None, "Sample Pension Fund"),
    )
    assert load_signatories(DATA / "settings-shape.yaml") == (Signatory("Alex Example", "Head of Stewardship"),)


def test_yaml_problems_name_line_and_field() -> None:
    assert problems_of("missing-name.yaml") == ["missing-name.yaml:2:3: [1].name: is required"]
    (problem,) = problems_of("misspelt-field.yaml")
    assert problem.startswith("misspelt-field.yaml:1:24: [0].organisaton: unknown field 'organisaton'")
    assert "did you mean 'organisation'" in problem


def test_other_file_types_and_missing_files() -> None:
    assert problems_of("wrong-extension.txt") == [
        "wrong-extension.txt: signatories must be a .csv or .yaml file, not '.txt'"
    ]
    (problem,) = problems_of("no-such-file.csv")
    assert problem.startswith("no-such-file.csv: cannot read the signatories file")


def test_an_aum_the_letter_cannot_add_up_is_named_by_file_line_and_field() -> None:
    """engage.yaml's signatories were checked ('USD 12 bn'), a --signatories file was not."""
    (problem,) = problems_of("aum-not-an-amount.yaml")
    assert problem.startswith("aum-not-an-amount.yaml:6:8: [1].aum: 'ten billion' is not a currency and an amount")
    assert problems_of("aum-not-an-amount.csv") == [
        "aum-not-an-amount.csv:3: column 'aum': 'about 4bn' is not a currency and an amount, e.g. 'USD 12 bn', "
        "'EUR 250 m', 'US$4.5 trillion'"
    ]
