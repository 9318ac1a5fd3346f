"""engage batch and engage agenda from the command line: options, progress lines, exit codes, Ctrl-C, real PDFs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_fakes import FAKE_KINDS, fake_renderer
from click.testing import CliRunner
from test_batch import COMPANIES, company_yaml, write_workspace

from engage.batch import KINDS
from engage.batch import run as batch_run
from engage.cli.main import cli

TESTS = Path(__file__).parent
REPO = TESTS.parent
AS_OF = "2026-11-01"

DRIVER = f"""\
import sys
sys.path[:0] = [{str(TESTS)!r}, {str(REPO)!r}]
import engage.batch as b
import engage.batch.run as r
from batch_fakes import FAKE_KINDS, fake_renderer
b.KINDS.update(FAKE_KINDS)
r._default_renderer = fake_renderer
from engage.cli.main import main
if __name__ == "__main__":
    main()
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace of four small companies with signatories."""
    return write_workspace(tmp_path)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `engage batch` use the fake document kinds and renderer (no WeasyPrint)."""
    for name, kind in FAKE_KINDS.items():
        monkeypatch.setitem(KINDS, name, kind)
    monkeypatch.setattr(batch_run, "_default_renderer", fake_renderer)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------- options


def test_help_documents_selection_sharding_and_exit_codes() -> None:
    code, out, _ = run("batch", "--help")
    assert code == 0
    for text in ("--agm-within", "--agm-before", "--only", "--jobs", "--force", "--dry-run", "--shard", "130"):
        assert text in out
    assert "manifest.shard-K-of-N.json" in out and "--merge-manifests" in out
    code, out, _ = run("agenda", "--help")
    assert code == 0 and "--within" in out and "failed last time" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Error: name companies, or pass --all, --agm-within DAYS or --agm-before DATE"),
        (("--all", "alpha"), "Error: choose one of: company ids, --all, --agm-within, --agm-before"),
        (("--all", "--shard", "3/2"), "Invalid value for '--shard': shard 3/2 does not exist"),
        (("--all", "--only", "brief,memo"), "Invalid value for '--only': 'memo' is not one of brief, letter"),
        (("--agm-within", "soon"), "Invalid value for '--agm-within': 'soon' is not a duration"),
        (("--all", "--respond-by", "2026-10-01"), "Error: --respond-by 2026-10-01 is not after the letter date"),
        (("nobody",), "Error: no company 'nobody' in companies/"),
    ],
)
def test_usage_errors_exit_2(ws: Path, fakes: None, args: tuple[str, ...], message: str) -> None:
    code, _, err = run("batch", "-w", str(ws), "--as-of", AS_OF, *args)
    assert code == 2
    assert message in " ".join(err.split())


# --------------------------------------------------------------------------- runs


def test_plain_progress_lines_summary_and_second_run(ws: Path, fakes: None) -> None:
    code, out, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--jobs", "2")
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == "4 selected: 4 to do, 0 up to date"
    done = sorted(line for line in lines if line.startswith("["))
    assert len(done) == 4
    assert done[0].startswith("[1/4] ") and ": rendered brief.pdf, letter.md (" in done[0] and done[0].endswith(" s)")
    assert "rendered" in out and "4  companies (8 files)" in " ".join(out.split("\n"))
    assert "index" in out and "peak of a worker" in out
    code, out, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF)
    assert code == 0
    assert err.splitlines() == ["4 selected: 0 to do, 4 up to date"]
    assert [line.split() for line in out.splitlines()[:3]] == [
        ["rendered", "0", "companies"],
        ["skipped", "4", "up", "to", "date"],
        ["failed", "0"],
    ]


def test_pre_agm_letters_without_an_agm_and_weekend_deadlines_are_warned_about(ws: Path, fakes: None) -> None:
    args = ("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--only", "letter", "--stage", "pre-agm")
    code, _, err = run(*args, "--respond-by", "2026-12-26")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: --respond-by 2026-12-26 is a Saturday; the letter asks for a response on that day as given "
        "(the last working day before it is 2026-12-24)",
        "warning: delta: no upcoming AGM is recorded, so the pre-AGM letter names no meeting date; "
        "add 'agm: YYYY-MM-DD' to delta.yaml to name it",
    ]
    (ws / "companies" / "gamma.yaml").write_text(company_yaml("Gamma Auto"), encoding="utf-8")
    code, _, err = run(*args, "--force")
    assert "warning: 2 companies have no announced AGM on record (delta, gamma)" in err
    code, _, err = run(*args)  # nothing to render: nothing to warn about
    assert "warning:" not in err


def test_quiet_prints_failures_only(ws: Path, fakes: None) -> None:
    (ws / "companies" / "beta.yaml").write_text(COMPANIES["beta"].replace("severity: low", "severity: lowish"))
    code, out, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "-q")
    assert code == 1
    assert out == ""
    assert err.startswith("error: beta: companies/beta.yaml:") and "severity" in err
    assert len(err.strip().splitlines()) == 1


def test_render_failure_exits_3_and_names_the_reason(ws: Path, fakes: None) -> None:
    (ws / "companies" / "gamma.yaml").write_text(company_yaml("Gamma render-fail"))
    code, out, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF)
    assert code == 3
    assert "[4/4]" in err or "failed: brief: template error" in err
    assert "error: gamma: brief: template error in brief.html.j2: boom" in err
    assert "1 render failure" in out


def test_dry_run_says_what_and_why_and_writes_nothing(ws: Path, fakes: None) -> None:
    code, out, _ = run("batch", "--agm-within", "60d", "-w", str(ws), "--as-of", AS_OF, "--dry-run")
    assert code == 0
    assert not (ws / "briefs").exists()
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["company", "agm", "band", "document", "action", "why"]
    assert rows[1][:1] == ["alpha"] and rows[1][-3:] == ["brief", "render", "new"]
    assert out.splitlines()[-1].startswith("2 selected (AGM between 2026-11-01 and 2026-12-31): 2 to render")


def test_agenda_table_and_json(ws: Path, fakes: None) -> None:
    run("batch", "alpha", "-w", str(ws), "--as-of", AS_OF)
    code, out, _ = run("agenda", "-w", str(ws), "--as-of", AS_OF, "--within", "200d")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["agm", "days", "company", "band", "documents", "as", "of", "detail"]
    assert rows[1][:3] == ["2026-11-20", "19", "Beta"] and "missing" in rows[1]
    assert " ".join(rows[2]).endswith("Alpha Motors low up to date 2026-11-01")
    assert out.splitlines()[-1].startswith("3 AGMs between 2026-11-01 and 2027-05-20:")
    code, out, _ = run("agenda", "-w", str(ws), "--as-of", AS_OF, "--within", "30d", "--json")
    data = json.loads(out)
    assert [(r["company"], r["state"]) for r in data] == [("beta", "missing"), ("alpha", "up to date")]


@pytest.mark.slow
def test_shards_then_merge(ws: Path, fakes: None) -> None:
    for k in (1, 2):
        code, _, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--shard", f"{k}/2")
        assert code == 0, err
    code, _, err = run("batch", "--merge-manifests", "-w", str(ws))
    assert code == 0 and "merged 2 shard manifests into" in err
    assert sorted(p.name for p in (ws / "briefs").glob("manifest*.json")) == ["manifest.json"]
    code, _, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF)
    assert err.splitlines()[0] == "4 selected: 0 to do, 4 up to date"


# --------------------------------------------------------------------------- Ctrl-C


def _start(ws: Path, tmp_path: Path, *args: str, slow: bool) -> subprocess.Popen[str]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    # Slow enough that workers left running after Ctrl-C (the queued tasks run to the end) blow the limit below.
    env = {**os.environ, "FAKE_SLOW": "1.5", "PYTHONPATH": f"{TESTS}{os.pathsep}{REPO}"}
    if slow:
        env["FAKE_SLOW_ALL"] = "1"
    return subprocess.Popen(
        [sys.executable, str(driver), "batch", "--all", "-w", str(ws), "--as-of", AS_OF, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C sees it
        # A shell without job control starts background jobs with SIGINT ignored, and an ignored
        # signal survives exec: give the CLI the default handling a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.slow
def test_ctrl_c_stops_promptly_cleanly_and_the_next_run_finishes(ws: Path, tmp_path: Path) -> None:
    for i in range(8):
        (ws / "companies" / f"extra-{i}.yaml").write_text(company_yaml(f"Extra {i}"), encoding="utf-8")
    proc = _start(ws, tmp_path, "--jobs", "2", slow=True)
    deadline = time.monotonic() + 30
    while not list((ws / "briefs").glob("*/letter.md")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # the whole group: the CLI and its workers
    interrupted = time.monotonic()
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert time.monotonic() - interrupted < 5
    assert "Interrupted" in err
    assert not list((ws / "briefs").rglob("*.tmp")), "temporary files left behind"
    manifest = json.loads((ws / "briefs" / "manifest.json").read_text())
    done = {cid for cid, e in manifest["companies"].items() if e["documents"].get("letter", {}).get("status") == "ok"}
    assert done and len(done) < 12
    for cid in done:  # what the manifest records is really there, whole
        for rel, info in manifest["companies"][cid]["documents"]["brief"]["outputs"].items():
            assert hashlib.sha256((ws / "briefs" / rel).read_bytes()).hexdigest() == info["sha256"]

    proc = _start(ws, tmp_path, slow=False)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err.splitlines()[0] == f"12 selected: {12 - len(done)} to do, {len(done)} up to date"
    rendered = {m.group(1) for m in re.finditer(r"^\[\s*\d+/\d+\] ([^:]+):", err, re.M)}
    assert rendered == ({f"extra-{i}" for i in range(8)} | set(COMPANIES)) - done


# --------------------------------------------------------------------------- real documents


@pytest.mark.slow
def test_real_pdfs_then_an_up_to_date_run_without_weasyprint(ws: Path) -> None:
    for cid in ("beta", "gamma", "delta"):
        (ws / "companies" / f"{cid}.yaml").unlink()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = ["batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--letter-format", "pdf"]
    first = subprocess.run([sys.executable, "-m", "engage", *args], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    briefs = ws / "briefs"
    for rel in ("alpha/brief.pdf", "alpha/letter.pdf", "index.pdf"):
        assert (briefs / rel).read_bytes().startswith(b"%PDF-"), rel
    from pypdf import PdfReader

    assert "Alpha Motors" in PdfReader(str(briefs / "alpha" / "brief.pdf")).pages[0].extract_text()
    assert 'href="alpha/brief.pdf"' in (briefs / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((briefs / "manifest.json").read_text())
    outputs = manifest["companies"]["alpha"]["documents"]["letter"]["outputs"]
    assert (
        hashlib.sha256((briefs / "alpha" / "letter.pdf").read_bytes()).hexdigest()
        == outputs["alpha/letter.pdf"]["sha256"]
    )

    probe = (
        "import json, sys\n"
        "from engage.cli.main import cli\n"
        f"cli.main(args={args!r}, prog_name='engage', standalone_mode=False)\n"
        "print(json.dumps({'weasyprint': 'weasyprint' in sys.modules, 'jinja2': 'jinja2' in sys.modules}))\n"
    )
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout.strip().splitlines()[-1])
    assert report["weasyprint"] is False and report["jinja2"] is False
    assert second.stderr.splitlines()[0] == "1 selected: 0 to do, 1 up to date"
