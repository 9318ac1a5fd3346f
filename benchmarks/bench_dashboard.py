"""Benchmark the dashboard with 300 companies in headless Chromium: time to first render and to sort.

Writes a synthetic workspace (300 companies x 20 records), `engage dashboard` into it (timed
too), then opens index.html in Debian's headless Chromium through Selenium (tests/browser.py)
and reads, per run, with a fresh page each time:
- first render: the navigation's start to the first contentful paint, and to the end of the
  load event (the script has sorted and filtered by then);
- sort: a click on a column header to the next frame after it (the click handler has moved
  the rows; requestAnimationFrame runs before that frame's style, layout and paint, and a
  task queued from it runs once they are done), alternating columns so each click really
  reorders 300 rows; and the click handler's own share (script only).

``--baseline REV`` also writes the same dashboard with the engage of git revision REV (its
HTML only) and measures both pages in the same browser, interleaved run by run, so the
before/after ratio comes from one sitting on this noisy machine.

Run: .venv/bin/python benchmarks/bench_dashboard.py [--runs 7] [--baseline 94af724]
Prints medians and the load average; the target is "no visible pause": first paint well
under 1 s, a sort under 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from browser import chromium, missing_reason  # noqa: E402

from benchmarks.synthetic import write_workspace  # noqa: E402
from engage.api import Workspace  # noqa: E402

AS_OF = dt.date(2026, 11, 29)
SORT_COLUMNS = ("minerals", "company", "overall", "evidence", "state", "trend")

CLICK_TO_FRAME = """
const done = arguments[arguments.length - 1];
const button = document.querySelector('#dashboard thead th[data-key="' + arguments[0] + '"] button');
const t0 = performance.now();
button.click();
const script = performance.now() - t0;
requestAnimationFrame(() => setTimeout(() => done([performance.now() - t0, script]), 0));
"""

#: The HTML of a dashboard written by another revision's engage (no PDF: a renderer that makes none).
BASELINE_WRITER = """
import datetime as dt, sys
from pathlib import Path
from types import SimpleNamespace
from engage.batch.index import write_dashboard
from engage.workspace import Workspace

class NoPdf:
    def render(self, html, **kw):
        return SimpleNamespace(pdf=b"")

write_dashboard(Workspace(Path(sys.argv[1])), dt.date.fromisoformat(sys.argv[2]), Path(sys.argv[3]), renderer=NoPdf())
"""


def write_baseline(rev: str, root: Path, out: Path, tmp: Path) -> Path:
    """Return the index.html that engage at git revision ``rev`` writes for the workspace ``root``."""
    source = tmp / f"engage-{rev}"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    env = {**os.environ, "PYTHONPATH": str(source)}
    subprocess.run(
        [sys.executable, "-c", BASELINE_WRITER, str(root), AS_OF.isoformat(), str(out)], check=True, env=env, cwd=tmp
    )
    return out / "index.html"


def measure(driver: object, html: Path, companies: int, got: dict[str, list[float]]) -> None:
    """Open ``html`` afresh, read its first render, then sort it by each of SORT_COLUMNS."""
    driver.get("about:blank")  # type: ignore[attr-defined]
    driver.get(html.as_uri() + "#sort=overall&dir=desc")  # type: ignore[attr-defined]
    paint, load, count = driver.execute_script(  # type: ignore[attr-defined]
        "const nav = performance.getEntriesByType('navigation')[0];"
        "const fcp = performance.getEntriesByName('first-contentful-paint')[0];"
        "return [fcp ? fcp.startTime : null, nav.loadEventEnd,"
        " document.querySelectorAll('#dashboard tbody.group tr').length];"
    )
    assert count >= companies, count
    if paint is not None:
        got["paint"].append(paint)
    got["load"].append(load)
    for key in SORT_COLUMNS:
        total, script = driver.execute_async_script(CLICK_TO_FRAME, key)  # type: ignore[attr-defined]
        got["sort"].append(total)
        got["script"].append(script)


def report(label: str, got: dict[str, list[float]]) -> None:
    """Print one page's medians."""
    med = {k: statistics.median(v) for k, v in got.items() if v}
    print(f"  {label}:")
    if "paint" in med:
        print(f"    first contentful paint: median {med['paint']:.0f} ms (min {min(got['paint']):.0f})")
    print(f"    load event end (script applied): median {med['load']:.0f} ms (min {min(got['load']):.0f})")
    print(
        f"    sort, click to next frame: median {med['sort']:.0f} ms (min {min(got['sort']):.0f}, "
        f"max {max(got['sort']):.0f}, {len(got['sort'])} sorts; the click handler {med['script']:.0f} ms); "
        "target < 100 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--companies", type=int, default=300)
    parser.add_argument("--records", type=int, default=20)
    parser.add_argument("--baseline", metavar="REV", help="also measure the dashboard engage at git REV writes")
    args = parser.parse_args()
    reason = missing_reason()
    if reason:
        sys.exit(f"bench_dashboard: {reason}")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_workspace(Path(tmp) / "ws", args.companies, args.records)
        started = time.perf_counter()
        html = Workspace.open(root).dashboard(as_of=AS_OF)[0]
        written = time.perf_counter() - started
        pages = {"this checkout": html}
        if args.baseline:
            pages = {
                f"baseline {args.baseline}": write_baseline(args.baseline, root, Path(tmp) / "base", Path(tmp)),
                **pages,
            }
        got: dict[str, dict[str, list[float]]] = {k: {"paint": [], "load": [], "sort": [], "script": []} for k in pages}
        with chromium() as driver:
            driver.set_script_timeout(30)
            for _ in range(args.runs):
                for label, page in pages.items():  # interleaved: both pages see the same moments of load
                    measure(driver, page, args.companies, got[label])
        sizes = {label: page.stat().st_size // 1024 for label, page in pages.items()}
    load_after = os.getloadavg()
    print(f"dashboard of {args.companies} companies x {args.records} records, {args.runs} runs")
    print(f"  load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (2 cores: above 2, others wait)")
    print(f"  engage dashboard (profiles, HTML and PDF): {written:.2f} s (one run)")
    for label in pages:
        report(f"{label} ({sizes[label]} KB of HTML)", got[label])
    if args.baseline:
        base, new = (statistics.median(got[k]["sort"]) for k in pages)
        base_load, new_load = (statistics.median(got[k]["load"]) for k in pages)
        print(f"  ratio this/baseline: sort {new / base:.2f}, load event {new_load / base_load:.2f}")


if __name__ == "__main__":
    main()
