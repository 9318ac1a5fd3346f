"""engage letter through click's CliRunner: options, exact error lines and exit codes, files written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engage.cli.main import cli

DATA = Path(__file__).parent / "data"
SIGNATORIES = DATA / "signatories"

ENGAGE_YAML = """\
organisation:
  name: Example Investors LLP
  email: stewardship@example.com
signatories:
  - {name: Alex Example, title: Head of Stewardship, organisation: Example Investors LLP, aum: USD 10 bn}
letter:
  respond_within_days: 42
  respond_before_agm_days: 21
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["letter", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(workspace: Path) -> Path:
    """The valid-records workspace with settings that have a sender and a signatory."""
    (workspace / "engage.yaml").write_text(ENGAGE_YAML, encoding="utf-8")
    return workspace


def test_help_has_examples() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "engage letter volkswagen --as-of 2026-11-01" in out
    for option in ("--letter-format", "--signatories", "--respond-by", "--stage", "--out", "--workspace", "--all"):
        assert option in out


def test_help_states_the_default_response_window() -> None:
    """The help gives the default deadline letter_deadline applies (it said six weeks after the change to eight)."""
    from engage.documents.letter_deadline import DEFAULT_RESPOND_WITHIN_DAYS

    _, out, _ = run("--help")
    words = " ".join(out.split())
    weeks = {42: "six", 56: "eight"}[DEFAULT_RESPOND_WITHIN_DAYS]
    assert f"default {DEFAULT_RESPOND_WITHIN_DAYS}," in words
    assert f"default: {weeks} weeks after the letter" in words


def test_writes_every_format_atomically_under_briefs(ws: Path) -> None:
    code, out, err = run("full-record", "-w", str(ws), "--as-of", "2026-11-01")
    assert code == 0, err
    assert out.splitlines() == [
        "briefs/full-record/letter.pdf",
        "briefs/full-record/letter.docx",
        "briefs/full-record/letter.md",
    ]
    assert err.strip() == "wrote 1 letter (pdf, docx, md) to briefs/"
    folder = ws / "briefs" / "full-record"
    assert (folder / "letter.pdf").read_bytes().startswith(b"%PDF-")
    assert (folder / "letter.docx").read_bytes().startswith(b"PK")
    assert sorted(p.name for p in folder.iterdir()) == ["letter.docx", "letter.md", "letter.pdf"]  # no temp files


def test_letter_is_dated_as_of_and_answers_by_the_agm_rule(ws: Path) -> None:
    code, _, err = run("full-record", "-w", str(ws), "--as-of", "2026-11-01", "--format", "md")
    assert code == 0, err
    text = (ws / "briefs" / "full-record" / "letter.md").read_text()
    assert "\n1 November 2026\n" in text
    assert "written response by 14 December 2026" in text  # six weeks after 1 November, well before the AGM
    assert "Dear Jane Doe," in text


def test_respond_by_and_stage_and_out(ws: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run(
        "full-record",
        "-w",
        str(ws),
        "--as-of",
        "2026-11-01",
        "--format",
        "md",
        "--respond-by",
        "2026-12-15",
        "--stage",
        "pre-agm",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    text = (out_dir / "full-record" / "letter.md").read_text()
    assert "written response by 15 December 2026" in text
    assert "not met by the annual general meeting, we will consider:" in text
    assert not (ws / "briefs" / "full-record").exists()


def test_all_and_repeatable_formats(ws: Path) -> None:
    code, out, err = run("--all", "-w", str(ws), "--as-of", "2026-11-01", "--format", "md", "--format", "md,docx")
    assert code == 0, err
    assert len(out.splitlines()) == 8  # four companies, two formats each
    assert err.strip() == "wrote 4 letters (md, docx) to briefs/"


def test_signatories_file_replaces_engage_yaml(ws: Path) -> None:
    csv_file = SIGNATORIES / "excel-bom-semicolon.csv"
    code, _, err = run(
        "full-record", "-w", str(ws), "--as-of", "2026-11-01", "--format", "md", "--signatories", str(csv_file)
    )
    assert code == 0, err
    text = (ws / "briefs" / "full-record" / "letter.md").read_text()
    assert "**Maria Lindqvist**" in text and "**José Núñez**" in text
    assert "Alex Example" not in text


def test_bad_format_is_a_usage_error(ws: Path) -> None:
    code, _, err = run("full-record", "-w", str(ws), "--format", "pdf,odt")
    assert code == 2
    assert (
        err.splitlines()[-1]
        == "Error: Invalid value for '--format': 'odt' is not a letter format; choose from pdf, docx, md"
    )


def test_bad_stage_is_a_usage_error(ws: Path) -> None:
    code, _, err = run("full-record", "-w", str(ws), "--stage", "final")
    assert code == 2
    assert "Invalid value for '--stage': 'final' is not one of 'first', 'follow-up', 'pre-agm'." in err


@pytest.mark.parametrize("day", ["2026-11-01", "2026-10-01"])
def test_respond_by_on_or_before_the_letter_date(ws: Path, day: str) -> None:
    code, out, err = run("full-record", "-w", str(ws), "--as-of", "2026-11-01", "--respond-by", day)
    assert (code, out) == (2, "")
    assert err.strip() == f"Error: --respond-by {day} is not after the letter date 2026-11-01 (--as-of)"


def test_respond_by_that_is_not_a_date(ws: Path) -> None:
    code, _, err = run("full-record", "-w", str(ws), "--respond-by", "next friday")
    assert code == 2
    assert "Invalid value for '--respond-by': 'next friday' is not a date; expected YYYY-MM-DD" in err


def test_signatories_file_missing_a_column_names_row_and_column(ws: Path) -> None:
    shutil.copy(SIGNATORIES / "missing-name-column.csv", ws / "signatories.csv")
    code, out, err = run("full-record", "-w", str(ws), "--signatories", str(ws / "signatories.csv"))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: {ws / 'signatories.csv'}:1: column 'name' is missing (the header has 'title', 'organisation')",
        "Error: 1 problem found",
    ]


def test_signatories_file_with_an_empty_cell_names_row_and_column(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(SIGNATORIES / "empty-name-cell.csv", ws / "signatories.csv")
    monkeypatch.chdir(ws)
    code, _, err = run("full-record", "--signatories", "signatories.csv")
    assert code == 1
    assert err.splitlines()[0] == "error: signatories.csv:3: column 'name' is empty"


def test_unknown_company(ws: Path) -> None:
    code, out, err = run("full-recrod", "-w", str(ws))
    assert (code, out) == (2, "")
    assert err.strip() == "Error: no company 'full-recrod' in companies/ (did you mean 'full-record'?)"


def test_company_ids_and_all_together(ws: Path) -> None:
    code, _, err = run("full-record", "--all", "-w", str(ws))
    assert code == 2
    assert err.strip() == "Error: give company ids or --all, not both"
    code, _, err = run("-w", str(ws))
    assert code == 2
    assert err.strip() == "Error: name at least one company (see `engage list`) or pass --all"


def test_no_signatories_anywhere(workspace: Path) -> None:
    code, out, err = run("full-record", "-w", str(workspace), "--format", "md")
    assert (code, out) == (1, "")
    assert err.strip() == (
        "Error: no signatories for the letter: list them under 'signatories:' in engage.yaml "
        "or pass a YAML or CSV file with --signatories"
    )
    assert not (workspace / "briefs").exists()


def test_a_broken_company_is_reported_and_the_rest_written(ws: Path) -> None:
    shutil.copy(DATA / "invalid" / "severity-typo.yaml", ws / "companies")
    code, out, err = run("--all", "-w", str(ws), "--as-of", "2026-11-01", "--format", "md")
    assert code == 1
    assert len(out.splitlines()) == 4
    assert "error: companies/severity-typo.yaml:9:15: allegations[0].severity:" in err
    assert err.splitlines()[-1] == "wrote 4 letters (md) to briefs/; 1 failed"


def test_paper_letter_sets_the_pdf_page_size(ws: Path) -> None:
    from pypdf import PdfReader

    code, _, err = run("full-record", "-w", str(ws), "--as-of", "2026-11-01", "--format", "pdf", "--paper", "letter")
    assert code == 0, err
    box = PdfReader(ws / "briefs" / "full-record" / "letter.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in
    code, _, err = run("full-record", "-w", str(ws), "--as-of", "2026-11-01", "--format", "pdf")
    box = PdfReader(ws / "briefs" / "full-record" / "letter.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


def test_a_weekend_respond_by_is_kept_and_warned_about_once(ws: Path) -> None:
    code, _, err = run("--all", "-w", str(ws), "--as-of", "2026-11-01", "--format", "md", "--respond-by", "2026-12-27")
    assert code == 0, err
    assert err.count("warning: --respond-by 2026-12-27 is a Sunday;") == 1  # once, not once per company
    assert "written response by 27 December 2026" in (ws / "briefs" / "minimal-record" / "letter.md").read_text()


def test_pre_agm_letter_to_a_company_without_an_agm_warns(ws: Path) -> None:
    code, _, err = run(
        "minimal-record", "full-record", "-w", str(ws), "--as-of", "2026-11-01", "--format", "md", "--stage", "pre-agm"
    )
    assert code == 0, err
    assert "warning: minimal-record: no upcoming AGM is recorded, so the pre-AGM letter names no meeting date" in err
    assert "full-record: no upcoming AGM" not in err  # its AGM is on record
    text = (ws / "briefs" / "minimal-record" / "letter.md").read_text()
    assert "Ahead of the company's next annual general meeting," in text


def test_letter_format_is_the_spelling_batch_uses_and_format_still_works(ws: Path) -> None:
    out_dir = ws / "out"
    for flag in ("--letter-format", "--format"):
        code, _, _ = run("full-record", "-w", str(ws), "--as-of", "2026-11-01", flag, "md", "--out", str(out_dir))
        assert code == 0
        assert sorted(p.name for p in (out_dir / "full-record").iterdir()) == ["letter.md"]


def test_a_pre_agm_letter_cannot_ask_for_a_reply_after_the_agm(ws: Path) -> None:
    code, _, err = run(
        "full-record",
        "-w",
        str(ws),
        "--as-of",
        "2027-03-01",
        "--stage",
        "pre-agm",
        "--respond-by",
        "2027-05-20",
        "--letter-format",
        "md",
        "--out",
        str(ws / "out"),
    )
    assert code == 2
    assert "--respond-by 2027-05-20 is not before" in err and "AGM on 2027-05-14" in err
    assert not (ws / "out" / "full-record" / "letter.md").exists()


@pytest.mark.parametrize("out", ["letter.pdf", "vw.DOCX", "notes.md"])
def test_out_named_like_a_document_is_refused_not_made_a_folder(ws: Path, out: str) -> None:
    """``-o vw.pdf`` once made a folder called vw.pdf; now it is a usage error naming the value, and nothing is made."""
    target = ws / out
    code, _, err = run("full-record", "-w", str(ws), "--as-of", "2026-11-01", "-o", str(target))
    assert code == 2
    assert f"'{target}' looks like a file name, but --out takes a folder" in " ".join(err.split())
    assert not target.exists()


def test_existing_folder_with_a_suffix_is_still_an_out_folder(ws: Path) -> None:
    target = ws / "season.md"
    target.mkdir()
    code, _, err = run(
        "full-record", "-w", str(ws), "--as-of", "2026-11-01", "-o", str(target), "--letter-format", "md"
    )
    assert code == 0, err
    assert (target / "full-record" / "letter.md").is_file()
