"""The brief's engagement section: built from the investor's log as known at the brief's date, never cited."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from engage.api import Workspace
from engage.documents.brief import build_brief
from engage.documents.brief_engagement import MAX_EVENTS, build_engagement
from engage.documents.brief_writer import BriefMaker
from engage.engagement.log import load_log
from engage.errors import DataError
from engage.taxonomy import AREA_KEYS, load_taxonomy
from engage.workspace import DEFAULT_LADDER

DATA = Path(__file__).parent / "data"

LOG = """\
objectives:
  - {id: fpic-policy, area: fpic, ask: "Adopt an FPIC policy for new mineral supply", set: 2026-03-01, due: 2026-10-31}
  - {id: smelter-list, area: minerals, ask: "Publish the smelters in the battery supply chain", set: 2026-03-01}
  - {id: later-goal, area: minerals, ask: "A goal set after the brief", set: 2027-06-01}
events:
  - date: 2026-09-01
    kind: letter
    stage: first
    asks: [q1, q2, fpic-policy]
    respond_by: 2026-10-13
    questions:
      - {id: q1, area: minerals, text: "Publish the smelters in the supply chain."}
      - {id: q2, area: hrdd, text: "Describe the due-diligence process."}
  - {date: 2026-11-10, kind: call, with: "Investor relations", summary: "Promised a reply within two weeks"}
  - {date: 2026-11-20, kind: response, answers: [q1], quality: partial, summary: "Smelter list promised"}
  - {date: 2026-11-21, kind: milestone, objective: smelter-list, level: 2}
  - {date: 2027-02-01, kind: milestone, objective: fpic-policy, level: 3, evidence: "Draft policy seen in 2027"}
"""

AS_OF = dt.date(2026, 11, 25)


def make_workspace(root: Path, log: str | None = LOG) -> Path:
    (root / "companies").mkdir(parents=True)
    shutil.copy(DATA / "valid" / "minimal-record.yaml", root / "companies" / "minimal-record.yaml")
    if log is not None:
        (root / "engagements").mkdir()
        (root / "engagements" / "minimal-record.yaml").write_text(log, encoding="utf-8")
    return root


def section(tmp_path: Path, log: str = LOG, as_of: dt.date = AS_OF):  # type: ignore[no-untyped-def]
    path = tmp_path / "minimal-record.yaml"
    path.write_text(log, encoding="utf-8")
    loaded = load_log(path, AREA_KEYS, {"minimal-record"}, [s.id for s in DEFAULT_LADDER], tmp_path)
    return build_engagement(loaded, DEFAULT_LADDER, as_of, load_taxonomy())


def test_the_section_shows_the_log_as_known_at_the_brief_date(tmp_path: Path) -> None:
    view = section(tmp_path)
    assert view is not None
    assert view.source == "minimal-record.yaml"
    assert (view.state, view.state_label) == ("responded", "Replied")
    assert view.state_detail == (
        "The company replied on 20 November 2026 to the letter of 1 September 2026, "
        "which asked for a reply by 13 October 2026."
    )
    assert view.replies == "1 of 1 letter answered; median 80 days to the first reply."
    # The objective set after the brief's date is left out; levels are those reached by then.
    assert [(o.id, o.level, o.level_name, o.reached, o.past_due) for o in view.objectives] == [
        ("fpic-policy", 0, "no milestone yet", None, True),
        ("smelter-list", 2, "acknowledged", "21 November 2026", False),
    ]
    assert [(a.id, a.text, a.answered) for a in view.asks] == [
        ("q1", "Publish the smelters in the supply chain.", "20 November 2026"),
        ("q2", "Describe the due-diligence process.", None),
        ("fpic-policy", "Adopt an FPIC policy for new mineral supply", None),
    ]
    assert [(e.date, e.kind) for e in view.events] == [
        ("1 September 2026", "letter"),
        ("10 November 2026", "call"),
        ("20 November 2026", "response"),
        ("21 November 2026", "milestone"),
    ]
    assert view.events[1].what == "Call with Investor relations"
    assert view.events[1].note == "Promised a reply within two weeks"
    assert view.earlier == 0
    # The next step comes from the ladder: a year without progress since the milestone.
    assert view.next_step is not None and view.next_step.startswith("Make a statement at the AGM from 21 November 2027")


def test_an_overdue_engagement_names_its_letter_and_the_follow_up(tmp_path: Path) -> None:
    view = section(tmp_path, as_of=dt.date(2026, 11, 15))
    assert view is not None
    assert (view.state, view.state_label) == ("overdue", "Reply overdue")
    assert view.state_detail == (
        "No reply to the letter of 1 September 2026, which asked for a reply by 13 October 2026."
    )
    assert view.next_step is not None and view.next_step.startswith("Send a follow-up letter")
    assert view.next_deadline == dt.date(2026, 11, 12)
    assert all(a.answered is None for a in view.asks)


def test_before_any_letter_the_section_says_so_and_without_a_log_there_is_none(tmp_path: Path) -> None:
    view = section(tmp_path, as_of=dt.date(2026, 8, 1))
    assert view is not None
    assert view.state == "none" and view.letter is None and view.asks == () and view.events == ()
    assert view.state_detail == "The log records no letter on or before 1 August 2026."
    assert view.replies == "No letter sent yet."
    assert build_engagement(None, DEFAULT_LADDER, AS_OF, load_taxonomy()) is None


def test_a_long_timeline_shows_the_newest_events_and_counts_the_rest(tmp_path: Path) -> None:
    calls = "".join(f"  - {{date: 2026-10-{day:02d}, kind: call}}\n" for day in range(1, 31))
    view = section(tmp_path, LOG + calls)
    assert view is not None
    assert len(view.events) == MAX_EVENTS
    assert view.earlier == 35 - 1 - MAX_EVENTS  # 35 events, one after the brief's date
    assert view.events[-1].date == "21 November 2026"


def brief_html(root: Path, as_of: dt.date = AS_OF) -> str:
    ws = Workspace.open(root)
    profile = ws.profile("minimal-record", as_of=as_of)
    view = build_brief(
        profile,
        taxonomy=ws.taxonomy,
        settings=ws.settings,
        weights=ws.weights,
        engagement_log=ws.engagement_log("minimal-record"),
    )
    return BriefMaker(None).html(view)


def test_the_brief_html_has_the_section_its_private_note_and_a_link_from_the_cover(tmp_path: Path) -> None:
    html = brief_html(make_workspace(tmp_path / "ws"))
    assert '<section class="engagement" id="engagement">' in html
    assert "From engagements/minimal-record.yaml, the investor's own engagement log: a private record" in html
    assert '<a href="#engagement">' in html
    assert "comes from the investor's own, private log" in html
    # The section comes after the questions and before the methodology.
    assert html.index('id="questions"') < html.index('id="engagement"') < html.index('id="methodology"')
    # Nothing dated after the brief: the 2027 milestone, its evidence and the later objective.
    assert "Draft policy seen in 2027" not in html and "A goal set after the brief" not in html
    # The log's text is escaped like any other.
    bad = LOG.replace("Promised a reply within two weeks", "<b>Promised</b> & more")
    html = brief_html(make_workspace(tmp_path / "escaped", bad))
    assert "&lt;b&gt;Promised&lt;/b&gt; &amp; more" in html


def test_without_a_log_the_brief_has_no_section(tmp_path: Path) -> None:
    html = brief_html(make_workspace(tmp_path, log=None))
    assert 'id="engagement"' not in html and "#engagement" not in html and "private log" not in html


def test_a_brief_with_a_broken_log_is_refused_with_its_problems(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, LOG + "  - {date: 2026-11-22, kind: milestone, objective: fpic-policy, level: 5}\n")
    ws = Workspace.open(root)
    (outcome,) = ws.briefs(["minimal-record"], as_of=AS_OF, fmt="html")
    assert isinstance(outcome.error, DataError) and outcome.path is None
    assert "engagements/minimal-record.yaml:18:" in str(outcome.error) and "above the maximum 4" in str(outcome.error)


def pdf_pages(pdf: Path) -> list[str]:
    """Return each page's text: poppler's pdftotext where installed, else pypdf."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout
        return text.decode().split("\f")
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages]


@pytest.mark.slow
def test_the_pdf_brief_reads_back_the_section_and_the_cover_stays_one_page(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (path,) = Workspace.open(root).brief("minimal-record", as_of=AS_OF, out=tmp_path / "out")
    pages = pdf_pages(path)
    assert "except the engagement section, which comes from the investor's own, private" in pages[0]
    assert "Executive summary" in pages[1].split("\n", 3)[-1][:400]  # the summary opens page 2
    text = " ".join(" ".join(page.split()) for page in pages)
    assert "From engagements/minimal-record.yaml, the investor's own engagement log: a private record" in text
    assert "Replied. The company replied on 20 November 2026 to the letter of 1 September 2026" in text
    assert "Asks of the latest letter, 1 September 2026" in text
    assert "Describe the due-diligence process. Open" in text
    assert "Call with Investor relations Promised a reply within two weeks" in text
    assert "2027" not in text.replace("21 November 2027", "")  # only the ladder's next step looks ahead


@pytest.mark.slow
def test_a_batch_brief_has_the_section_too(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    ws = Workspace.open(root)
    summary = ws.batch(["minimal-record"], as_of=AS_OF, out=tmp_path / "out", kinds=("brief",), jobs=1)
    assert summary.exit_code == 0 and len(summary.rendered) == 1, summary
    text = " ".join(" ".join(p.split()) for p in pdf_pages(tmp_path / "out" / "minimal-record" / "brief.pdf"))
    assert "Replied. The company replied on 20 November 2026" in text
    # Editing the log makes the brief stale: the next run renders it again, with the new state.
    log = root / "engagements" / "minimal-record.yaml"
    log.write_text(LOG.replace("  - {date: 2026-11-20, kind: response", "  - {date: 2026-12-20, kind: response"))
    summary = Workspace.open(root).batch(
        ["minimal-record"], as_of=AS_OF, out=tmp_path / "out", kinds=("brief",), jobs=1
    )
    text = " ".join(" ".join(p.split()) for p in pdf_pages(tmp_path / "out" / "minimal-record" / "brief.pdf"))
    assert "Reply overdue. No reply to the letter of 1 September 2026" in text
    assert summary.exit_code == 0 and len(summary.rendered) == 1
