"""The engagement log: loading and validation, state at a date, the escalation ladder, reply statistics."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engage.api import Workspace
from engage.engagement.ladder import ladder_status
from engage.engagement.log import load_log
from engage.engagement.state import engagement_state, reply_stats
from engage.errors import DataError
from engage.taxonomy import AREA_KEYS
from engage.workspace import DEFAULT_LADDER

DATA = Path(__file__).parent / "data"

LETTER = """\
# The season with Minimal Motors.
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
      - {id: q2, area: hrdd, text: "Describe the due-diligence process."}
"""

RESPONSE = """\
  - {date: 2026-11-20, kind: response, answers: [q1], quality: partial, summary: "Smelter list promised"}
"""


def make_workspace(tmp_path: Path, log: str | None = LETTER, name: str = "minimal-record") -> Path:
    (tmp_path / "companies").mkdir()
    shutil.copy(DATA / "valid" / "minimal-record.yaml", tmp_path / "companies" / "minimal-record.yaml")
    if log is not None:
        (tmp_path / "engagements").mkdir()
        (tmp_path / "engagements" / f"{name}.yaml").write_text(log, encoding="utf-8")
    return tmp_path


def test_letter_past_its_deadline_is_overdue_then_responded(tmp_path: Path) -> None:
    ws = Workspace.open(make_workspace(tmp_path))
    assert ws.engagement("minimal-record", as_of=dt.date(2026, 10, 1)).state == "awaiting-response"
    state = ws.engagement("minimal-record", as_of=dt.date(2026, 11, 15))
    assert state.state == "overdue"
    assert state.to_dict()["last_letter"] == "2026-09-01"
    assert state.to_dict()["respond_by"] == "2026-10-13"
    # 33 days past the deadline: the default ladder's follow-up (30 days) is the next step, not an escalation.
    assert state.next_step is not None and state.next_step.startswith("Send a follow-up letter")

    path = tmp_path / "engagements" / "minimal-record.yaml"
    path.write_text(LETTER + RESPONSE, encoding="utf-8")
    ws = Workspace.open(tmp_path)
    assert ws.engagement("minimal-record", as_of=dt.date(2026, 11, 15)).state == "overdue"  # the reply came later
    assert ws.engagement("minimal-record", as_of=dt.date(2026, 11, 21)).state == "responded"


def test_no_log_is_state_none(tmp_path: Path) -> None:
    ws = Workspace.open(make_workspace(tmp_path, log=None))
    assert ws.engagement("minimal-record", as_of=dt.date(2026, 11, 15)).to_dict() == {
        "state": "none",
        "last_letter": None,
        "respond_by": None,
        "next_step": None,
        "next_deadline": None,
    }


def test_no_progress_for_a_year_escalates_to_a_statement(tmp_path: Path) -> None:
    ws = Workspace.open(make_workspace(tmp_path, LETTER + RESPONSE))
    state = ws.engagement("minimal-record", as_of=dt.date(2027, 3, 2))
    assert state.state == "escalate" and state.step == "statement"
    assert state.next_step is not None and "statement at the AGM" in state.next_step
    # A statement takes the step; the vote against the chair is next, 180 days later.
    statement = "  - {date: 2027-03-10, kind: statement, text: Statement at the AGM}\n"
    (tmp_path / "engagements" / "minimal-record.yaml").write_text(LETTER + RESPONSE + statement, encoding="utf-8")
    ws = Workspace.open(tmp_path)
    state = ws.engagement("minimal-record", as_of=dt.date(2027, 4, 1))
    assert state.state == "responded" and state.step == "vote-against-chair"
    assert state.next_deadline == dt.date(2027, 9, 6)
    # A milestone stops the clock.
    milestone = "  - {date: 2027-04-02, kind: milestone, objective: fpic-policy, level: 2}\n"
    path = tmp_path / "engagements" / "minimal-record.yaml"
    path.write_text(LETTER + RESPONSE + statement + milestone, encoding="utf-8")
    log = Workspace.open(tmp_path).engagement_log("minimal-record")
    assert log is not None
    steps = {s.step.id: s for s in ladder_status(log.until(dt.date(2027, 10, 1)), DEFAULT_LADDER)}
    assert steps["vote-against-chair"].started is None
    assert steps["statement"].due == dt.date(2028, 4, 1)


def test_reply_stats(tmp_path: Path) -> None:
    log = Workspace.open(make_workspace(tmp_path, LETTER + RESPONSE)).engagement_log("minimal-record")
    stats = reply_stats(log, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert (stats.letters, stats.answered, stats.median_days, stats.rate) == (1, 1, 80.0, 1.0)
    assert reply_stats(log, dt.date(2026, 1, 1), dt.date(2026, 11, 1)).answered == 0
    assert engagement_state(None, DEFAULT_LADDER, dt.date(2026, 1, 1)).state == "none"


BAD = """\
objectives:
  - {id: fpic-policy, area: fpic, ask: "Adopt an FPIC policy"}
events:
  - {date: 2026-08-01, kind: response, answers: [q1]}
  - date: 2026-09-01
    kind: letter
    asks: [q1, smelters]
    respond_by: 2026-10-13
    questions:
      - {id: q1, text: "Publish the smelters."}
  - {date: 2026-10-01, kind: response, answers: [q1, q7]}
  - {date: 2026-10-02, kind: milestone, objective: fpic-policy, level: 5}
  - {date: 2026-10-03, kind: milestone, objective: fpic-policy, level: 3}
  - {date: 2026-10-04, kind: milestone, objective: no-such-goal, level: 1}
  - {date: 2026-10-05, kind: meeting, with: CFO, level: 2}
  - {date: 2026-10-06, kind: vote, item: Chair}
  - {date: 2026-10-07, kind: escalation, step: statment}
"""


def problems_of(text: str, tmp_path: Path, name: str = "minimal-record") -> list[str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_log(path, AREA_KEYS, {"minimal-record"}, [s.id for s in DEFAULT_LADDER], tmp_path)
    return [str(p) for p in caught.value.problems]


def test_every_problem_in_a_log_is_named_by_line_and_field(tmp_path: Path) -> None:
    problems = problems_of(BAD, tmp_path)
    expected = [
        "minimal-record.yaml:4:12: events[0].date: a response on 2026-08-01 comes before any letter in the log",
        "minimal-record.yaml:7:16: events[1].asks[1]: unknown ask id 'smelters'",
        "minimal-record.yaml:11:54: events[2].answers[1]: unknown ask id 'q7': the letter of 2026-09-01 asked q1,",
        "minimal-record.yaml:12:72: events[3].level: 5 is above the maximum 4",
        "minimal-record.yaml:13:5: events[4].evidence: a level-3 milestone (credible plan) needs evidence",
        "minimal-record.yaml:14:52: events[5].objective: unknown objective 'no-such-goal'",
        "minimal-record.yaml:15:57: events[6].level: level: does not apply to a meeting event",
        "minimal-record.yaml:16:5: events[7].meeting: a vote event needs meeting:",
        "minimal-record.yaml:16:5: events[7].how: a vote event needs how:",
        "minimal-record.yaml:17:48: events[8].step: unknown ladder step 'statment'",
    ]
    assert len(problems) == len(expected), problems
    for got, want in zip(problems, expected, strict=True):
        assert got.startswith(want), (got, want)


def test_a_log_for_an_unknown_company_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems_of("events: []\n", tmp_path, name="minimal-recrd")
    assert "no company 'minimal-recrd' in companies/" in problem and "did you mean 'minimal-record'" in problem


# --------------------------------------------------------------------------- engage check, schema


def run(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from engage.cli.main import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_names_an_unknown_ask_id_by_file_and_line(tmp_path: Path) -> None:
    bad = LETTER + "  - {date: 2026-10-01, kind: response, answers: [q9]}\n"
    root = make_workspace(tmp_path, bad)
    code, _, err = run("check", "--workspace", str(root), "--as-of", "2026-11-15")
    assert code == 1
    assert (
        "error: engagements/minimal-record.yaml:13:50: events[1].answers[0]: unknown ask id 'q9': "
        "the letter of 2026-09-01 asked q1, q2, fpic-policy" in err
    )
    code, out, _ = run("check", "--workspace", str(root), "--as-of", "2026-11-15", "--json")
    import json

    (problem,) = [p for p in json.loads(out)["problems"] if p["level"] == "error"]
    assert (problem["path"], problem["line"], problem["field"]) == (
        "engagements/minimal-record.yaml",
        13,
        "events[1].answers[0]",
    )


def test_check_warns_of_an_event_after_the_as_of_date_and_a_log_without_company(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "engagements" / "ghost-motors.yaml").write_text("events: []\n", encoding="utf-8")
    code, _, err = run("check", "--workspace", str(root), "--as-of", "2026-08-01")
    assert code == 1
    assert "engagements/ghost-motors.yaml: no company 'ghost-motors' in companies/" in err
    warning = "warning: engagements/minimal-record.yaml:5: date: a letter event is dated 2026-09-01, after 2026-08-01"
    assert warning in err
    # Checking one company leaves the other logs alone.
    code, _, err = run("check", "minimal-record", "--workspace", str(root), "--as-of", "2026-12-01")
    assert code == 0, err


def test_log_schema_accepts_a_valid_log_and_rejects_a_misplaced_field(tmp_path: Path) -> None:
    import jsonschema

    from engage.schema import log_schema
    from engage.taxonomy import load_taxonomy
    from engage.yamlsafe import compose_text, plain_value

    schema = log_schema(load_taxonomy())
    node = compose_text(LETTER + RESPONSE)
    assert node is not None
    jsonschema.validate(plain_value(node), schema)
    bad = plain_value(compose_text(LETTER + "  - {date: 2026-10-01, kind: meeting, level: 2}\n"))  # type: ignore[arg-type]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    code, out, _ = run("schema", "--log")
    assert code == 0 and '"engage engagement log"' in out


def test_a_ladder_in_engage_yaml_replaces_the_default_and_is_checked_by_line(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "engage.yaml").write_text(
        "engagement:\n"
        "  ladder:\n"
        "    - {id: chase, action: Phone the IR team, trigger: no-response, days: 7, taken_by: escalation}\n",
        encoding="utf-8",
    )
    ws = Workspace.open(root)
    state = ws.engagement("minimal-record", as_of=dt.date(2026, 10, 21))
    assert state.state == "escalate" and state.next_step is not None and state.next_step.startswith("Phone the IR")
    (root / "engage.yaml").write_text(
        "engagement:\n"
        "  ladder:\n"
        "    - {id: vote, action: Vote, trigger: after-previous, days: 7, taken_by: vote}\n"
        "    - {id: chase, action: Chase, trigger: silence, days: -1, taken_by: letter}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        Workspace.open(root)
    assert [str(p) for p in caught.value.problems] == [
        "engage.yaml:3:41: engagement.ladder[0].trigger: the first step has no previous step; "
        "use no-response or no-progress",
        "engage.yaml:4:43: engagement.ladder[1].trigger: 'silence' is not one of no-response, no-progress, "
        "after-previous",
        "engage.yaml:4:58: engagement.ladder[1].days: -1 is below the minimum 0",
    ]


# --------------------------------------------------------------------------- letters that remember

SETTINGS = "signatories:\n  - {name: Alex Example, organisation: Example Investors LLP}\n"


def test_a_follow_up_names_the_previous_letter_and_its_open_asks(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "engage.yaml").write_text(SETTINGS, encoding="utf-8")
    ws = Workspace.open(root)
    (path,) = ws.letter("minimal-record", as_of=dt.date(2026, 11, 15), formats=["md"], stage="follow-up")
    text = path.read_text(encoding="utf-8")
    wrote = "We wrote to Minimal Motors on 1 September 2026 with 3 asks and asked for a reply by 13 October 2026."
    assert wrote in text
    assert "We have not received a response." in text
    assert "- Publish the smelters in the supply chain.\n- Describe the due-diligence process.\n" in text
    assert "- Adopt an FPIC policy for new mineral supply\n" in text

    log = root / "engagements" / "minimal-record.yaml"
    milestone = "  - {date: 2026-11-21, kind: milestone, objective: fpic-policy, level: 2}\n"
    log.write_text(LETTER + RESPONSE + milestone, encoding="utf-8")
    ws = Workspace.open(root)
    (path,) = ws.letter("minimal-record", as_of=dt.date(2026, 11, 25), formats=["md"], stage="follow-up")
    text = path.read_text(encoding="utf-8")
    assert "We are grateful for the company's response of 20 November 2026." in text
    answered = "The company's reply addressed:\n\n- Publish the smelters in the supply chain (answered on 20 November"
    assert answered in text
    assert "remain unanswered" in text and "- Describe the due-diligence process.\n" in text
    assert "- Adopt an FPIC policy for new mineral supply: acknowledged (21 November 2026)" in text


def test_a_first_letter_to_a_company_with_history_says_so_and_record_logs_it(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "engage.yaml").write_text(SETTINGS, encoding="utf-8")
    code, _, err = run(
        "letter", "minimal-record", "-w", str(root), "--as-of", "2027-03-01", "--letter-format", "md", "--record"
    )
    assert code == 0, err
    text = (root / "briefs" / "minimal-record" / "letter.md").read_text(encoding="utf-8")
    assert "we have written to the company before, most recently on 1 September 2026" in text
    log = (root / "engagements" / "minimal-record.yaml").read_text(encoding="utf-8")
    assert log.startswith(LETTER)  # comments and earlier entries kept as typed
    assert "  - date: 2027-03-01\n    kind: letter\n    stage: first\n    asks: [" in log
    # Nothing is on record for Minimal Motors, so no ask arises: its general questions are logged as q1, q2...
    state = Workspace.open(root).engagement("minimal-record", as_of=dt.date(2027, 3, 2))
    # The objective was set on 2026-03-01 with no milestone since: a year on, the ladder says escalate.
    assert (state.state, state.step) == ("escalate", "statement") and state.last_letter is not None
    assert state.last_letter.date == dt.date(2027, 3, 1) and state.last_letter.questions


def test_engage_log_appends_keeps_comments_and_refuses_a_bad_event(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, LETTER + "  # replies go below\n")
    code, _, err = run(
        "log", "minimal-record", "response", "--date", "2026-11-20", "--answers", "q1",
        "--summary", 'Reply: "partial"', "-w", str(root), "--as-of", "2026-11-21",
    )  # fmt: skip
    assert code == 0, err
    assert "state as of 2026-11-21: responded" in err
    text = (root / "engagements" / "minimal-record.yaml").read_text(encoding="utf-8")
    assert text.startswith(LETTER + "  - date: 2026-11-20\n    kind: response\n    answers: [q1]\n")
    assert '    summary: "Reply: \\"partial\\""\n' in text and "  # replies go below\n" in text
    before = text
    code, _, err = run("log", "minimal-record", "response", "--date", "2026-11-22", "--answers", "q9", "-w", str(root))
    assert code == 1 and "unknown ask id 'q9'" in err
    code, _, err = run("log", "minimal-record", "milestone", "--date", "2026-11-22", "--objective", "fpic-policy",
                       "--level", "5", "-w", str(root))  # fmt: skip
    assert code == 1 and "events[2].level: 5 is above the maximum 4" in err and "Traceback" not in err
    assert (root / "engagements" / "minimal-record.yaml").read_text(encoding="utf-8") == before
    code, _, err = run("log", "nobody", "call", "--date", "2026-11-22", "-w", str(root))
    assert code == 2 and "no company 'nobody'" in err


# --------------------------------------------------------------------------- the stewardship report


def test_report_xlsx_lists_the_company_with_its_letter_and_response(tmp_path: Path) -> None:
    import openpyxl

    root = make_workspace(tmp_path, LETTER + RESPONSE)
    book = tmp_path / "report.xlsx"
    code, out, err = run(
        "report", "--from", "2026-01-01", "--to", "2026-12-31", "--xlsx", str(book), "-w", str(root)
    )  # fmt: skip
    assert code == 0, err
    assert "## Minimal Motors" in out and "Letters: 1, answered: 1 (100%); median time to reply: 80 days." in out
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Summary", "Objectives", "Activity", "Outcomes", "Escalation"]
    summary = list(wb["Summary"].values)
    assert summary[1][:7] == ("minimal-record", "Minimal Motors", "responded", 1, 1, 1, 80)
    activity = list(wb["Activity"].values)
    assert activity[1][:3] == ("minimal-record", "2026-09-01", "letter")
    assert "reply by 13 October 2026" in activity[1][3]
    outcomes = list(wb["Outcomes"].values)
    assert outcomes[1][:3] == ("minimal-record", "2026-11-20", "response") and "answering q1" in outcomes[1][3]
    first = book.read_bytes()
    run("report", "--from", "2026-01-01", "--to", "2026-12-31", "--xlsx", str(book), "-w", str(root))
    assert book.read_bytes() == first  # byte-reproducible
    code, _, err = run("report", "--from", "2026-12-31", "--to", "2026-01-01", "-w", str(root))
    assert code == 2 and "before --from" in err


def test_compare_shows_replies_beside_the_risk_score(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, LETTER + RESPONSE)
    code, out, err = run("compare", "-w", str(root), "--as-of", "2026-12-01")
    assert code == 0, err
    assert "replies (not blended)" in out and "1/1 answered, median 80 d" in out


def test_init_gives_an_example_log_that_checks_and_the_repository_ships_none(tmp_path: Path) -> None:
    code, _, err = run("init", str(tmp_path / "season"))
    assert code == 0, err
    root = tmp_path / "season"
    assert (root / "engagements" / "example-motors.yaml").is_file()
    code, _, err = run("log", "example-motors", "call", "--date", "2026-09-05", "-w", str(root))
    assert code == 0, err
    code, _, err = run("check", "-w", str(root), "--as-of", "2026-09-05")
    assert code == 0, err
    assert not (Path(__file__).parent.parent / "engagements").exists()
