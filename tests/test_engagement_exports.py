"""The engagement log in the exports: reply figures beside the risk score in compare, letter history in Word and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import time
from pathlib import Path

import pytest

from engage.api import Workspace

DATA = Path(__file__).parent / "data"
AS_OF = "2026-12-01"

LOG = """\
objectives:
  - {id: fpic-policy, area: fpic, ask: "Adopt an FPIC policy for new mineral supply", set: 2026-03-01}
events:
  - date: 2026-09-01
    kind: letter
    stage: first
    asks: [q1, q2, fpic-policy]
    respond_by: 2026-10-13
    questions:
      - {id: q1, area: minerals, text: "Publish the smelters in the supply chain."}
      - {id: q2, area: hrdd, text: "Describe the due-diligence process & its <audits>."}
  - {date: 2026-11-20, kind: response, answers: [q1], quality: partial, summary: "Smelter list promised"}
  - {date: 2026-11-21, kind: milestone, objective: fpic-policy, level: 2}
"""


def run(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from engage.cli.main import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A workspace of the valid fixtures; only Minimal Motors has a log (one letter, answered in 80 days)."""
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    for src in (DATA / "valid").glob("*.yaml"):
        shutil.copy(src, ws / "companies" / src.name)
    (ws / "engagements").mkdir()
    (ws / "engagements" / "minimal-record.yaml").write_text(LOG, encoding="utf-8")
    return ws


REPLY_KEYS = ["letters", "answered", "response_rate", "median_days_to_reply"]


def test_compare_json_carries_the_replies_beside_an_unchanged_score(root: Path) -> None:
    code, out, err = run("compare", "-w", str(root), "--as-of", AS_OF, "--json")
    assert code == 0, err
    rows = {r["company_id"]: r for r in json.loads(out)["rows"]}
    assert [rows["minimal-record"][k] for k in REPLY_KEYS] == [1, 1, 1.0, 80.0]
    assert [rows["full-record"][k] for k in REPLY_KEYS] == [None, None, None, None]  # no log: unknown, not zero
    keys = list(rows["minimal-record"])
    assert keys.index("benchmark") < keys.index("letters") < keys.index("top_reasons")
    # Never blended: without the log every other figure is the same.
    shutil.rmtree(root / "engagements")
    without = {
        r["company_id"]: r for r in json.loads(run("compare", "-w", str(root), "--as-of", AS_OF, "--json")[1])["rows"]
    }
    for cid, row in rows.items():
        assert {k: v for k, v in row.items() if k not in REPLY_KEYS} == {
            k: v for k, v in without[cid].items() if k not in REPLY_KEYS
        }


def test_compare_counts_only_what_is_known_at_the_as_of_date(root: Path) -> None:
    doc = json.loads(run("compare", "-w", str(root), "--as-of", "2026-11-01", "--json")[1])
    row = next(r for r in doc["rows"] if r["company_id"] == "minimal-record")
    assert [row[k] for k in REPLY_KEYS] == [1, 0, 0.0, None]  # the reply of 20 November is not known yet


def test_compare_csv_has_the_reply_columns_in_order(root: Path) -> None:
    code, out, _ = run("compare", "-w", str(root), "--as-of", AS_OF, "--csv")
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames is not None and reader.fieldnames[-5:] == [*REPLY_KEYS, "top_reasons"]
    rows = {r["company_id"]: r for r in reader}
    assert [rows["minimal-record"][k] for k in REPLY_KEYS] == ["1", "1", "1.0", "80.0"]
    assert [rows["dates-in-every-form"][k] for k in REPLY_KEYS] == ["", "", "", ""]


def test_compare_xlsx_has_the_reply_columns_and_stays_reproducible(root: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "a.xlsx"
    code, _, err = run("compare", "-w", str(root), "--as-of", AS_OF, "--xlsx", str(book))
    assert code == 0, err
    wb = load_workbook(book)
    for sheet in (wb["Overall"], wb["Minerals"]):
        header = [c.value for c in sheet[1]]
        assert header[-5:] == [
            "Letters sent (engagement log)",
            "Letters answered",
            "Response rate (not blended)",
            "Median days to reply (not blended)",
            "Top reasons",
        ]
        ids = [c.value for c in sheet["B"]]
        row = sheet[ids.index("minimal-record") + 1]
        rate, days = (
            row[header.index("Response rate (not blended)")],
            row[header.index("Median days to reply (not blended)")],
        )
        assert (rate.value, rate.number_format, days.value, days.number_format) == (1, "0%", 80, "0")
        other = sheet[ids.index("full-record") + 1]
        assert other[header.index("Letters sent (engagement log)")].value is None
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows()}
    assert "never blended" in about["Replies"]
    time.sleep(1.1)  # a save that read the clock would differ now
    again = tmp_path / "b.xlsx"
    assert run("compare", "-w", str(root), "--as-of", AS_OF, "--xlsx", str(again))[0] == 0
    assert book.read_bytes() == again.read_bytes()


def test_compare_warns_when_a_log_with_errors_gives_no_replies(root: Path) -> None:
    log = root / "engagements" / "minimal-record.yaml"
    log.write_text(LOG + "  - {date: 2026-11-22, kind: response, answers: [q9]}\n", encoding="utf-8")
    code, out, err = run("compare", "-w", str(root), "--as-of", AS_OF, "--json")
    assert code == 0
    assert "replies not shown for minimal-record: the engagement log has errors (run `engage check`)" in err
    row = next(r for r in json.loads(out)["rows"] if r["company_id"] == "minimal-record")
    assert row["letters"] is None


# --------------------------------------------------------------------------- letter history in Word and PDF

SETTINGS = "signatories:\n  - {name: Alex Example, organisation: Example Investors LLP}\n"

INTRO = (
    "We wrote to Minimal Motors on 1 September 2026 with 3 asks and asked for a reply by 13 October 2026. "
    "We are grateful for the company's response of 20 November 2026."
)
HISTORY = [
    ("The company's reply addressed:", "Normal"),
    ("Publish the smelters in the supply chain (answered on 20 November 2026)", "List Bullet"),
    (
        "The following asks of that letter remain unanswered, and we ask again that the company address them:",
        "Normal",
    ),
    ("Describe the due-diligence process & its <audits>.", "List Bullet"),
    ("Adopt an FPIC policy for new mineral supply", "List Bullet"),
    ("We welcome the progress the company has made since we first wrote:", "Normal"),
    ("Adopt an FPIC policy for new mineral supply: acknowledged (21 November 2026)", "List Bullet"),
]


def follow_up(root: Path, fmt: str, as_of: dt.date = dt.date(2026, 11, 25), stage: str = "follow-up") -> Path:
    (root / "engage.yaml").write_text(SETTINGS, encoding="utf-8")
    (path,) = Workspace.open(root).letter("minimal-record", as_of=as_of, formats=[fmt], stage=stage)
    return path


def test_the_word_follow_up_names_the_previous_letter_its_answered_and_open_asks(root: Path) -> None:
    from docx import Document

    paragraphs = [(p.text, p.style.name) for p in Document(str(follow_up(root, "docx"))).paragraphs]
    texts = [t for t, _ in paragraphs]
    start = texts.index(INTRO)
    assert paragraphs[start + 1 : start + 1 + len(HISTORY)] == HISTORY
    # The history comes before the letter's own questions (their introduction, whichever the records give).
    openings = ("We set out our question", "We have not found public reports", "The public record we follow")
    assert start < next(i for i, t in enumerate(texts) if t.startswith(openings))


def test_the_word_follow_up_before_any_reply_asks_again_and_a_first_letter_says_there_is_history(root: Path) -> None:
    from docx import Document

    texts = [p.text for p in Document(str(follow_up(root, "docx", dt.date(2026, 11, 15)))).paragraphs]
    intro = (
        "We wrote to Minimal Motors on 1 September 2026 with 3 asks and asked for a reply by 13 October 2026. "
        "We have not received a response."
    )
    start = texts.index(intro)
    assert texts[start + 1 : start + 5] == [
        "The asks of that letter remain open, and we ask again that the company address them:",
        "Publish the smelters in the supply chain.",
        "Describe the due-diligence process & its <audits>.",
        "Adopt an FPIC policy for new mineral supply",
    ]
    texts = [p.text for p in Document(str(follow_up(root, "docx", dt.date(2027, 3, 1), "first"))).paragraphs]
    assert any("we have written to the company before, most recently on 1 September 2026" in t for t in texts)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages)


@pytest.mark.slow
def test_the_pdf_follow_up_names_the_previous_letter_its_answered_and_open_asks(root: Path) -> None:
    text = pdf_text(follow_up(root, "pdf"))
    assert INTRO in text
    positions = [text.index(line) for line, _ in HISTORY]
    assert positions == sorted(positions), HISTORY  # in the letter's order
    assert "&amp;" not in text and "&lt;" not in text  # escaped once, shown as typed
