"""The dashboard's view model and page without a browser: trend labels, grey scale, the command."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from importlib import resources
from pathlib import Path

from click.testing import CliRunner

from engage.cli.main import cli
from engage.documents.dashboard import DashboardRow, due_reasons, spark_points

REPO = Path(__file__).parent.parent


def luminance(hex_colour: str) -> float:
    """Return the relative luminance (WCAG) of '#rrggbb'."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_heat_map_shades_darken_band_by_band_so_grey_scale_still_reads() -> None:
    css = (resources.files("engage") / "resources" / "css" / "index.css").read_text(encoding="utf-8")
    shades = [
        luminance(re.search(rf"--heat-{band}: (#[0-9a-f]{{6}})", css)[1])
        for band in ("low", "moderate", "elevated", "high")
    ]  # type: ignore[index]
    assert all(a - b >= 0.1 for a, b in itertools.pairwise(shades)), shades


def row(trend: str, cause: str, delta: float) -> DashboardRow:
    fields = dict.fromkeys(DashboardRow.__dataclass_fields__)
    fields.update(trend=trend, trend_cause=cause, trend_delta=delta, engagement="none")
    return DashboardRow(**fields)  # type: ignore[arg-type]


def test_a_fall_from_ageing_alone_is_never_shown_as_a_fall() -> None:
    aged = row("falling", "ageing", -5.9)
    assert aged.trend_mark == "\u00b7" and aged.trend_label == "\u22125.9 aged only"
    real = row("falling", "new-evidence", -3.0)
    assert real.trend_mark == "\u25bc" and real.trend_label == "\u22123.0 new evidence"
    assert row("rising", "mixed", 2.0).trend_label == "+2.0 new and aged evidence"
    assert row("steady", "none", 0.1).trend_label == "steady"


def test_due_reasons_and_sparkline() -> None:
    assert due_reasons(0, "overdue", 60) == ("AGM in 0 days", "reply overdue")
    assert due_reasons(61, "escalate", 60) == ("escalation due",) and due_reasons(-3, "none", 60) == ()
    points = spark_points([30.0, 30.5, 31.0])
    assert points.split()[0].startswith("0.0,") and points.split()[-1].startswith("60.0,")
    assert spark_points([5.0]) == ""


def test_engage_dashboard_writes_both_files_without_rendering_documents(tmp_path: Path) -> None:
    shutil.copytree(REPO / "companies", tmp_path / "companies")
    shutil.copy(REPO / "engage.yaml", tmp_path / "engage.yaml")
    result = CliRunner().invoke(cli, ["dashboard", "-w", str(tmp_path), "--as-of", "2026-11-29"])
    assert result.exit_code == 0, result.output
    assert "wrote briefs/index.html" in result.stderr and "wrote briefs/index.pdf" in result.stderr
    assert sorted(p.name for p in (tmp_path / "briefs").iterdir()) == ["index.html", "index.pdf"]
    html = (tmp_path / "briefs" / "index.html").read_text(encoding="utf-8")
    assert html.count('<th scope="col" data-key=') == 8 + 13 and html.count('<tr id="company-') == 18
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(
        p.extract_text() for p in PdfReader(BytesIO((tmp_path / "briefs" / "index.pdf").read_bytes())).pages
    )
    assert "Who is worst on what" in text and "Volkswagen" in text and "Human" in text
    assert dt.date(2026, 11, 29).isoformat() in text
