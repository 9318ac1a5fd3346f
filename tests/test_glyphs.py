"""Scripts and fonts: the bundled fonts print Chinese, Arabic and Hebrew from the bundle alone,
and a character no bundled font has is named once per company, with record and field, by
``engage check`` and by the render. PDFs are read back, never trusted."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from engage.cli.main import cli
from engage.glyphs import COVERAGE_FILE, build_coverage, text_fields, uncovered
from engage.records import load_company
from engage.taxonomy import load_taxonomy
from tests.regen_golden import WORKSPACE

AS_OF = "2025-06-01"
ARABIC = "أفاد تقرير بأن عمال المناجم تعرضوا لظروف عمل خطرة في مناجم الكوبالت"
HEBREW = "דו״ח על תנאי עבודה במכרות"
BYD = f"""\
name: 比亚迪 BYD
country: CN
allegations:
  - id: cobalt-drc
    title: Cobalt from artisanal mines
    date: 2024-05
    areas: [minerals]
    severity: high
    status: alleged
    materials: [cobalt]
    regions: [CD]
    suppliers: [浙江华友钴业]
    summary: "{ARABIC}. Ελληνικά, Русский, {HEBREW}, トヨタ, 현대."
    company_response: The company said it audits its suppliers.
    sources:
      - {{title: Report, publisher: NGO, url: https://example.org/r, date: 2024-05-20}}
"""
# U+1F600 (an emoji) and U+10000 (Linear B) are in no bundled font; the emoji twice.
UNPRINTABLE = """\
name: Glyph Gaps Motors
country: DE
allegations:
  - id: emoji-in-summary
    title: Emoji 😀 in a title
    date: 2024-05
    areas: [minerals]
    severity: high
    status: alleged
    summary: "Linear B 𐀀 and the emoji 😀 again."
    company_response: None.
    sources:
      - {title: Report, publisher: NGO, url: https://example.org/r, date: 2024-05-20}
"""


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    (root / "companies" / "byd.yaml").write_text(BYD, encoding="utf-8")
    (root / "companies" / "gaps.yaml").write_text(UNPRINTABLE, encoding="utf-8")
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """Return {BaseFont name: whether its font program is embedded} for every font on every page."""
    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def pdf_text(pdf: bytes) -> str:
    """Return the PDF's text: poppler's pdftotext where installed (it reads every font's ToUnicode map), else pypdf."""
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_coverage_file_matches_the_bundled_fonts() -> None:
    fonts_dir = Path(__file__).parent.parent / "engage" / "resources" / "fonts"
    assert (fonts_dir / COVERAGE_FILE).read_text(encoding="ascii") == build_coverage(fonts_dir), (
        "coverage.txt is stale: run `python -m engage.glyphs`"
    )


def test_the_bundled_fonts_cover_every_script_engage_promises() -> None:
    text = "Ünïcödé ŁÓDŹ Ελλάδα Москва 比亚迪 浙江华友钴业 臺灣積體電路 トヨタ自動車 현대자동차 " + ARABIC + HEBREW
    assert uncovered(text) == []
    # Joiners, variation selectors, bidi marks and thin spaces need no glyph of their own.
    assert uncovered("a\u200db\ufe0fc\u200fd\u2009e\u00ad") == []
    assert uncovered("😀 𐀀 😀 ก") == ["😀", "𐀀", "ก"]


def test_text_fields_name_yaml_paths(ws: Path) -> None:
    company = load_company(ws / "companies" / "byd.yaml", load_taxonomy(ws), ws)
    fields = dict(text_fields(company))
    assert fields["name"] == "比亚迪 BYD"
    assert fields["allegations[0].suppliers[0]"] == "浙江华友钴业"
    assert fields["allegations[0].sources[0].publisher"] == "NGO"
    assert all(where in company.lines for where in fields), set(fields) - set(company.lines)


def test_check_names_each_unprintable_character_once_with_record_and_field(ws: Path) -> None:
    code, _out, err = run("check", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0, err
    lines = [line for line in err.splitlines() if "no bundled font" in line]
    assert lines == [
        "warning: companies/gaps.yaml:5:12: allegations[0].title: '😀' (U+1F600 GRINNING FACE) is in no bundled "
        "font and would print as a box in PDFs; also in allegations[0].summary",
        "warning: companies/gaps.yaml:10:14: allegations[0].summary: '𐀀' (U+10000 LINEAR B SYLLABLE B008 A) is in "
        "no bundled font and would print as a box in PDFs",
    ]
    assert "2 missing-glyph" in err


def test_check_json_lists_missing_glyphs_with_line_and_field(ws: Path) -> None:
    code, out, _err = run("check", "gaps", "--json", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0
    found = [p for p in json.loads(out)["problems"] if p["kind"] == "missing-glyph"]
    assert [(p["path"], p["line"], p["field"], p["level"]) for p in found] == [
        ("companies/gaps.yaml", 5, "allegations[0].title", "warning"),
        ("companies/gaps.yaml", 10, "allegations[0].summary", "warning"),
    ]


@pytest.mark.slow
def test_chinese_and_arabic_brief_prints_from_the_bundle_with_no_warning(ws: Path) -> None:
    code, _out, err = run("brief", "byd", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0, err
    assert "no bundled font" not in err and "notdef" not in err and "machine font" not in err, err
    pdf = (ws / "briefs" / "byd" / "brief.pdf").read_bytes()
    text = pdf_text(pdf)
    assert "比亚迪 BYD" in text and "浙江华友钴业" in text
    assert "الكوبالت" in text or "الكوبالت"[::-1] in text  # extraction order of RTL text varies
    fonts = embedded_fonts(pdf)
    assert fonts and all(fonts.values()), fonts
    families = {name.split("+", 1)[-1] for name in fonts}
    assert all(name.startswith("Engage-Sans") for name in families), families
    assert {"Engage-Sans-CJK", "Engage-Sans-Arabic", "Engage-Sans-Hebrew"} <= families, families


@pytest.mark.slow
def test_a_latin_only_brief_embeds_no_other_script(ws: Path) -> None:
    code, _out, err = run("brief", "acme", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0, err
    families = {name.split("+", 1)[-1] for name in embedded_fonts((ws / "briefs/acme/brief.pdf").read_bytes())}
    assert families <= {"Engage-Sans", "Engage-Sans-Semi-Bold", "Engage-Sans-Bold", "Engage-Sans-Italic"}, families


@pytest.mark.slow
def test_render_names_each_unprintable_character_once_with_record_and_field(ws: Path) -> None:
    code, _out, err = run("brief", "gaps", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0, err
    lines = [line for line in err.splitlines() if "no bundled font" in line]
    assert lines == [
        "warning: gaps: brief.pdf: companies/gaps.yaml:5:12: allegations[0].title: '😀' (U+1F600 GRINNING FACE) "
        "is in no bundled font: printed as a box; also in allegations[0].summary",
        "warning: gaps: brief.pdf: companies/gaps.yaml:10:14: allegations[0].summary: '𐀀' (U+10000 LINEAR B "
        "SYLLABLE B008 A) is in no bundled font: printed as a box",
    ]
    assert "notdef" not in err  # WeasyPrint's one warning per occurrence is folded into those
    if shutil.which("pdftotext"):  # pypdf garbles the text of a font holding a .notdef stand-in
        text = pdf_text((ws / "briefs" / "gaps" / "brief.pdf").read_bytes())
        assert "😀" in text and "𐀀" in text  # a box on the page, the character in the text layer


@pytest.mark.slow
def test_batch_json_summary_carries_the_render_warnings(ws: Path) -> None:
    code, out, err = run("batch", "gaps", "--only", "brief", "--jobs", "1", "--json", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert [w["company"] for w in warnings] == ["gaps", "gaps"]
    assert warnings[0]["message"].startswith("brief.pdf: companies/gaps.yaml:5:12: allegations[0].title: '😀'")
    assert "warning: gaps: brief.pdf: companies/gaps.yaml:10:14: allegations[0].summary: '𐀀'" in err


@pytest.mark.slow
def test_the_coverage_agrees_with_what_the_renderer_prints() -> None:
    from engage.documents.pdf import Renderer

    sample = "Aé Ω Ж 中 あ 한 ع ש \u2009 \u200d \ufe0f \u00ad 😀 𐀀 ก अ ☃ ✓"
    html = f'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p>{sample}</p></body></html>'
    result: Any = Renderer().render(html, title="t", lang="en", as_of=date(2025, 1, 1))
    assert list(result.missing_glyphs) == uncovered(sample)


def test_batch_names_a_character_once_per_company_for_both_documents() -> None:
    from engage.batch.results import BatchSummary, CompanyResult, DocumentResult

    same = "companies/x.yaml:5:12: name: '😀' (U+1F600 GRINNING FACE) is in no bundled font: printed as a box"
    other = "companies/x.yaml:9:3: allegations[0].title: '𐀀' (U+10000 LINEAR B SYLLABLE B008 A) is in no bundled font"
    docs = (
        DocumentResult("brief", warnings=(f"brief.pdf: {same}", f"brief.pdf: {other}")),
        DocumentResult("letter", warnings=(f"letter.pdf: {same}",)),
    )
    summary = BatchSummary(plan=None, results=[CompanyResult("x", docs)])  # type: ignore[arg-type]
    assert summary.warnings == [("x", f"brief.pdf, letter.pdf: {same}"), ("x", f"brief.pdf: {other}")]


def test_text_dir_follows_the_first_strong_character() -> None:
    from engage.documents.environment import text_dir

    assert text_dir(ARABIC + " Workers") == "rtl"
    assert text_dir("« " + HEBREW) == "rtl"  # neutral characters first do not decide
    assert text_dir("Workers " + ARABIC) == "ltr"
    assert text_dir("比亚迪") == "ltr"
    assert text_dir("2024 – ") == "" and text_dir(None) == ""


def test_right_to_left_record_text_gets_its_direction_in_the_brief(ws: Path) -> None:
    code, _out, err = run("brief", "byd", "--format", "html", "--as-of", AS_OF, "-w", str(ws))
    assert code == 0, err
    html = (ws / "briefs" / "byd" / "brief.html").read_text(encoding="utf-8")
    assert f'<p class="small" dir="rtl">{ARABIC}.' in html
    assert '<strong dir="rtl">' not in html  # the English title stays left to right
    assert '<h1 class="cover-title">比亚迪 BYD</h1>' in html
