"""`engage profile` and `engage compare` through click's CliRunner: output, formats, messages and exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engage.cli.main import cli

REPO = Path(__file__).parent.parent
AS_OF = "2026-01-01"
SHIPPED = ("volkswagen", "tesla", "hyundai", "bmw", "toyota")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with a few shipped companies (the fixture records if none are shipped yet)."""
    (tmp_path / "companies").mkdir()
    files = [REPO / "companies" / f"{c}.yaml" for c in SHIPPED if (REPO / "companies" / f"{c}.yaml").is_file()]
    if len(files) < 3:
        files = sorted((Path(__file__).parent / "data" / "valid").glob("*.yaml"))
    for f in files:
        shutil.copy(f, tmp_path / "companies" / f.name)
    return tmp_path


def first_id(ws: Path) -> str:
    return sorted(p.stem for p in (ws / "companies").glob("*.yaml"))[0]


def test_profile_table_shows_areas_gaps_questions(ws: Path) -> None:
    cid = first_id(ws)
    code, out, _ = run("profile", cid, "-w", str(ws), "--as-of", AS_OF)
    assert code == 0
    assert f"as of {AS_OF}" in out and "Overall unmanaged risk" in out
    for header in ("exposure", "management", "net", "band", "peer rank", "Human rights DD", "Legislation"):
        assert header in out
    assert "Asks" in out and "Questions for a meeting" in out and "\n  1. " in out


def test_profile_json_is_the_documented_schema(ws: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    cid = first_id(ws)
    code, out, _ = run("profile", cid, "-w", str(ws), "--as-of", AS_OF, "--json")
    assert code == 0
    doc = json.loads(out)
    schema = json.loads((REPO / "docs" / "profile.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert doc["company_id"] == cid and doc["as_of"] == AS_OF
    assert doc["ranks"][0]["area"] == "overall" and doc["ranks"][0]["of"] == len(list((ws / "companies").iterdir()))
    # Same as-of, same bytes.
    assert run("profile", cid, "-w", str(ws), "--as-of", AS_OF, "--json")[1] == out


def test_explain_lists_every_contribution_with_a_total(ws: Path) -> None:
    cid = first_id(ws)
    doc = json.loads(run("profile", cid, "-w", str(ws), "--as-of", AS_OF, "--json")[1])
    area = max(doc["areas"], key=lambda a: len(a["contributions"]))
    code, out, _ = run("profile", cid, "-w", str(ws), "--as-of", AS_OF, "--explain", area["key"])
    assert code == 0
    for c in area["contributions"]:
        assert c["record_id"] in out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert f"{area['net']:+.2f}" in total


def test_unknown_company_and_area_are_usage_errors(ws: Path) -> None:
    cid = first_id(ws)
    code, _, err = run("profile", cid[:-1], "-w", str(ws))
    assert code == 2 and f"did you mean '{cid}'" in err
    code, _, err = run("profile", cid, "-w", str(ws), "--explain", "mineral")
    assert code == 2 and "unknown area 'mineral' (did you mean 'minerals'?)" in err
    code, _, err = run("compare", "-w", str(ws), "--json", "--csv")
    assert code == 2 and "choose one of --json, --csv and --xlsx" in err


def test_a_broken_company_is_named_and_others_still_rank(ws: Path) -> None:
    shutil.copy(Path(__file__).parent / "data" / "invalid" / "severity-typo.yaml", ws / "companies" / "broken.yaml")
    code, _, err = run("profile", "broken", "-w", str(ws))
    assert code == 1 and "companies/broken.yaml:9:15: allegations[0].severity:" in err
    code, out, err = run("compare", "-w", str(ws), "--as-of", AS_OF, "--json")
    assert code == 0 and "skipped 1 company with errors: broken" in err
    assert "broken" not in {r["company_id"] for r in json.loads(out)["rows"]}


def test_bad_weights_in_engage_yaml_name_the_key(ws: Path) -> None:
    (ws / "engage.yaml").write_text("weights:\n  recency:\n    floor: 0.3\n", encoding="utf-8")
    code, _, err = run("profile", first_id(ws), "-w", str(ws))
    assert code == 1 and "weights.recency: unknown key 'recency'" in err


def test_compare_table_json_and_csv_agree(ws: Path) -> None:
    code, out, _ = run("compare", "-w", str(ws), "--as-of", AS_OF)
    assert code == 0 and "lowest first" in out
    doc = json.loads(run("compare", "-w", str(ws), "--as-of", AS_OF, "--json")[1])
    rows = list(csv.DictReader(io.StringIO(run("compare", "-w", str(ws), "--as-of", AS_OF, "--csv")[1])))
    assert [r["company_id"] for r in rows] == [r["company_id"] for r in doc["rows"]]
    nets = [r["net"] for r in doc["rows"]]
    assert nets == sorted(nets)
    assert [float(r["net"]) for r in rows] == nets
    assert doc["area"] == "overall" and doc["as_of"] == AS_OF


def test_compare_by_area(ws: Path) -> None:
    doc = json.loads(run("compare", "-w", str(ws), "--as-of", AS_OF, "--area", "minerals", "--json")[1])
    assert doc["area"] == "minerals"
    assert [r["rank"] for r in doc["rows"]] == sorted(r["rank"] for r in doc["rows"])


def test_compare_xlsx_workbook(ws: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "out" / "board.xlsx"
    code, _, err = run("compare", "-w", str(ws), "--as-of", AS_OF, "--xlsx", str(out))
    assert code == 0 and "wrote" in err
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Overall" and wb.sheetnames[-1] == "About" and len(wb.sheetnames) == 15
    about = {row[0].value: row[1].value for row in wb["About"].iter_rows()}
    assert about["As of"] == AS_OF and about["Weights version"].startswith("20")
    ws0 = wb["Overall"]
    assert ws0.freeze_panes == "A2" and ws0.auto_filter.ref.startswith("A1:")
    header = [c.value for c in ws0[1]]
    assert header[:4] == ["Rank", "Company id", "Company", "Unmanaged risk"] and header[-1] == "Top reasons"
    net = ws0.cell(row=2, column=4).value
    assert isinstance(net, float | int)
    band = ws0.cell(row=2, column=5)
    assert band.value in ("low", "moderate", "elevated", "high")
    assert band.fill.start_color.rgb.endswith(("C6EFCE", "FFEB9C", "F8CBAD", "FFC7CE"))
    assert not list(out.parent.glob(".*.tmp"))


FORMULA_COMPANY = """\
name: "=HYPERLINK(\\"https://evil.example\\", \\"click\\")"
country: DE
allegations:
  - id: injected
    title: "=1+2"
    date: 2025-01
    areas: [steel]
    severity: high
    status: alleged
    sources: [{title: "@SUM(A1)", url: "https://example.org/a"}]
"""


def test_exports_never_turn_record_text_into_formulas(ws: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    (ws / "companies" / "formula.yaml").write_text(FORMULA_COMPANY, encoding="utf-8")
    code, out, _ = run("compare", "-w", str(ws), "--as-of", AS_OF, "--csv")
    assert code == 0
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["company_id"] == "formula")
    assert row["company"] == '\'=HYPERLINK("https://evil.example", "click")'
    assert row["top_reasons"].startswith("'=1+2")
    book = tmp_path / "board.xlsx"
    assert run("compare", "-w", str(ws), "--as-of", AS_OF, "--xlsx", str(book))[0] == 0
    sheet = load_workbook(book)["Overall"]
    cells = [c for r in sheet.iter_rows(min_row=2) for c in r if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


@pytest.mark.slow
def test_xlsx_is_reproducible(ws: Path, tmp_path: Path) -> None:
    import time

    for name in ("a.xlsx", "b.xlsx"):
        assert run("compare", "-w", str(ws), "--as-of", AS_OF, "--xlsx", str(tmp_path / name))[0] == 0
        time.sleep(1.1)  # openpyxl's own save would stamp a new second into docProps/core.xml
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_benchmarks_published_after_the_as_of_date_are_not_shown(ws: Path) -> None:
    doc = json.loads(run("profile", "tesla", "-w", str(ws), "--as-of", "2023-06-01", "--json")[1])
    years = [b["year"] for b in doc["benchmarks"]]
    assert years and max(years) == 2023
    later = json.loads(run("profile", "tesla", "-w", str(ws), "--as-of", "2026-01-01", "--json")[1])
    assert max(b["year"] for b in later["benchmarks"]) == 2025


def test_a_named_weights_version_still_carries_the_hash_of_changed_numbers(ws: Path) -> None:
    (ws / "engage.yaml").write_text(
        "weights: {version: '2025.1', allegations: {recency: {floor: 0.9}}}\n", encoding="utf-8"
    )
    doc = json.loads(run("profile", "tesla", "-w", str(ws), "--as-of", AS_OF, "--json")[1])
    assert doc["weights_version"].startswith("2025.1+") and len(doc["weights_version"]) == len("2025.1+") + 8


def test_opportunities_are_listed_under_their_area_name_not_their_kind() -> None:
    from click.testing import CliRunner

    from engage.cli.main import cli

    result = CliRunner().invoke(
        cli, ["profile", "volkswagen", "-w", str(Path(__file__).parent.parent), "--as-of", "2026-01-01"]
    )
    assert result.exit_code == 0
    block = result.stdout.split("Opportunities", 1)[1]
    lines = [line.strip() for line in block.splitlines() if line.strip().startswith("- ")]
    assert lines and not any(line.startswith(("- area:", "- commitment:", "- peer:")) for line in lines)


@pytest.mark.parametrize("cid", ["volkswagen", "honda", "gac"])
def test_profile_json_and_text_carry_the_asks_in_the_letters_words(cid: str) -> None:
    """Issue 15: `engage profile --json` had no asks; the same words lead the brief, the letter and the text output."""
    import datetime as dt

    from engage.api import Workspace

    asks = Workspace.open(REPO).asks(cid, as_of=dt.date(2026, 12, 1))
    code, out, _ = run("profile", cid, "-w", str(REPO), "--as-of", "2026-12-01", "--json")
    assert code == 0
    doc = json.loads(out)
    assert [a["number"] for a in doc["asks"]] == list(range(1, len(asks) + 1)) and asks
    for ask, plain in zip(asks, doc["asks"], strict=True):
        assert plain["text"] == ask.text and plain["title"] == ask.title
        assert plain["record_ids"] == list(ask.record_ids) and plain["areas"] == list(ask.areas)
    code, text, _ = run("profile", cid, "-w", str(REPO), "--as-of", "2026-12-01")
    flat = " ".join(text.split())
    for ask in asks:
        assert f"{ask.number}. {ask.title}. {ask.text}" in flat
