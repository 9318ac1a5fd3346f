"""engage batch and engage agenda from the command line: options, progress lines, exit codes, Ctrl-C, real PDFs."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_fakes import FAKE_KINDS, fake_renderer
from click.testing import CliRunner
from test_batch import COMPANIES, company_yaml, write_workspace

from engage.batch import KINDS
from engage.batch import run as batch_run
from engage.batch.manifest import manifest_lock
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


# --------------------------------------------------------------------------- output folder


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` refuse new files, for root too (the immutable attribute), and restore it afterwards."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root where chattr +i is unavailable: cannot make a folder read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("earlier_run", [False, True], ids=["empty-folder", "after-a-run"])
def test_a_read_only_output_folder_exits_3_and_says_cannot_write(ws: Path, fakes: None, earlier_run: bool) -> None:
    briefs = ws / "briefs"
    if earlier_run:  # the lock file is there already and still opens: the folder itself must be tried
        assert run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--no-index")[0] == 0
    else:
        briefs.mkdir()
    with read_only(briefs):
        code, _, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--force")
    assert code == 3, err
    assert f"Error: cannot write to the output folder {briefs}: " in err
    assert "This is a bug" not in err and "internal error" not in err
    assert not list(briefs.rglob("*.tmp"))


def test_an_output_folder_under_a_file_exits_3_and_says_cannot_write(ws: Path, fakes: None) -> None:
    (ws / "notes.txt").write_text("not a folder\n")
    code, _, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--out", str(ws / "notes.txt" / "briefs"))
    assert code == 3
    assert f"Error: cannot write to the output folder {ws / 'notes.txt' / 'briefs'}: Not a directory" in err


def test_a_batch_already_running_exits_3_not_the_usage_code(ws: Path, fakes: None) -> None:
    with manifest_lock(ws / "briefs", None):
        code, _, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF)
    assert code == 3
    assert f"Error: another engage batch is writing to {ws / 'briefs'} (manifest.json); wait for it to finish" in err
    assert run("batch", "--all", "-w", str(ws), "--as-of", AS_OF)[0] == 0  # the same command, once it is free


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
        "(the last working day before it is 2026-12-23)",
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


def test_json_summary_on_stdout_with_the_same_exit_codes(ws: Path, fakes: None) -> None:
    (ws / "companies" / "gamma.yaml").write_text(company_yaml("Gamma render-fail"))
    (ws / "companies" / "delta.yaml").write_text("name: [broken\n")
    code, out, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--json")
    assert code == 3
    data = json.loads(out)
    assert data["exit_code"] == 3 and not data["interrupted"] and not data["terminated"]
    assert data["counts"] == {"rendered": 2, "skipped": 0, "failed": 2, "not_done": 0, "files": 4}
    assert {r["company"]: r["files"] for r in data["rendered"]} == {
        "alpha": ["alpha/brief.pdf", "alpha/letter.md"],
        "beta": ["beta/brief.pdf", "beta/letter.md"],
    }
    failed = {f["company"]: f for f in data["failed"]}
    assert failed["gamma"]["kind"] == "render" and failed["gamma"]["reason"].startswith("brief: template error")
    assert failed["delta"]["kind"] == "data" and "delta.yaml" in failed["delta"]["reason"]
    assert data["index"]["files"] == ["index.html", "index.pdf"] and data["index"]["error"] is None
    assert data["manifest"] == str(ws / "briefs" / "manifest.json") and data["seconds"] > 0
    assert "error: gamma: brief: template error" in err  # stderr keeps the failures for a human

    (ws / "companies" / "gamma.yaml").write_text(company_yaml("Gamma Auto"))
    (ws / "companies" / "delta.yaml").write_text(COMPANIES["delta"])
    code, out, _ = run("batch", "beta", "gamma", "delta", "-w", str(ws), "--as-of", AS_OF, "--only", "letter", "--json")
    data = json.loads(out)
    assert code == 0 and data["exit_code"] == 0 and data["failed"] == []
    assert data["skipped"] == ["beta"] and sorted(r["company"] for r in data["rendered"]) == ["delta", "gamma"]


def test_dry_run_json_gives_each_documents_action_and_reason(ws: Path, fakes: None) -> None:
    (ws / "companies" / "delta.yaml").write_text("name: [broken\n")
    run("batch", "alpha", "-w", str(ws), "--as-of", AS_OF, "--only", "brief")
    code, out, _ = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--dry-run", "--json")
    assert code == 0
    plan = json.loads(out)
    assert plan["as_of"] == AS_OF and plan["selection"] == "all companies" and plan["fast"] is False
    assert plan["counts"] == {"render": 3, "skip": 0, "fail": 1}
    companies = {c["company"]: c for c in plan["companies"]}
    assert [(d["kind"], d["action"], d["reason"]) for d in companies["alpha"]["documents"]] == [
        ("brief", "skip", "up to date"),
        ("letter", "render", "new"),
    ]
    assert companies["alpha"]["documents"][0]["files"] == ["alpha/brief.pdf"]
    assert companies["beta"]["action"] == "render" and companies["beta"]["agm"] == "2026-11-20"
    assert companies["delta"]["action"] == "fail" and companies["delta"]["documents"] == []
    assert "delta.yaml" in companies["delta"]["error"]
    assert sorted(p.name for p in (ws / "briefs").iterdir()) == sorted(
        [".manifest.json.lock", "alpha", "index.html", "index.pdf", "manifest.json"]
    )  # nothing new written


def test_agenda_table_and_json(ws: Path, fakes: None) -> None:
    run("batch", "alpha", "-w", str(ws), "--as-of", AS_OF)
    code, out, _ = run("agenda", "-w", str(ws), "--as-of", AS_OF, "--within", "200d")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows[0][:8] == ["agm", "days", "company", "band", "documents", "as", "of", "detail"]
    assert rows[0][8:] == ["engagement", "next", "deadline", "next", "step"]
    assert rows[1][:3] == ["2026-11-20", "19", "Beta"] and "missing" in rows[1]
    assert " ".join(rows[2]).endswith("Alpha Motors moderate up to date 2026-11-01 none")
    assert out.splitlines()[-1].startswith("3 AGMs between 2026-11-01 and 2027-05-20:")
    code, out, _ = run("agenda", "-w", str(ws), "--as-of", AS_OF, "--within", "30d", "--json")
    data = json.loads(out)
    assert [(r["company"], r["state"]) for r in data] == [("beta", "missing"), ("alpha", "up to date")]
    assert data[0]["engagement"] == {
        "state": "none",
        "last_letter": None,
        "respond_by": None,
        "next_step": None,
        "next_deadline": None,
    }


def test_agenda_shows_where_each_engagement_stands(ws: Path, fakes: None) -> None:
    (ws / "engagements").mkdir()
    (ws / "engagements" / "beta.yaml").write_text(
        "events:\n  - {date: 2026-09-01, kind: letter, respond_by: 2026-10-13}\n", encoding="utf-8"
    )
    code, out, _ = run("agenda", "-w", str(ws), "--as-of", AS_OF, "--within", "30d", "--json")
    assert code == 0
    beta = next(r for r in json.loads(out) if r["company"] == "beta")["engagement"]
    assert (beta["state"], beta["last_letter"], beta["respond_by"]) == ("overdue", "2026-09-01", "2026-10-13")
    assert beta["next_step"].startswith("Chase the reply due by 13 October 2026; then: Send a follow-up letter from")
    code, out, _ = run("agenda", "-w", str(ws), "--as-of", AS_OF, "--within", "30d")
    beta_line = next(line for line in out.splitlines() if "Beta" in line)
    assert "overdue" in beta_line and "2026-11-12" in beta_line and "Chase the reply" in beta_line


@pytest.mark.slow
def test_shards_then_merge(ws: Path, fakes: None) -> None:
    for k in (1, 2):
        code, _, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF, "--shard", f"{k}/2")
        assert code == 0, err
    shards = sorted(str(p.resolve()) for p in (ws / "briefs").glob("manifest.shard-*.json"))
    assert len(shards) == 2
    code, out, err = run("batch", "--merge-manifests", "--json", "-w", str(ws))
    assert code == 0, err
    summary = json.loads(out)  # like the other batch summaries: JSON on stdout, nothing else there
    manifest = ws / "briefs" / "manifest.json"
    assert summary["manifest"] == str(manifest.resolve())
    assert sorted(summary["merged"]) == shards
    assert summary["companies"] == sorted(json.loads(manifest.read_text(encoding="utf-8"))["companies"])
    assert len(summary["companies"]) == 4
    assert sorted(p.name for p in (ws / "briefs").glob("manifest*.json")) == ["manifest.json"]
    code, out, err = run("batch", "--merge-manifests", "-w", str(ws))
    assert code == 0 and "merged 0 shard manifests into" in err and out == ""
    code, _, err = run("batch", "--all", "-w", str(ws), "--as-of", AS_OF)
    assert err.splitlines()[0] == "4 selected: 0 to do, 4 up to date"


# --------------------------------------------------------------------------- Ctrl-C


def _start(ws: Path, tmp_path: Path, *args: str, slow: bool, log: Path | None = None) -> subprocess.Popen[str]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    # Slow enough that workers left running after Ctrl-C (the queued tasks run to the end) blow the limit below.
    env = {**os.environ, "FAKE_SLOW": "1.5", "PYTHONPATH": f"{TESTS}{os.pathsep}{REPO}"}
    if slow:
        env["FAKE_SLOW_ALL"] = "1"
    output = log.open("w") if log is not None else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, str(driver), "batch", "--all", "-w", str(ws), "--as-of", AS_OF, *args],
        stdout=output,
        stderr=subprocess.STDOUT if log is not None else subprocess.PIPE,
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


# --------------------------------------------------------------------------- SIGTERM, kill -9


def _living(group: int) -> list[str]:
    """Return 'pid name' of every process of ``group`` that is not a zombie (read from /proc)."""
    living = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == group and fields[0] != "Z":
            living.append(f"{stat.parent.name} {name}")
    return living


def _wait_for_none(group: int, seconds: float) -> list[str]:
    """Wait until no process of ``group`` is left or ``seconds`` pass; return the ones left."""
    deadline = time.monotonic() + seconds
    while (left := _living(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _outputs(folder: Path) -> dict[str, int]:
    """Return every file under ``folder`` with its modification time."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def _start_logged(ws: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    """Start a slow 12-company batch whose output goes to a file (a pipe would wait for orphans)."""
    for i in range(8):
        (ws / "companies" / f"extra-{i}.yaml").write_text(company_yaml(f"Extra {i}"), encoding="utf-8")
    log = tmp_path / "batch.log"
    proc = _start(ws, tmp_path, "--jobs", "2", slow=True, log=log)
    deadline = time.monotonic() + 30
    while not list((ws / "briefs").glob("*/letter.md")):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return proc, log


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_sigterm_stops_like_ctrl_c_leaves_no_process_and_writes_nothing_after(ws: Path, tmp_path: Path) -> None:
    proc, log = _start_logged(ws, tmp_path)
    try:
        proc.send_signal(signal.SIGTERM)  # the main process only, as `kill`, docker stop or a CI runner do
        signalled = time.monotonic()
        assert proc.wait(timeout=10) == 143, log.read_text()
        after_exit = _outputs(ws / "briefs")
        left = _wait_for_none(proc.pid, 10 - (time.monotonic() - signalled))
        assert not left, f"left running after SIGTERM: {left}"
        time.sleep(0.5)
        assert _outputs(ws / "briefs") == after_exit, "a file was written after the batch exited"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text()
    assert "Terminated" in text and "not done" in text and "run the same command to finish" in text
    assert "leaked" not in text, text
    assert not list((ws / "briefs").rglob("*.tmp")), "temporary files left behind"
    done = {
        cid
        for cid, e in json.loads((ws / "briefs" / "manifest.json").read_text())["companies"].items()
        if e["documents"].get("letter", {}).get("status") == "ok"
    }
    assert done and len(done) < 12

    rerun = _start(ws, tmp_path, slow=False)
    _out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    assert err.splitlines()[0] == f"12 selected: {12 - len(done)} to do, {len(done)} up to date"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_kill_9_of_the_batch_leaves_no_worker_behind(ws: Path, tmp_path: Path) -> None:
    proc, _log = _start_logged(ws, tmp_path)
    try:
        proc.kill()
        killed = time.monotonic()
        proc.wait(timeout=5)
        after_exit = _outputs(ws / "briefs")
        left = _wait_for_none(proc.pid, 15 - (time.monotonic() - killed))
        assert not left, f"left running after kill -9: {left}"
        assert {k: v for k, v in _outputs(ws / "briefs").items() if not k.endswith(".tmp")} == {
            k: v for k, v in after_exit.items() if not k.endswith(".tmp")
        }, "a file was written after the batch died"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_batch_record_logs_the_letters_written_and_a_log_change_rerenders(ws: Path, fakes: None) -> None:
    code, _, err = run("batch", "beta", "--only", "letter", "-w", str(ws), "--as-of", AS_OF, "--record")
    assert code == 0, err
    assert "recorded the letter in engagements/beta.yaml" in err
    text = (ws / "engagements" / "beta.yaml").read_text(encoding="utf-8")
    assert "  - date: 2026-11-01\n    kind: letter\n" in text
    assert re.search(r"    asks: \[(remedy|due-diligence|minerals|materials|disclosure|verify|deliver)", text)
    assert "    respond_by: 2026-" in text
    code, _, err = run("check", "beta", "-w", str(ws), "--as-of", AS_OF)
    assert code == 0, err
    # The log is an input of the letter: the run after the recording renders it again (the same letter, as
    # history stops the day before), and the same letter is not recorded twice.
    code, _, err = run("batch", "beta", "--only", "letter", "-w", str(ws), "--as-of", AS_OF, "--record")
    assert code == 0 and "1 to do" in err.splitlines()[0], err
    assert "recorded" not in err
    assert (ws / "engagements" / "beta.yaml").read_text(encoding="utf-8").count("kind: letter") == 1
    code, _, err = run("batch", "beta", "--only", "letter", "-w", str(ws), "--as-of", AS_OF, "--record")
    assert code == 0 and "0 to do" in err.splitlines()[0], err
    index = (ws / "briefs" / "index.html").read_text(encoding="utf-8")
    row = index.split('id="company-beta"')[1].split("</tr>")[0]
    assert 'data-state="awaiting-response"' in index.split('id="company-beta"')[1][:400]
    assert '<span class="state">awaiting reply</span><span class="detail">reply by 2026-' in row
