"""Benchmark `engage batch`: warm workers against one `weasyprint` process per document.

On a synthetic workspace (default 200 companies of 40 records; brief and letter as PDF,
so 400 documents), each round times, in this order:

  jobs1      engage batch --all --force --jobs 1
  jobs2      engage batch --all --force --jobs 2
  nochange   engage batch --all, straight after jobs2 (nothing to do; the whole process)
  loop       a shell loop running `weasyprint` once per document over the same HTML
  xargs2     the same commands run two at a time (`xargs -P 2`)

The loop gets the very HTML our renderer lays out (the brief and letter templates, before
WeasyPrint) with the same stylesheets and bundled fonts, as PDF/UA-1: the only difference
is one fresh process per document instead of warm workers. Writing that HTML is not timed.

Targets (issue 8), as ratios measured in one run: jobs2 / jobs1 <= 0.6; loop / jobs2 >= 3;
xargs2 / jobs2 >= 1.6; nochange < 1 s; a worker's peak memory < 300 MB (read from the
batch summary). The medians over ``--runs`` rounds are printed, and the ratios of each round.
Each round also prints the share of the machine that other processes used during each
phase (from /proc/stat): a ratio whose phases did not have the machine alike is noise.

Run: .venv/bin/python benchmarks/bench_batch.py [--companies 200] [--records 40] [--runs 3]
     [--skip-baseline]   (only jobs1, jobs2 and nochange)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.synthetic import write_workspace  # noqa: E402

AS_OF = dt.date(2026, 11, 1)
SETTINGS = """\
organisation: {name: Example Stewardship, address: "1 Example Square\\nLondon"}
prepared_by: Stewardship team
signatories:
  - {name: Alex Example, title: Head of Stewardship, organisation: Example Stewardship}
  - {name: Sam Example, title: Chief Investment Officer, organisation: Example Pension Fund, aum: USD 40 bn}
"""
ENGAGE = [sys.executable, "-m", "engage"]
WEASYPRINT = str(Path(sys.executable).with_name("weasyprint"))


def _busy_cpu_seconds() -> float | None:
    """Return the CPU seconds every process on the machine has used since boot (Linux), else None."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: CPU seconds other processes used during each timed phase, in the order run; a ratio is
#: only as good as its phases were alone on the machine.
OTHERS: list[float] = []
ADOPTS = False  # set by main(): whether descendants' CPU time can be told from others'


def _adopt_orphans() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); return whether it is.

    engage's workers are children of multiprocessing's fork server, which nobody waits for:
    without this their CPU time would never reach RUSAGE_CHILDREN and would count as others'.
    """
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap_descendants(deadline_s: float = 10.0) -> None:
    """Wait for the adopted descendants still exiting (the fork server outlives engage by a moment)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def timed(run: Callable[[], subprocess.CompletedProcess[str]]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``run`` and return (wall seconds, its result), noting in OTHERS what other processes used meanwhile."""
    busy, children = _busy_cpu_seconds(), _children_cpu_seconds()
    start = time.perf_counter()
    done = run()
    seconds = time.perf_counter() - start
    _reap_descendants()
    after = _busy_cpu_seconds()
    if busy is not None and after is not None and ADOPTS:
        # This script only waits meanwhile, so what its descendants did not use, others did.
        OTHERS.append(max(0.0, (after - busy) - (_children_cpu_seconds() - children)))
    return seconds, done


def run_batch(ws: Path, *extra: str) -> tuple[float, str]:
    """Run `engage batch --all` on ``ws`` and return (wall seconds, stdout); raise on failure."""
    args = [*ENGAGE, "batch", "--all", "-w", str(ws), "--as-of", AS_OF.isoformat(), "--letter-format", "pdf", *extra]
    seconds, done = timed(
        lambda: subprocess.run(args, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    )
    if done.returncode != 0:
        raise SystemExit(f"engage batch failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def worker_peak_mb(summary: str) -> float | None:
    """Return the 'peak of a worker' figure of a batch summary, in MB."""
    match = re.search(r"memory\s+(\d+(?:\.\d+)?) MB", summary)
    return float(match.group(1)) if match else None


def load_workspace(ws: Path) -> tuple[Any, Any, Any, list[Any], dict[str, Any]]:
    """Return ``ws``'s (settings, taxonomy, weights, companies, profiles as of AS_OF), as a batch loads them."""
    from engage.profile import compile_profiles, load_weights
    from engage.records import load_companies
    from engage.taxonomy import load_taxonomy
    from engage.workspace import find_workspace, load_settings

    workspace = find_workspace(ws)
    settings = load_settings(workspace)
    taxonomy = load_taxonomy(workspace.root)
    weights = load_weights(settings.weights)
    companies, _ = load_companies(workspace.company_files(), taxonomy, workspace.root)
    return settings, taxonomy, weights, companies, dict(compile_profiles(companies, taxonomy, AS_OF, weights))


def write_html(ws: Path, folder: Path) -> tuple[list[Path], list[str]]:
    """Write every brief's and letter's pre-WeasyPrint HTML to ``folder``; return the files and the CSS args."""
    from engage.documents.brief import build_brief
    from engage.documents.brief_writer import BRIEF_STYLESHEETS, BriefMaker
    from engage.documents.letter import build_letter, options_from_settings
    from engage.documents.letter_pdf import STYLESHEET as LETTER_CSS
    from engage.documents.letter_pdf import letter_html
    from engage.documents.pdf import BASE_STYLESHEETS, PAPER_SIZES, packaged_resources

    settings, taxonomy, weights, companies, profiles = load_workspace(ws)
    maker = BriefMaker(None)
    # The same stylesheets, copied beside the HTML so their relative font URLs resolve.
    resources = folder / "resources"
    shutil.copytree(packaged_resources(), resources)
    (resources / "css" / "paper.css").write_text(f"@page {{ size: {PAPER_SIZES['a4']}; }}\n", encoding="utf-8")

    def css_args(names: tuple[str, ...]) -> list[str]:
        sheets = (*BASE_STYLESHEETS, *names, "paper.css")
        return [arg for name in sheets for arg in ("-s", str(resources / "css" / name))]

    files, commands = [], []
    for company in companies:
        profile = profiles[company.id]
        view = build_brief(profile, taxonomy=taxonomy, settings=settings, weights=weights, peer_count=len(companies))
        letter = build_letter(profile, settings, taxonomy, options_from_settings(settings))
        for kind, html, names in (
            ("brief", maker.html(view), BRIEF_STYLESHEETS),
            ("letter", letter_html(letter), (LETTER_CSS,)),
        ):
            path = folder / f"{company.id}.{kind}.html"
            path.write_text(html, encoding="utf-8")
            files.append(path)
            commands.append(
                shlex.join(
                    [WEASYPRINT, "--pdf-variant", "pdf/ua-1", "-q", *css_args(names), str(path), f"{path}.pdf"]
                )
            )
    return files, commands


def run_shell(script: str) -> float:
    """Run ``script`` with bash and return its wall seconds; raise on failure."""
    seconds, done = timed(lambda: subprocess.run(["bash", "-c", script], capture_output=True, text=True))
    if done.returncode != 0:
        raise SystemExit(f"baseline failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-baseline", action="store_true", help="time only engage batch")
    args = parser.parse_args()
    global ADOPTS
    ADOPTS = _adopt_orphans()

    with tempfile.TemporaryDirectory(prefix="engage-bench-batch-") as tmp:
        ws = write_workspace(Path(tmp) / "ws", args.companies, args.records)
        (ws / "engage.yaml").write_text(SETTINGS, encoding="utf-8")
        commands: list[str] = []
        if not args.skip_baseline:
            html_dir = Path(tmp) / "html"
            html_dir.mkdir()
            _files, commands = write_html(ws, html_dir)
            (Path(tmp) / "commands.txt").write_text("\n".join(commands) + "\n", encoding="utf-8")
        documents = 2 * args.companies
        print(
            f"{args.companies} companies x {args.records} records, {documents} PDFs (brief + letter); "
            f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
            f"HarfBuzz subsetter {'on' if _has_hb_subset() else 'off'}",
            flush=True,
        )
        times: dict[str, list[float]] = {}
        ratios: dict[str, list[float]] = {}
        peaks: list[float] = []
        for round_ in range(1, args.runs + 1):
            OTHERS.clear()
            t: dict[str, float] = {}
            t["jobs1"], out1 = run_batch(ws, "--force", "--jobs", "1")
            t["jobs2"], out2 = run_batch(ws, "--force", "--jobs", "2")
            t["nochange"], _ = run_batch(ws)
            peaks += [p for p in (worker_peak_mb(out1), worker_peak_mb(out2)) if p is not None]
            if commands:
                listing = shlex.quote(str(Path(tmp) / "commands.txt"))
                t["loop"] = run_shell(f"while IFS= read -r cmd; do eval \"$cmd\"; done < {listing}")
                t["xargs2"] = run_shell(f"xargs -P 2 -I CMD -d '\\n' bash -c CMD < {listing}")
            for key, value in t.items():
                times.setdefault(key, []).append(value)
            r = {"jobs2/jobs1": t["jobs2"] / t["jobs1"]}
            if commands:
                r["loop/jobs2"] = t["loop"] / t["jobs2"]
                r["xargs2/jobs2"] = t["xargs2"] / t["jobs2"]
            for key, value in r.items():
                ratios.setdefault(key, []).append(value)
            print(
                f"round {round_}: " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items())
                + " | " + ", ".join(f"{k} {v:.2f}" for k, v in r.items()),
                flush=True,
            )
            if OTHERS:
                cores = os.cpu_count() or 1
                share = ", ".join(f"{k} {o / (t[k] * cores):.0%}" for k, o in zip(t, OTHERS, strict=True))
                print(f"  other processes' share of the machine during each phase: {share}", flush=True)
        print("median:")
        for key, values in times.items():
            each = statistics.median(values) / documents * 1000
            per_doc = "" if key == "nochange" else f"  ({each:.0f} ms a document)"
            print(f"  {key:<10} {statistics.median(values):8.2f} s{per_doc}")
        targets = {"jobs2/jobs1": "<= 0.60", "loop/jobs2": ">= 3.0", "xargs2/jobs2": ">= 1.6"}
        for key, values in ratios.items():
            print(f"  {key:<13} {statistics.median(values):6.2f}   target {targets[key]}")
        print(f"  nochange      {statistics.median(times['nochange']):6.2f} s target < 1 s")
        if peaks:
            print(f"  worker peak   {max(peaks):6.0f} MB target < 300 MB (largest of all runs)")


def _has_hb_subset() -> bool:
    from engage.documents.doctor import doctor_report

    report = doctor_report(test_render=False)
    return any("subset" in c.name.lower() and c.ok for c in report.checks)


if __name__ == "__main__":
    main()
