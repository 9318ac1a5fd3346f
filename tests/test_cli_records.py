"""The record commands through click's CliRunner: exact messages and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from engage.cli.main import cli
from engage.schema import record_schema
from engage.taxonomy import load_taxonomy
from engage.yamlsafe import compose_file, plain_value

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, "engage, version 0.1.0")
    code, out, _ = run("--help")
    assert code == 0 and "engage check" in out
    for command in ("check", "list", "init", "schema"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Example" in out, command


def test_check_passes_on_valid_records(workspace: Path) -> None:
    code, _, err = run("check", "--workspace", str(workspace), "--as-of", "2024-06-01")
    assert code == 0
    assert err.splitlines()[-1] == ("checked 4 companies: 0 errors, 14 warnings (6 no-response, 8 no-url)")


def test_check_reports_errors_with_file_line_field_and_exits_1(workspace: Path) -> None:
    shutil.copy(DATA / "invalid" / "severity-typo.yaml", workspace / "companies")
    code, _, err = run("check", "-w", str(workspace), "-q", "--as-of", "2024-06-01")
    assert code == 1
    assert err.splitlines() == [
        "error: companies/severity-typo.yaml:9:15: allegations[0].severity: "
        "'hgih' is not one of low, medium, high, severe (did you mean 'high'?)",
        "checked 5 companies: 1 error in 1 file, 14 warnings (6 no-response, 8 no-url)",
    ]


def test_check_strict_fails_on_warnings(workspace: Path) -> None:
    code, _, _ = run("check", "full-record", "-w", str(workspace), "--as-of", "2024-06-01", "--strict")
    assert code == 1
    code, _, _ = run("check", "minimal-record", "-w", str(workspace), "--strict")
    assert code == 0


def test_check_unknown_company_is_a_usage_error(workspace: Path) -> None:
    code, _, err = run("check", "full-recrod", "-w", str(workspace))
    assert code == 2
    assert err.strip() == "Error: no company 'full-recrod' in companies/ (did you mean 'full-record'?)"


def test_bad_as_of_is_a_usage_error(workspace: Path) -> None:
    code, _, err = run("check", "-w", str(workspace), "--as-of", "2024-02-30")
    assert code == 2
    assert "'2024-02-30' is not a date; expected YYYY-MM-DD" in err


def test_not_a_workspace(tmp_path: Path) -> None:
    code, _, err = run("list", "-w", str(tmp_path))
    assert code == 2
    assert "is not an engage workspace (no companies/ folder)" in err
    assert "engage init" in err


def test_workspace_from_environment(workspace: Path) -> None:
    code, out, _ = run("list", "--json", env={"ENGAGE_WORKSPACE": str(workspace)})
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == [
        "dates-in-every-form",
        "full-record",
        "minimal-record",
        "yaml-traps-stay-text",
    ]


def test_list_json_and_table(workspace: Path) -> None:
    shutil.copy(DATA / "invalid" / "severity-typo.yaml", workspace / "companies")
    code, out, _ = run("list", "--json", "-w", str(workspace))
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["full-record"] == {
        "id": "full-record",
        "name": "Example Motors AG",
        "country": "DE",
        "agm": "2027-05-14",
        "agm_expected": False,
        "allegations": 1,
        "commitments": 1,
        "policies": 2,
        "newest": "2024",
    }
    assert rows["severity-typo"] == {"id": "severity-typo", "errors": 1}
    code, out, _ = run("list", "-w", str(workspace))
    assert code == 0 and "Example Motors AG" in out and "run engage check" in out


def test_init_creates_a_workspace_that_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "campaign"
    code, _, err = run("init", str(target))
    assert code == 0, err
    assert (target / "companies" / "example-motors.yaml").is_file()
    assert (target / "engage.yaml").is_file() and (target / "templates").is_dir()
    code, _, err = run("check", "-w", str(target), "--as-of", "2025-06-01")
    assert code == 0, err
    code, _, err = run("init", str(target))
    assert code == 2 and "not overwriting existing file(s)" in err


def test_record_text_is_not_rich_markup(tmp_path: Path) -> None:
    (tmp_path / "companies").mkdir()
    (tmp_path / "companies" / "markup.yaml").write_text("name: '[red]AT&T <Inc>[/red]'\ncountry: US\n")
    code, out, _ = run("list", "-w", str(tmp_path))
    assert code == 0 and "[red]AT&T <Inc>[/red]" in out


def _documents() -> list[Path]:
    shipped = sorted((REPO / "companies").glob("*.yaml"))
    return sorted((DATA / "valid").glob("*.yaml")) + shipped


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.stem)
def test_schema_accepts_what_the_loader_accepts(path: Path) -> None:
    schema = record_schema(load_taxonomy())
    node = compose_file(path)
    jsonschema.validate(plain_value(node) if node is not None else {}, schema)


SCHEMA_REJECTS = [
    "severity-typo",
    "unknown-key",
    "misspelt-key",
    "unknown-area",
    "non-http-url",
    "missing-required",
    "missing-sources",
    "bad-country",
    "wrong-type-areas",
    "not-a-mapping",
    "agm-not-full-date",
    "policy-status-typo",
    "policy-kind-unknown",
    "policy-missing-sources",
    "policy-missing-status",
    "policy-unknown-field",
    "legal-name-not-text",
]


@pytest.mark.parametrize("name", SCHEMA_REJECTS)
def test_schema_rejects_what_the_loader_rejects(name: str) -> None:
    schema = record_schema(load_taxonomy())
    node = compose_file(DATA / "invalid" / f"{name}.yaml")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(plain_value(node), schema)


def test_schema_command_prints_valid_json_schema(workspace: Path) -> None:
    code, out, _ = run("schema", "-w", str(workspace))
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["name"]
    assert "workers-rights" in schema["properties"]["allegations"]["items"]["properties"]["areas"]["items"]["enum"]
    policy = schema["properties"]["policies"]["items"]
    assert policy["required"] == ["id", "title", "date", "areas", "kind", "status", "sources"]
    assert policy["properties"]["status"]["enum"] == ["none-found", "adopted", "implemented", "verified"]
    assert "none-found" in policy["properties"]["status"]["description"]


def test_settings_errors_name_the_line(workspace: Path) -> None:
    (workspace / "engage.yaml").write_text("organisation:\n  nme: X\n")
    from engage.cli.main import open_workspace
    from engage.errors import DataError

    with pytest.raises(DataError) as info:
        open_workspace(str(workspace))
    assert [str(p) for p in info.value.problems] == [
        "engage.yaml:2:3: organisation.nme: unknown field 'nme' (did you mean 'name'?)",
        "engage.yaml:2:3: organisation.name: is required",
    ]


def test_workspace_taxonomy_override(workspace: Path) -> None:
    (workspace / "taxonomy.yaml").write_text(
        yaml.safe_dump(
            {
                "version": 7,
                "materials": ["palladium"],
                "areas": [{"key": "steel", "title": "Steel (ours)", "short": "Steel", "description": "d"}],
            }
        )
    )
    t = load_taxonomy(workspace)
    assert t.version == 7 and t.area("steel").title == "Steel (ours)" and "palladium" in t.materials
    assert t.area("steel").standards  # kept from the packaged area


def test_weight_overrides_are_checked_with_file_and_line(workspace: Path) -> None:
    (workspace / "engage.yaml").write_text(
        "prepared_by: Us\nweights:\n  allegations:\n    recency:\n      flor: 0.3\n  sccores: {}\n"
    )
    code, _, err = run("check", "-w", str(workspace))
    assert code == 1
    assert err.splitlines()[:2] == [
        "error: engage.yaml:5:7: weights.allegations.recency.flor: unknown key 'flor'; "
        "known keys: full_months, half_life_months, floor",
        "error: engage.yaml:6:3: weights.sccores: unknown key 'sccores'; "
        "known keys: version, allegations, commitments, policies, baseline, scores, time, gaps, opportunities",
    ]
    (workspace / "engage.yaml").write_text("weights:\n  allegations:\n    recency: {floor: 0.3}\n")
    code, _, err = run("check", "-w", str(workspace))
    assert code == 0, err


def test_every_command_has_help_with_an_example() -> None:
    for name in cli.commands:
        code, out, _ = run(name, "--help")
        assert code == 0, name
        assert "Example" in out, f"engage {name} --help has no example"
        assert "-q, --quiet" in out and "-v, --verbose" in out, name


def test_options_can_be_set_from_engage_environment_variables(workspace: Path) -> None:
    env = {"ENGAGE_WORKSPACE": str(workspace), "ENGAGE_AS_OF": "2024-06-01"}
    code, _, _ = run("check", "minimal-record", env=env)
    assert code == 0
    code, _, err = run("check", "full-record", env={**env, "ENGAGE_CHECK_STRICT": "1"})
    assert code == 1 and "warning:" in err


def test_no_color_and_non_terminal_output_carry_no_escape_codes(workspace: Path) -> None:
    shutil.copy(DATA / "invalid" / "severity-typo.yaml", workspace / "companies")
    code, out, err = run("check", "-w", str(workspace), env={"NO_COLOR": "1"})
    assert code == 1 and "\x1b[" not in out + err


def test_every_option_reads_the_environment_variable_named_after_its_flag(workspace: Path) -> None:
    shared = {"ENGAGE_AS_OF", "ENGAGE_WORKSPACE", "ENGAGE_OUT"}
    for name, command in cli.commands.items():
        for param in command.params:
            longs = [o for o in getattr(param, "opts", []) if o.startswith("--")]
            if not longs or not param.expose_value:
                continue
            expected = f"ENGAGE_{name.upper()}_{longs[0][2:].upper().replace('-', '_')}"
            assert param.envvar in shared | {expected}, (name, longs[0], param.envvar)
    code, out, _ = run("list", env={"ENGAGE_WORKSPACE": str(workspace), "ENGAGE_LIST_JSON": "1"})
    assert code == 0 and json.loads(out)


def test_files_named_like_records_are_never_skipped_silently(workspace: Path) -> None:
    companies = workspace / "companies"
    (companies / "folder.yaml").mkdir()
    (companies / "dangling.yaml").symlink_to(workspace / "nowhere.yaml")
    shutil.copy(companies / "minimal-record.yaml", companies / "shouting.YAML")
    code, _, err = run("check", "-w", str(workspace), "-q", "--as-of", "2024-06-01")
    assert code == 1
    assert "error: companies/folder.yaml: cannot read file: Is a directory" in err
    assert "error: companies/dangling.yaml: cannot read file: No such file or directory" in err
    assert "error: companies/shouting.YAML: record files must end in .yaml" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--as-of", "0001-01-01"), "'0001-01-01' is outside the dates engage works with"),
        (("agenda", "--as-of", "9999-12-31"), "'9999-12-31' is outside the dates engage works with"),
        (("agenda", "--within", "99999999d"), "'99999999d' is too long a span; give at most 100 years"),
    ],
)
def test_dates_beyond_what_engage_works_with_are_usage_errors(
    workspace: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(*args, "-w", str(workspace))
    assert code == 2 and message in err


def test_an_agm_before_the_as_of_date_is_a_warning(workspace: Path) -> None:
    code, _, err = run("check", "full-record", "-w", str(workspace), "--as-of", "2027-06-01")
    assert code == 0
    assert "full-record.yaml:4:6: agm: the AGM on record (2027-05-14) is before 2027-06-01; record the next one" in err


def _record(workspace: Path, name: str, text: str) -> Path:
    path = workspace / "companies" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


FUTURE = """\
name: Future Motors
country: DE
allegations:
  - id: typo
    title: An allegation dated in the far future
    date: 2099-01
    areas: [steel]
    severity: high
    status: alleged
    company_response: None given.
    sources:
      - {title: Report, url: https://example.org/a, date: 2024-01-01}
      - {title: Later report, url: https://example.org/b, date: 2099-02-01}
"""


def test_dates_after_the_as_of_date_are_warned_about_with_file_and_line(workspace: Path) -> None:
    _record(workspace, "future-motors", FUTURE)
    code, _, err = run("check", "future-motors", "-w", str(workspace), "--as-of", "2026-12-01")
    assert code == 0
    assert "companies/future-motors.yaml:6:11: allegations[0].date: 'typo' is dated 2099-01, after 2026-12-01" in err
    assert "companies/future-motors.yaml:13:65: allegations[0].sources[1].date: source 'Later report'" in err


def test_a_year_after_2100_is_an_error(workspace: Path) -> None:
    _record(workspace, "far", FUTURE.replace("2099-01\n", "2101-01\n"))
    code, _, err = run("check", "far", "-w", str(workspace), "-q", "--as-of", "2026-12-01")
    assert code == 1
    assert "companies/far.yaml:6:11: allegations[0].date: '2101-01' has an implausible year 2101" in err


@pytest.mark.parametrize(("escape", "shown"), [("\\0", "U+0000"), ("\\x07", "U+0007"), ("\\u202e", "U+202E")])
def test_escaped_control_and_bidi_characters_are_errors(workspace: Path, escape: str, shown: str) -> None:
    _record(
        workspace,
        "hidden",
        FUTURE.replace("2099-01", "2024-01").replace(
            "title: An allegation dated in the far future", f'title: "a{escape}b"'
        ),
    )
    code, _, err = run("check", "hidden", "-w", str(workspace), "-q", "--as-of", "2026-12-01")
    assert code == 1
    assert "companies/hidden.yaml:5:12: allegations[0].title: contains" in err and shown in err


def test_emoji_codes_in_record_text_print_as_typed(workspace: Path) -> None:
    _record(workspace, "acme", "name: 'Acme :smile:'\ncountry: DE\n")
    code, out, _ = run("list", "-w", str(workspace))
    assert code == 0 and "Acme :smile:" in out and "😄" not in out


def test_inside_companies_folder_points_to_the_workspace(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace / "companies")
    code, _, err = run("check")
    assert code == 2
    assert "inside the companies/ folder of the workspace" in err
    assert "engage init" not in err


def test_check_json_lists_each_problem_with_file_line_and_field(workspace: Path) -> None:
    shutil.copy(DATA / "invalid" / "severity-typo.yaml", workspace / "companies")
    code, out, _ = run("check", "-w", str(workspace), "--json", "--as-of", "2024-06-01")
    assert code == 1
    data = json.loads(out)
    assert data["broken"] == ["severity-typo"] and data["errors"] == 1
    (error,) = [p for p in data["problems"] if p["level"] == "error"]
    assert error == {
        "path": "companies/severity-typo.yaml",
        "line": 9,
        "column": 15,
        "field": "allegations[0].severity",
        "message": "'hgih' is not one of low, medium, high, severe (did you mean 'high'?)",
        "level": "error",
        "kind": "",
    }
    assert all({"path", "line", "field", "message"} <= set(p) for p in data["problems"])


def test_a_language_engage_cannot_write_is_refused(workspace: Path) -> None:
    (workspace / "engage.yaml").write_text("language: de\n", encoding="utf-8")
    code, _, err = run("check", "-w", str(workspace), "-q")
    assert code == 1
    assert "engage.yaml:1:11: language: 'de' is not one of en, en-GB, en-US" in err


def test_a_link_to_a_record_outside_companies_is_refused(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("name: Outside Ltd\ncountry: DE\n", encoding="utf-8")
    (workspace / "companies" / "linked.yaml").symlink_to(outside)
    code, _, err = run("check", "linked", "-w", str(workspace), "-q")
    assert code == 1
    assert "companies/linked.yaml: is a link to a file outside its folder" in err
    assert "Outside Ltd" not in err


@pytest.mark.parametrize(("broken", "expected"), [(False, 0), (True, 1)])
def test_a_reader_that_stops_reading_does_not_change_the_exit_code(
    workspace: Path, broken: bool, expected: int
) -> None:
    """`engage check | head -1` exited 1 on a clean workspace: a closed pipe is not a failure."""
    import subprocess
    import sys

    if broken:
        shutil.copy(DATA / "invalid" / "severity-typo.yaml", workspace / "companies")
    command = f"'{sys.executable}' -m engage check -w '{workspace}' --as-of 2024-06-01 2>&1 | true"
    done = subprocess.run(["bash", "-c", command + '; exit "${PIPESTATUS[0]}"'], capture_output=True, timeout=60)
    assert done.returncode == expected, done.stderr
