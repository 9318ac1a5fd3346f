"""Edges of the engagement log: refusals located in the real file, the schema and the loader agreeing, the agenda."""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data"

# The events come first and the objectives after them: an event added goes between the two.
EVENTS_FIRST = """\
events:
  - date: 2026-09-01
    kind: letter
    asks: [fpic-policy]
    respond_by: 2026-10-13
# The objectives, kept below the events on purpose.
objectives:
  - {id: fpic-policy, area: fpic, ask: "Adopt an FPIC policy"}
  - {id: smelters, area: mineral, ask: "Publish the smelters"}
"""


def make_workspace(root: Path, log: str) -> Path:
    (root / "companies").mkdir(parents=True)
    shutil.copy(DATA / "valid" / "minimal-record.yaml", root / "companies" / "minimal-record.yaml")
    (root / "engagements").mkdir()
    (root / "engagements" / "minimal-record.yaml").write_text(log, encoding="utf-8")
    return root


def run(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from engage.cli.main import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_refused_event_names_lines_of_the_real_file_and_the_new_event_apart(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, EVENTS_FIRST)
    code, _, err = run(
        "log", "minimal-record", "milestone", "--date", "2026-11-22", "--objective", "fpic-policy", "--level", "5",
        "-w", str(root), "--as-of", "2026-12-01",
    )  # fmt: skip
    assert code == 1 and "Traceback" not in err
    # The bad area is on line 9 of the file as it is (line 14 of the text with the event added).
    assert "engagements/minimal-record.yaml:9:26: objectives[1].area: 'mineral' is not one of" in err
    # The new event is on no line of the file: the problem says where it is instead.
    assert (
        "engagements/minimal-record.yaml: events[1].level: 5 is above the maximum 4 "
        "(in the new event; nothing was written)" in err
    )
    assert ":14:" not in err and ":10:" not in err
    assert (root / "engagements" / "minimal-record.yaml").read_text(encoding="utf-8") == EVENTS_FIRST


def test_a_refused_event_in_an_empty_list_names_the_lines_after_it_as_they_are(tmp_path: Path) -> None:
    log = "events: []  # none yet\nobjectives:\n  - {id: smelters, area: mineral, ask: Publish the smelters}\n"
    root = make_workspace(tmp_path, log)
    code, _, err = run("log", "minimal-record", "call", "--date", "2026-11-22", "-w", str(root))
    assert code == 1
    assert "engagements/minimal-record.yaml:3:26: objectives[0].area: 'mineral' is not one of" in err, err


# --------------------------------------------------------------------------- the schema and the loader agree

SCHEMA_BASE = """\
objectives:
  - {id: fpic-policy, area: fpic, ask: "Adopt an FPIC policy", set: 2026-03-01}
events:
  - {date: 2026-09-01, kind: letter, respond_by: 2026-10-13, asks: [fpic-policy]}
"""
# Null is a field not given, in the loader and in the schema alike.
NULL_CASES = {
    "a field of another kind, null": ("  - {date: 2026-10-05, kind: meeting, with: CFO, level: null}\n", True),
    "a field of another kind, empty": ("  - date: 2026-10-05\n    kind: meeting\n    level:\n", True),
    "a field of another kind, given": ("  - {date: 2026-10-05, kind: meeting, level: 2}\n", False),
    "an optional field of the kind, null": (
        "  - {date: 2026-10-05, kind: letter, respond_by: 2026-11-13, stage: null}\n",
        True,
    ),
    "a required field, null": (
        "  - {date: 2026-10-05, kind: vote, meeting: 2026-10-05, item: Chair, how: null}\n",
        False,
    ),
    "evidence at level 3, null": (
        "  - {date: 2026-10-05, kind: milestone, objective: fpic-policy, level: 3, evidence: null}\n",
        False,
    ),
    "evidence at level 3, missing": (
        "  - {date: 2026-10-05, kind: milestone, objective: fpic-policy, level: 4}\n",
        False,
    ),
    "no evidence at level 2": ("  - {date: 2026-10-05, kind: milestone, objective: fpic-policy, level: 2}\n", True),
}


def test_the_log_schema_and_the_loader_agree_on_null_and_on_evidence(tmp_path: Path) -> None:
    import jsonschema

    from engage.engagement.log import load_log
    from engage.errors import DataError
    from engage.schema import log_schema
    from engage.taxonomy import AREA_KEYS, load_taxonomy
    from engage.yamlsafe import compose_text, plain_value

    schema = log_schema(load_taxonomy())
    path = tmp_path / "minimal-record.yaml"
    for name, (event, valid) in NULL_CASES.items():
        text = SCHEMA_BASE + event
        path.write_text(text, encoding="utf-8")
        try:
            load_log(path, AREA_KEYS, None, (), tmp_path)
            loads = True
        except DataError:
            loads = False
        node = compose_text(text)
        assert node is not None
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(plain_value(node)))
        assert (loads, not errors) == (valid, valid), (name, loads, [e.message for e in errors])


# --------------------------------------------------------------------------- the agenda

OVERDUE = """\
events:
  - {date: 2026-09-01, kind: letter, respond_by: 2026-10-13}
"""


def test_the_agenda_lists_an_overdue_engagement_without_an_agm_in_the_window(tmp_path: Path) -> None:
    import json

    root = make_workspace(tmp_path, OVERDUE)
    code, out, err = run("agenda", "-w", str(root), "--as-of", "2026-11-15", "--within", "30d", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert (row["company"], row["listed_for"], row["engagement"]["state"]) == (
        "minimal-record",
        "engagement",
        "overdue",
    )
    assert row["engagement"]["next_step"].startswith("Send a follow-up letter")
    code, out, _ = run("agenda", "-w", str(root), "--as-of", "2026-11-15", "--within", "30d")
    assert code == 0
    text = " ".join(out.split())
    assert (
        "0 AGMs between 2026-11-15 and 2026-12-15; 1 more listed for an engagement overdue or due an escalation" in text
    )
    # Awaiting a reply is not due: the agenda stays empty.
    code, out, _ = run("agenda", "-w", str(root), "--as-of", "2026-10-01", "--within", "30d", "--json")
    assert code == 0 and json.loads(out) == []
    # A reply takes it off again.
    log = root / "engagements" / "minimal-record.yaml"
    log.write_text(OVERDUE + "  - {date: 2026-11-01, kind: response}\n", encoding="utf-8")
    code, out, _ = run("agenda", "-w", str(root), "--as-of", "2026-11-15", "--within", "30d", "--json")
    assert code == 0 and json.loads(out) == []
