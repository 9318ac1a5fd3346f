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
