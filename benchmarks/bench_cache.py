"""Benchmark the validated-record cache end to end: each `engage` command as a user runs it, cold and warm.

Run: .venv/bin/python -m benchmarks.bench_cache [--companies 1000] [--records 50] [--runs 3]

On a synthetic workspace (benchmarks/synthetic.py), in one run, each step a fresh process:
libyaml's own parse of the same files (the floor: PyYAML's CSafeLoader), `check --no-cache`,
a cold `check` (empty cache), a warm `check`, the first `profile ID --json` after it, a warm one, a warm `compare
--json`, and after one file is edited a `check` and a `profile ID --json`. Prints per step
the median wall time, CPU time (user + system of the process) and peak memory (max RSS),
then the issue's ratios on both wall and CPU time. Wall time on a shared 2-core machine
counts other processes; CPU time does not, so read the CPU ratios when the machine is busy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .synthetic import write_workspace

AS_OF = "2026-12-01"
FLOOR = """
import sys, yaml
from pathlib import Path
for p in sorted(Path(sys.argv[1]).glob("companies/*.yaml")):
    yaml.load(p.read_bytes().decode("utf-8"), Loader=yaml.CSafeLoader)
"""
#: (step, ratio target against cold check or the floor, how it is judged)
TARGETS = (
    ("cold check", "floor", 2.0),
    ("warm check", "cold check", 0.1),
    ("first profile", "cold check", 0.1),
    ("warm profile", "cold check", 0.1),
    ("warm compare", "cold check", 0.1),
    ("changed check", "cold check", 0.15),
    ("changed profile", "cold check", 0.15),
)


def timed(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """Run ``argv``; return wall seconds, CPU seconds (user + system) and peak RSS in MB of that process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # check exits 1 on errors; the synthetic data has none
        raise SystemExit(f"{' '.join(argv)} failed with exit code {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def edit_one(root: Path, run: int) -> None:
    """Change one record file (a summary's words), as a user would."""
    files = sorted((root / "companies").glob("*.yaml"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("two sentences long", f"two sentences long (edit {run})", 1), encoding="utf-8")


def one_run(root: Path, company: str, run: int) -> dict[str, tuple[float, float, int]]:
    """Time every step once, in order; return step -> (wall, cpu, peak MB)."""
    engage = [sys.executable, "-m", "engage"]
    common = ["--as-of", AS_OF, "--workspace", str(root)]
    out: dict[str, tuple[float, float, int]] = {}
    out["floor"] = timed([sys.executable, "-c", FLOOR, str(root)], root)
    shutil.rmtree(root / ".engage-cache", ignore_errors=True)
    out["check --no-cache"] = timed([*engage, "check", *common, "--no-cache"], root)
    out["cold check"] = timed([*engage, "check", *common], root)
    out["warm check"] = timed([*engage, "check", *common], root)
    # The first profile after check: its peers' scores are what check stored at the date.
    out["first profile"] = timed([*engage, "profile", company, "--json", *common], root)
    out["warm profile"] = timed([*engage, "profile", company, "--json", *common], root)
    out["cold compare"] = timed([*engage, "compare", "--json", *common], root)
    out["warm compare"] = timed([*engage, "compare", "--json", *common], root)
    edit_one(root, run)
    out["changed check"] = timed([*engage, "check", *common], root)
    edit_one(root, run + 1000)
    out["changed profile"] = timed([*engage, "profile", company, "--json", *common], root)
    return out


def main() -> None:
    """Print medians per step and the ratios the issue sets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_workspace(Path(tmp), args.companies, args.records)
        size = sum(p.stat().st_size for p in (root / "companies").iterdir()) / 1e6
        print(f"{args.companies} companies x {args.records} records, {size:.1f} MB of YAML; load {os.getloadavg()}")
        runs = []
        for i in range(args.runs):
            runs.append(one_run(root, "synthetic-0007", i))
            print(f"  run {i + 1}: " + ", ".join(f"{k} {w:.2f}s/{c:.2f}s" for k, (w, c, _) in runs[-1].items()))
        print(f"load average after: {os.getloadavg()}")
    med = {k: tuple(statistics.median(r[k][j] for r in runs) for j in range(3)) for k in runs[0]}
    print(f"{'step':18} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for k, (w, c, m) in med.items():
        print(f"{k:18} {w:8.2f} {c:8.2f} {m:8.0f}")
    print("targets (ratio of medians, wall / cpu):")
    for step, base, limit in TARGETS:
        rw, rc = med[step][0] / med[base][0], med[step][1] / med[base][1]
        verdict = "met" if rc <= limit else "MISSED"
        print(f"  {step} / {base}: {rw:.3f} / {rc:.3f} (target <= {limit}) {verdict} on CPU")


if __name__ == "__main__":
    main()
