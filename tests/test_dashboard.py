"""The dashboard's view model and page without a browser: trend labels, grey scale, the command."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest
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


@pytest.mark.slow
def test_index_pdf_links_each_row_to_its_documents_relatively_and_names_no_machine_path(tmp_path: Path) -> None:
    """The PDF's links are live and relative ('acme/brief.pdf'): the folder can move, nothing is fetched."""
    import io
    import random
    from types import SimpleNamespace

    from profile_factories import synthetic_company
    from pypdf import PdfReader

    from engage.batch.index import render_index
    from engage.documents.dashboard import IndexLink, build_dashboard, dashboard_row
    from engage.documents.pdf import Renderer, packaged_resources
    from engage.profile import compile_profiles, load_weights
    from engage.taxonomy import load_taxonomy

    as_of = dt.date(2026, 11, 1)
    taxonomy = load_taxonomy(None)
    companies = [synthetic_company(random.Random(i), i, 6) for i in range(4)]
    profiles = compile_profiles(companies, taxonomy, as_of, load_weights(None))
    files = ("brief.pdf", "letter.pdf", "letter.docx", "letter.md")
    rows = [
        dashboard_row(
            c.id, c.name, profiles[c.id], as_of=as_of, links=tuple(IndexLink(f, f"{c.id}/{f}") for f in files)
        )
        for c in companies
    ]
    view = build_dashboard(rows, taxonomy, as_of, lang="en-GB")
    templates = tmp_path / "templates"
    templates.mkdir()
    renderer = Renderer(templates)
    context = SimpleNamespace(templates_dir=templates, paper="a4")
    pdf = render_index(view, context, renderer)["index.pdf"]  # type: ignore[arg-type]
    targets: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link" and "/A" in annot:
                action = annot["/A"].get_object()
                assert action["/S"] == "/URI"
                targets.append(str(action["/URI"]))
                assert str(annot.get("/Contents", "")) == str(action["/URI"])  # the tag's text: the same path
    assert sorted(targets) == sorted(f"{c.id}/{f}" for c in companies for f in files)
    for machine_path in (str(tmp_path), str(packaged_resources()), "file:"):
        assert machine_path.encode() not in pdf
    # Byte-reproducible: the same input gives the same bytes, wherever the templates folder is.
    elsewhere = tmp_path / "moved" / "templates"
    elsewhere.mkdir(parents=True)
    again = render_index(view, SimpleNamespace(templates_dir=elsewhere, paper="a4"), Renderer(elsewhere))
    assert again["index.pdf"] == pdf  # type: ignore[index]


def test_the_due_window_comes_from_engage_yaml_or_the_option_and_the_words_follow_it(tmp_path: Path) -> None:
    shutil.copytree(REPO / "companies", tmp_path / "companies")
    settings = (REPO / "engage.yaml").read_text(encoding="utf-8")
    (tmp_path / "engage.yaml").write_text(settings + "engagement:\n  due_within_days: 120\n", encoding="utf-8")

    def page(*extra: str) -> str:
        result = CliRunner().invoke(cli, ["dashboard", "-w", str(tmp_path), "--as-of", "2026-11-29", *extra])
        assert result.exit_code == 0, result.output
        return (tmp_path / "briefs" / "index.html").read_text(encoding="utf-8")

    def hyundai_due(html: str) -> str:
        return html.split('id="company-hyundai"')[1].split("</tr>")[0].split('class="due"')[1].split("</span>")[0]

    html = page()  # engage.yaml: 120 days; Hyundai's AGM is expected in 115
    assert 'AGM within <span class="window">120</span> days' in html and 'data-due-days="120"' in html
    assert hyundai_due(html) == ">Due: AGM in 115 days"
    html = page("--due-within", "8w")
    assert 'AGM within <span class="window">56</span> days' in html and hyundai_due(html) == " hidden>Due: "
    result = CliRunner().invoke(cli, ["dashboard", "-w", str(tmp_path), "--due-within", "soon"])
    assert result.exit_code == 2 and "--due-within" in result.output
