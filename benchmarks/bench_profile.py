"""Benchmark the risk profile: compile + rank 1,000 synthetic companies x 50 records (in memory),
and `engage compare` end to end on 300 companies x 40 records written as YAML to a temp workspace.

Run: .venv/bin/python benchmarks/bench_profile.py [--runs 5] [--baseline REV]
Prints the median of several runs for each; the targets are < 2 s and well under 15 s.

``--baseline REV`` also times the compile of git revision REV, each revision on its own
benchmark companies (its own tests/profile_factories.py), in fresh processes that take turns,
and prints the ratio: on a shared, noisy machine the ratio measured in one sitting is what
compares (baf2ab0 is the 2025 model as it met the 2 s bar, at 1.79 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from profile_factories import synthetic_company  # noqa: E402

from engage.profile import compile_profiles, load_weights  # noqa: E402
from engage.taxonomy import load_taxonomy  # noqa: E402

AS_OF = dt.date(2026, 1, 1)


def bench_compile(runs: int, n: int = 1000, records: int = 50) -> list[float]:
    """Return the wall times of compile_profiles (with ranks and peer opportunities) on ``n`` companies."""
    rng = random.Random(20250101)
    companies = [synthetic_company(rng, i, records) for i in range(n)]
    taxonomy, weights = load_taxonomy(), load_weights()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        profiles = compile_profiles(companies, taxonomy, AS_OF, weights)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert len(profiles) == n
        # Free this run's profiles before the next run's clock starts: otherwise every run
        # after the first also times the teardown of the last one's half a million objects.
        del profiles
    print(f"  (CPU time median {statistics.median(cpu):.2f} s: wall above CPU means other processes shared the cores)")
    return times


# One process's compile times, for the tree on sys.path (this one or a baseline's): a warm-up
# compile, then timed ones, each after the previous run's profiles are freed.
COMPILE_RUNNER = """
import datetime as dt, json, random, sys, time
root = sys.argv[1]
sys.path[:0] = [root + "/tests", root]
from profile_factories import synthetic_company
from engage.profile import compile_profiles, load_weights
from engage.taxonomy import load_taxonomy
rng = random.Random(20250101)
companies = [synthetic_company(rng, i, 50) for i in range(1000)]
taxonomy, weights = load_taxonomy(), load_weights()
compile_profiles(companies[:20], taxonomy, dt.date(2026, 1, 1), weights)
cpu = []
for _ in range(int(sys.argv[2])):
    start = time.process_time()
    profiles = compile_profiles(companies, taxonomy, dt.date(2026, 1, 1), weights)
    cpu.append(time.process_time() - start)
    del profiles
print(json.dumps(cpu))
"""


def _compile_cpu(root: Path, runs: int) -> list[float]:
    """Return the CPU times of ``runs`` compiles of 1,000 x 50 by the tree at ``root``, in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cmd = [sys.executable, "-c", COMPILE_RUNNER, str(root), str(runs)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return [float(x) for x in json.loads(out.stdout.splitlines()[-1])]


def bench_against(rev: str, rounds: int) -> None:
    """Print this tree's and revision ``rev``'s compile CPU times, measured in turns, and their ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / f"engage-{rev}"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        got: dict[str, list[float]] = {"this": [], rev: []}
        for i in range(rounds):
            # Take turns, each going first every other round, so a drift in machine speed hits both.
            order = [("this", REPO), (rev, base)] if i % 2 == 0 else [(rev, base), ("this", REPO)]
            for label, root in order:
                got[label] += _compile_cpu(root, 2)
    this, that = statistics.median(got["this"]), statistics.median(got[rev])
    print(
        f"compile 1000 x 50, CPU, {rounds} rounds of 2 runs in turns: this tree median {this:.2f} s "
        f"(min {min(got['this']):.2f}), {rev} median {that:.2f} s (min {min(got[rev]):.2f}); "
        f"ratio this/{rev} {this / that:.3f} (of minima {min(got['this']) / min(got[rev]):.3f})"
    )


def _yaml_scalar(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_workspace(root: Path, n: int = 300, records: int = 40) -> None:
    """Write ``n`` synthetic companies as YAML record files under ``root``/companies."""
    rng = random.Random(300)
    (root / "companies").mkdir(parents=True)
    for i in range(n):
        c = synthetic_company(rng, i, records)
        lines = [f"name: {_yaml_scalar(c.name)}", "country: DE"]

        def sources(rec) -> list[str]:  # type: ignore[no-untyped-def]
            out = ["    sources:"]
            for s in rec.sources:
                out.append(f"      - title: {_yaml_scalar(s.title)}")
                out.append(f"        publisher: {_yaml_scalar(s.publisher)}")
                out.append(f"        url: {s.url}")
                out.append(f"        date: {s.date}")
            return out

        if c.allegations:
            lines.append("allegations:")
            for a in c.allegations:
                lines += [
                    f"  - id: {a.id}",
                    f"    title: {_yaml_scalar(a.title)}",
                    f"    date: {a.date}",
                    f"    areas: [{', '.join(a.areas)}]",
                    f"    severity: {a.severity}",
                    f"    status: {a.status}",
                ]
                if a.company_response:
                    lines.append(f"    company_response: {_yaml_scalar(a.company_response)}")
                lines += sources(a)
        if c.commitments:
            lines.append("commitments:")
            for m in c.commitments:
                lines += [
                    f"  - id: {m.id}",
                    f"    title: {_yaml_scalar(m.title)}",
                    f"    date: {m.date}",
                    f"    areas: [{', '.join(m.areas)}]",
                    f"    status: {m.status}",
                    f"    verification: {m.verification}",
                ]
                if m.target:
                    lines.append(f"    target: {_yaml_scalar(m.target)}")
                if m.target_year:
                    lines.append(f"    target_year: {max(m.target_year, m.date.year)}")
                lines += sources(m)
        if c.policies:
            lines.append("policies:")
            for pol in c.policies:
                lines += [
                    f"  - id: {pol.id}",
                    f"    title: {_yaml_scalar(pol.title)}",
                    f"    date: {pol.date}",
                    f"    areas: [{', '.join(pol.areas)}]",
                    f"    kind: {pol.kind}",
                    f"    status: {pol.status}",
                ]
                lines += sources(pol)
        (root / "companies" / f"{c.id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def bench_compare(runs: int) -> list[float]:
    """Return the wall times of `engage compare --json` (a fresh process: startup, parsing, scoring, output)."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_workspace(root)
        engage = str(Path(sys.executable).parent / "engage")
        cmd = [engage, "compare", "--json", "-w", str(root), "--as-of", AS_OF.isoformat()]
        check = subprocess.run([engage, "check", "-q", "-w", str(root)], capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"synthetic workspace does not validate:\n{check.stderr[-2000:]}")
        for _ in range(runs):
            start = time.perf_counter()
            result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
            times.append(time.perf_counter() - start)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", metavar="REV", help="also time the compile of git revision REV, in turns")
    args = parser.parse_args()
    if args.baseline:
        bench_against(args.baseline, args.runs)
        return
    t = bench_compile(args.runs)
    print(
        f"compile+rank 1000 companies x 50 records: median {statistics.median(t):.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in t)}; target < 2 s)"
    )
    t = bench_compare(args.runs)
    print(
        f"engage compare --json, 300 companies x 40 records from YAML: median {statistics.median(t):.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in t)}; target well under 15 s)"
    )


if __name__ == "__main__":
    main()
