"""What a brief costs WeasyPrint to lay out, as a count of Python calls: deterministic, unlike time.

On a 2-core shared machine a 3% change in render time is lost in the noise; the number of
Python calls WeasyPrint makes for one warm render is the same on every run and moves with
its CPU time. This prints it for a synthetic company's brief (40 records, about 14 pages),
the share each section adds, and what CSS variants would change:

  .venv/bin/python -m benchmarks.layout_cost
  .venv/bin/python -m benchmarks.layout_cost --css "no-grid=.summary-grid{display:block}"

Used to choose the layout changes behind issue 8's ratios (see DEVELOPERS.md, Benchmarks).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import re
import tempfile
from pathlib import Path

from benchmarks.bench_batch import SETTINGS, load_workspace
from benchmarks.synthetic import write_workspace

AS_OF = dt.date(2026, 11, 1)
SECTIONS = (
    "cover", "summary", "risk-map", "regulations", "allegations", "commitments", "opportunities", "questions",
    "methodology",
)


def brief_html(companies: int = 12, records: int = 40) -> str:
    """Return the HTML of the first synthetic company's brief, in a workspace of ``companies`` peers."""
    from engage.documents.brief import build_brief
    from engage.documents.brief_writer import BriefMaker

    with tempfile.TemporaryDirectory() as tmp:
        root = write_workspace(Path(tmp) / "ws", companies, records)
        (root / "engage.yaml").write_text(SETTINGS, encoding="utf-8")
        settings, taxonomy, weights, loaded, profiles = load_workspace(root)
        first = loaded[0]
        view = build_brief(
            profiles[first.id], taxonomy=taxonomy, settings=settings, weights=weights, peer_count=len(loaded)
        )
        return BriefMaker(None).html(view)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--css", action="append", default=[], metavar="NAME=RULES", help="a CSS variant to price")
    parser.add_argument("--no-sections", action="store_true", help="skip the per-section shares")
    args = parser.parse_args()

    from engage.documents.brief_writer import BRIEF_STYLESHEETS
    from engage.documents.pdf import Renderer

    html = brief_html()
    renderer = Renderer(None)

    def calls(text: str) -> tuple[int, int]:
        renderer.render(text, title="t", lang="en", as_of=AS_OF, stylesheets=BRIEF_STYLESHEETS)  # warm
        profiler = cProfile.Profile()
        profiler.enable()
        result = renderer.render(text, title="t", lang="en", as_of=AS_OF, stylesheets=BRIEF_STYLESHEETS)
        profiler.disable()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        return sum(entry[1] for entry in stats.values()), result.pages

    base, pages = calls(html)
    print(f"brief of a synthetic company (40 records): {base:,} Python calls, {pages} pages")
    if not args.no_sections:
        for name in SECTIONS:
            pattern = re.compile(r'<section[^>]*class="' + re.escape(name) + r'\b.*?</section>', re.S)
            without, _ = calls(pattern.sub("", html, count=1))
            print(f"  {name:<14} {(base - without) / base:6.1%} of the calls")
    for variant in args.css:
        name, _, rules = variant.partition("=")
        cost, variant_pages = calls(html.replace("</head>", f"<style>{rules}</style></head>", 1))
        print(f"  variant {name}: {cost / base:.3f} of the calls ({cost - base:+,}), {variant_pages} pages")


if __name__ == "__main__":
    main()
