"""CLI plumbing of `engage brief` and `engage doctor`: outputs, messages and exit codes."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from engage.cli.main import cli
from tests.regen_golden import WORKSPACE

AS_OF = "2026-11-01"


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_brief_writes_the_documented_path(ws: Path) -> None:
    code, _out, err = run("brief", "acme", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0, err
    target = ws / "briefs" / "acme" / "brief.pdf"
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert f"wrote briefs/acme/brief.pdf ({len(reader.pages)} pages, " in err
    assert reader.metadata is not None and reader.metadata.title.startswith("Acme Motors")
    assert not any(p.name.endswith(".tmp") for p in target.parent.iterdir())


def test_brief_all_html_letter_paper_and_out(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    code, _out, err = run("brief", "--all", "--format", "html", "--as-of", AS_OF, "-w", str(ws), "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["acme", "peer", "quiet"]
    html = (out / "acme" / "brief.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
    assert "3 of 3 briefs written" in err
    code, _out, err = run("brief", "quiet", "--paper", "letter", "--as-of", AS_OF, "-w", str(ws), "--out", str(out))
    assert code == 0, err
    box = PdfReader(out / "quiet" / "brief.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


@pytest.mark.slow
def test_same_as_of_gives_the_same_bytes(ws: Path) -> None:
    target = ws / "briefs" / "peer" / "brief.pdf"
    assert run("brief", "peer", "--as-of", AS_OF, "-w", str(ws))[0] == 0
    first = target.read_bytes()
    assert run("brief", "peer", "--as-of", AS_OF, "-w", str(ws))[0] == 0
    assert target.read_bytes() == first


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "Error: name at least one company (see `engage list`) or pass --all"),
        (("acme", "--all"), "Error: give company ids or --all, not both"),
        (("acmee",), "Error: no company 'acmee' in companies/ (did you mean 'acme'?)"),
    ],
)
def test_usage_errors(ws: Path, args: tuple[str, ...], message: str) -> None:
    code, _out, err = run("brief", *args, "--as-of", AS_OF, "-w", str(ws))
    assert code == 2
    assert message in err


def test_bad_option_values(ws: Path) -> None:
    result = CliRunner().invoke(cli, ["brief", "acme", "--paper", "a3", "-w", str(ws)])
    assert result.exit_code == 2
    assert "Invalid value for '--paper'" in result.stderr


@pytest.mark.slow
def test_broken_template_fails_with_exit_3_and_keeps_the_old_brief(ws: Path) -> None:
    assert run("brief", "acme", "--as-of", AS_OF, "-w", str(ws))[0] == 0
    target = ws / "briefs" / "acme" / "brief.pdf"
    good = target.read_bytes()
    (ws / "templates").mkdir()
    (ws / "templates" / "_cover.html.j2").write_text("{{ brief.missing_field }}")
    code, _out, err = run("brief", "acme", "quiet", "--as-of", AS_OF, "-w", str(ws))
    assert code == 3
    assert "error: acme: template error in brief.html.j2" in err
    assert "missing_field" in err
    assert "0 of 2 briefs written" in err
    assert target.read_bytes() == good
    assert not any(p.name.endswith(".tmp") for p in target.parent.iterdir())


@pytest.mark.slow
def test_workspace_template_override_reaches_the_pdf(ws: Path) -> None:
    (ws / "templates").mkdir()
    (ws / "templates" / "brief.html.j2").write_text(
        '{% extends "engage/brief.html.j2" %}{% block questions %}<section id="questions">'
        "<h2>Questions from the house</h2></section>{% endblock %}"
    )
    assert run("brief", "acme", "--as-of", AS_OF, "-w", str(ws))[0] == 0
    text = " ".join(p.extract_text() or "" for p in PdfReader(ws / "briefs" / "acme" / "brief.pdf").pages)
    assert "Questions from the house" in text


def test_a_broken_record_exits_1_and_others_still_render(ws: Path) -> None:
    (ws / "companies" / "broken.yaml").write_text("name: Broken\ncountry: XX\n")
    code, _out, err = run("brief", "broken", "quiet", "--as-of", AS_OF, "-w", str(ws))
    assert code == 1
    assert "companies/broken.yaml:2" in err
    assert (ws / "briefs" / "quiet" / "brief.pdf").is_file()
    assert "1 of 2 briefs written" in err


def test_doctor_all_good_here() -> None:
    code, out, _err = run("doctor")
    assert code == 0, out
    assert "All good" in out
    code, out, _err = run("doctor", "--json")
    report = json.loads(out)
    assert report["ok"] is True and report["versions"]["weasyprint"] == "70.0"
    assert [c["name"] for c in report["checks"]][-1] == "Test render"


def test_doctor_exits_3_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    code, out, _err = run("doctor", "--no-render")
    assert code == 3
    assert "sudo apt-get install libharfbuzz-subset0" in out
