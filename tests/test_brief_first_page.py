"""The brief's first two pages on the shipped data (issue 15): top risks that rest on no company
record say so, and the executive summary carries every ask in full on its own page."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from engage.api import Workspace
from engage.documents.brief import SECTOR_ONLY

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def views() -> dict[str, object]:
    from tests.test_render import make_views

    return make_views(ROOT, AS_OF)


def test_a_top_risk_on_the_sector_baseline_alone_says_so(views) -> None:  # type: ignore[no-untyped-def]
    """GAC: three 'top risks' read like findings while no company record lay behind any of them."""
    seen = 0
    for cid, view in views.items():
        for risk in view.top_risks:
            assert (risk.basis == SECTOR_ONLY) == (not risk.records), (cid, risk)
            seen += risk.basis == SECTOR_ONLY
    assert all(r.basis == SECTOR_ONLY for r in views["gac"].top_risks) and seen >= 3


def _page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, check=True
    )
    return " ".join(out.stdout.decode("utf-8").split())


def _squeezed(text: str) -> str:
    return text.replace(" ", "").replace("-", "")


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_shipped_summary_ends_on_page_two_with_its_last_ask(tmp_path: Path, paper: str) -> None:
    """Volkswagen and Hyundai ran onto page 3 with the end of their fifth ask; on letter paper the cover ran over."""
    ws = Workspace.open(ROOT)
    ids = ws.company_ids() if paper == "a4" else ["volkswagen", "hyundai", "tesla"]
    for cid in ids:
        (pdf,) = ws.brief(cid, as_of=AS_OF, out=tmp_path, paper=paper)
        cover, summary, after = (_page_text(pdf, n) for n in (1, 2, 3))
        asks = ws.asks(cid, as_of=AS_OF)
        assert "Executive summary" in summary and "Executive summary" not in after, (cid, paper)
        assert "Prepared by" in cover or "Compiled from" in cover, (cid, paper)  # the cover's last line
        if asks:
            last = " ".join(asks[-1].text.split()[-6:])
            assert _squeezed(last) in _squeezed(summary), (cid, paper, last)
            # The cover's note points at page 2: that is where every ask is, in full.
            assert "page 2" in cover, cid
        if cid == "gac":
            assert _squeezed(SECTOR_ONLY) in _squeezed(cover), cover


def test_an_unranked_newest_benchmark_names_the_latest_rank_beside_it(views) -> None:  # type: ignore[no-untyped-def]
    """Hyundai's cover said 'Lead the Charge Leaderboard 2025: rank not stated' while the sentence below it cited
    the 2024 rank, 10 of 18; a portfolio manager saw a rank appear from nowhere."""
    (line,) = [b for b in views["hyundai"].first_page.benchmarks if b.startswith("Lead the Charge")]
    assert line == "Lead the Charge Leaderboard 2025: rank not stated (18 assessed); 2024: rank 10 of 18", line
    for cid, view in views.items():
        for gap in view.benchmark_gaps:
            year, rank = gap.split(" ranks ")[0].rsplit(" ", 1)[1], gap.split(" ranks ")[1].split(",")[0]
            assert any(year in b and " ".join(rank.split()[-3:]) in b for b in view.first_page.benchmarks), (cid, gap)
