"""Tests for engage.documents.pdf and .doctor: restricted fetcher, PDF/UA metadata, determinism, errors, doctor."""

from __future__ import annotations

import io
import logging
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from engage.documents import doctor as doctor_module
from engage.documents.doctor import doctor_report
from engage.documents.pdf import BUNDLED_FONT_FAMILIES, Renderer, make_fetcher, packaged_resources
from engage.errors import RenderError

AS_OF = date(2026, 11, 1)
SECRET = "engage-test-secret-7f3a"


@pytest.fixture(scope="module")
def templates_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace templates/ folder with a good file, a symlink out and a secret next door."""
    root = tmp_path_factory.mktemp("workspace")
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (outside / "evil.css").write_text("p { color: red }")
    templates = root / "templates"
    templates.mkdir()
    (templates / "ok.css").write_text("p.ok { color: #123456 }")
    (templates / "notes.txt").write_text(SECRET)
    (templates / "escape.css").symlink_to(outside / "evil.css")
    (templates / "passwd-link").symlink_to("/etc/passwd")
    (templates / "inside-link.css").symlink_to(templates / "ok.css")
    return templates


@pytest.fixture(scope="module")
def renderer(templates_dir: Path) -> Renderer:
    return Renderer(templates_dir)


def page(body: str, *, head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Test brief</title>{head}</head><body>{body}</body></html>"
    )


def render(renderer: Renderer, html: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"title": "Test brief", "lang": "en", "as_of": AS_OF}
    options.update(kwargs)
    return renderer.render(html, **options)


def reader_for(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


# ----------------------------------------------------------------- fetcher, directly


@pytest.fixture()
def fetcher(templates_dir: Path) -> Any:
    return make_fetcher([packaged_resources(), templates_dir])


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:9/x.png", "http scheme"),
        ("https://example.com/style.css", "https scheme"),
        ("ftp://example.com/x", "ftp scheme"),
        ("file:///etc/passwd", "outside the allowed folders"),
        ("file://remotehost/etc/passwd", "remote file host"),
        ("data:text/plain;base64,aGVsbG8=", "data: URIs"),
        ("javascript:alert(1)", "javascript scheme"),
    ],
)
def test_fetcher_refuses(fetcher: Any, url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        fetcher.fetch(url)
    assert [r.url for r in fetcher.refusals] == [url]


def test_fetcher_refuses_symlink_out_of_templates(fetcher: Any, templates_dir: Path) -> None:
    for name in ("escape.css", "passwd-link"):
        with pytest.raises(ValueError, match="symlink resolves outside"):
            fetcher.fetch((templates_dir / name).as_uri())


def test_fetcher_refuses_dotdot_escape(fetcher: Any, templates_dir: Path) -> None:
    url = templates_dir.as_uri() + "/../outside/secret.txt"
    with pytest.raises(ValueError, match="outside the allowed folders"):
        fetcher.fetch(url)


def test_fetcher_refuses_directories_and_missing_files(fetcher: Any, templates_dir: Path) -> None:
    with pytest.raises(ValueError, match="not a regular file"):
        fetcher.fetch(templates_dir.as_uri())
    with pytest.raises(ValueError, match="cannot resolve"):
        fetcher.fetch((templates_dir / "missing.css").as_uri())


def test_fetcher_serves_files_under_roots(fetcher: Any, templates_dir: Path) -> None:
    response = fetcher.fetch((templates_dir / "ok.css").as_uri())
    assert response.read() == b"p.ok { color: #123456 }"
    assert response.content_type == "text/css"
    font = fetcher.fetch((packaged_resources() / "fonts" / "Inter-Regular.otf").as_uri())
    assert font.read(4) == b"OTTO"
    inside = fetcher.fetch((templates_dir / "inside-link.css").as_uri())
    assert b"#123456" in inside.read()
    assert fetcher.refusals == []


def test_data_uris_only_when_allowed(templates_dir: Path) -> None:
    fetcher = make_fetcher([templates_dir], allow_data=True)
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"


def test_fetcher_is_a_weasyprint_urlfetcher(fetcher: Any) -> None:
    from weasyprint.urls import URLFetcher

    # WeasyPrint 70 crashes on its first refusal when given a plain function.
    assert isinstance(fetcher, URLFetcher)


# ----------------------------------------------------------------- fetcher, through a render


def test_render_skips_refused_resources_and_reports_them(renderer: Renderer, templates_dir: Path) -> None:
    html = page(
        '<p>Body text</p><img src="http://127.0.0.1:9/x.png" alt="remote">'
        '<img src="file:///etc/passwd" alt="local">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">'
        f'<img src="{(templates_dir / "passwd-link").as_uri()}" alt="link">',
        head='<link rel="stylesheet" href="https://example.com/x.css">'
        '<link rel="stylesheet" href="escape.css"><link rel="stylesheet" href="ok.css">',
    )
    result = render(renderer, html, base_url=templates_dir)
    refused = {r.url for r in result.refused}
    assert "http://127.0.0.1:9/x.png" in refused
    assert "file:///etc/passwd" in refused
    assert "https://example.com/x.css" in refused
    assert any(u.startswith("data:") for u in refused)
    assert (templates_dir / "escape.css").as_uri() in refused
    assert (templates_dir / "passwd-link").as_uri() in refused
    assert (templates_dir / "ok.css").as_uri() not in refused
    assert any("127.0.0.1" in w for w in result.warnings)
    assert reader_for(result.pdf).pages[0].extract_text().startswith("Body text")


def test_warnings_are_captured_even_when_logging_is_quiet(renderer: Renderer) -> None:
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    try:
        result = render(renderer, page('<img src="http://127.0.0.1:9/y.png" alt="">'))
    finally:
        logging.getLogger("weasyprint").setLevel(logging.NOTSET)
    assert any("127.0.0.1:9/y.png" in w for w in result.warnings)
    assert logging.getLogger("weasyprint").level == logging.NOTSET


def test_attachments_are_never_embedded(renderer: Renderer, templates_dir: Path) -> None:
    html = page(
        f'<p>See <a rel="attachment" href="{(templates_dir / "notes.txt").as_uri()}">notes</a>'
        ' and <a rel="attachment" href="file:///etc/passwd">passwd</a>.</p>',
        head='<link rel="attachment" href="file:///etc/passwd">'
        f'<link rel="attachment" href="{(templates_dir / "notes.txt").as_uri()}">',
    )
    data = render(renderer, html, base_url=templates_dir).pdf
    reader = reader_for(data)
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    for pdf_page in reader.pages:
        for annot in pdf_page.get("/Annots") or []:
            assert annot.get_object()["/Subtype"] != "/FileAttachment"
    assert SECRET.encode() not in data
    assert b"root:x:0:0" not in data


def test_only_http_links_become_links(renderer: Renderer) -> None:
    html = page(
        '<p><a href="https://example.com/report.pdf">report</a> '
        '<a href="http://example.org/">site</a> '
        '<a href="file:///etc/passwd">file</a> <a href="javascript:alert(1)">js</a> '
        '<a href="mailto:x@example.com">mail</a> <a href="#s2">internal</a></p><h2 id="s2">S2</h2>'
    )
    reader = reader_for(render(renderer, html).pdf)
    uris = []
    for annot in reader.pages[0].get("/Annots") or []:
        action = annot.get_object().get("/A")
        if action is not None:
            uris.append(str(action.get_object()["/URI"]))
    assert sorted(uris) == ["http://example.org/", "https://example.com/report.pdf"]


# ----------------------------------------------------------------- metadata and structure


def test_pdf_ua_metadata_and_structure(renderer: Renderer) -> None:
    result = render(
        renderer,
        page(
            "<h1>Volkswagen</h1><table><thead><tr><th>Area</th></tr></thead>"
            "<tbody><tr><td>Cobalt</td></tr></tbody></table>",
            lang="en-GB",
        ),
        title="Volkswagen AG: supply-chain briefing",
        lang="en-GB",
        author="Example Investors LLP",
        subject="Investor briefing",
        keywords=["automotive", "supply chain"],
        creator="engage 0.1.0",
    )
    reader = reader_for(result.pdf)
    info = reader.metadata
    assert info is not None
    assert info.title == "Volkswagen AG: supply-chain briefing"
    assert info.author == "Example Investors LLP"
    assert info.subject == "Investor briefing"
    assert info["/Keywords"] == "automotive, supply chain"
    assert info.creator == "engage 0.1.0"
    assert str(info["/CreationDate"]).startswith("D:20261101")
    assert str(info["/ModDate"]).startswith("D:20261101")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] in (True, "true")
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp or b'part="1"' in xmp
    assert reader.pdf_header == "%PDF-1.7"
    assert result.pages == len(reader.pages) == 1


def test_metadata_comes_from_arguments_not_from_the_html(renderer: Renderer) -> None:
    html = page(
        "<p>x</p>", head='<meta name="author" content="Mallory"><meta name="dcterms.created" content="1999-01-01">'
    )
    info = reader_for(render(renderer, html, author="").pdf).metadata
    assert info is not None
    assert "/Author" not in info
    assert str(info["/CreationDate"]).startswith("D:20261101")


def test_uses_only_bundled_fonts(renderer: Renderer) -> None:
    result = render(renderer, page("<p>Plain <b>bold</b> <i>italic</i> <b><i>both</i></b> €£ – “quotes”</p>"))
    assert result.fonts == ("Engage Sans",)
    assert result.machine_fonts == ()


def test_a_machine_font_asked_for_by_name_is_never_used(renderer: Renderer) -> None:
    # fontconfig is given no machine font: a stylesheet naming one still gets a bundled font.
    html = page('<p style="font-family: monospace">code</p><p style="font-family: \'DejaVu Sans\', serif">x</p>')
    result = render(renderer, html)
    assert result.machine_fonts == ()
    assert set(result.fonts) <= set(BUNDLED_FONT_FAMILIES)
    fonts = reader_for(result.pdf).pages[0]["/Resources"]["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    assert names and all("Engage-Sans" in n for n in names), names


def test_title_and_lang_are_required(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="title"):
        render(renderer, page("<p>x</p>"), title=" ")
    with pytest.raises(RenderError, match="language"):
        render(renderer, page("<p>x</p>"), lang="")


def test_paper_sizes(renderer: Renderer) -> None:
    a4 = reader_for(render(renderer, page("<p>x</p>"), paper="a4").pdf).pages[0].mediabox
    letter = reader_for(render(renderer, page("<p>x</p>"), paper="letter").pdf).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    with pytest.raises(RenderError, match="unknown paper size"):
        render(renderer, page("<p>x</p>"), paper="a3")


def test_workspace_stylesheet_overrides_packaged_by_name(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "print.css").write_text("@page { size: 100mm 100mm }")
    own = Renderer(templates)
    assert own.stylesheet_path("print.css") == templates / "print.css"
    box = reader_for(render(own, page("<p>x</p>"), paper="a4").pdf).pages[0].mediabox
    # The paper option is applied after the stylesheets, so it still wins.
    assert round(float(box.width)) == 595
    with pytest.raises(RenderError, match="bare"):
        own.stylesheet_path("../etc/x.css")


# ----------------------------------------------------------------- determinism


def test_identical_inputs_give_identical_bytes(renderer: Renderer) -> None:
    html = page("<h1>Brief</h1><p>Cobalt from the DRC, <b>high</b> severity.</p>")
    first = render(renderer, html).pdf
    second = render(renderer, html).pdf
    third = render(Renderer(renderer.templates_dir), html).pdf
    assert first == second == third
    assert render(renderer, html, as_of=date(2026, 11, 2)).pdf != first


def test_identical_bytes_with_fonttools_subsetting(renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without HarfBuzz's subsetter fontTools stamps the clock into fonts; SOURCE_DATE_EPOCH pins it."""
    import fontTools.misc.timeTools as time_tools
    import weasyprint.pdf.fonts as wp_fonts

    monkeypatch.setattr(wp_fonts, "harfbuzz_subset", None)
    clock = iter(range(1_800_000_000, 1_900_000_000, 100_000))

    class FakeTime:
        @staticmethod
        def time() -> float:
            return float(next(clock))

    monkeypatch.setattr(time_tools, "time", FakeTime)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    html = page("<p>fontTools path</p>")
    first = render(renderer, html)
    second = render(renderer, html)
    assert any("fontTools" in w for w in first.warnings)
    assert first.pdf == second.pdf
    assert "SOURCE_DATE_EPOCH" not in os.environ


# ----------------------------------------------------------------- errors


class _Fatal(BaseException):
    pass


@pytest.mark.parametrize(
    "error",
    [AssertionError("layout went wrong"), _Fatal("fatal fetch"), RecursionError("maximum recursion depth exceeded")],
)
def test_weasyprint_errors_become_render_error(
    renderer: Renderer, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    import weasyprint

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(weasyprint.HTML, "render", broken)
    with pytest.raises(RenderError) as caught:
        render(renderer, page("<p>x</p>"))
    assert str(caught.value) == f"WeasyPrint failed: {type(error).__name__}: {error}"
    assert "\n" not in str(caught.value)


def test_keyboard_interrupt_is_not_swallowed(renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(weasyprint.HTML, "render", interrupted)
    with pytest.raises(KeyboardInterrupt):
        render(renderer, page("<p>x</p>"))


def test_refusal_that_escapes_weasyprint_is_a_clear_render_error(renderer: Renderer) -> None:
    # WeasyPrint does not catch fetch failures for @color-profile.
    html = page("<p>x</p>", head="<style>@color-profile --p { src: url(http://127.0.0.1:9/p.icc) }</style>")
    with pytest.raises(RenderError) as caught:
        render(renderer, html)
    assert str(caught.value) == ("WeasyPrint failed: refused http://127.0.0.1:9/p.icc: the http scheme is not allowed")


def test_renderer_still_works_after_an_error(renderer: Renderer) -> None:
    assert render(renderer, page("<p>after</p>")).pdf.startswith(b"%PDF-1.7")


# ----------------------------------------------------------------- doctor


def test_doctor_report_on_this_machine(renderer: Renderer) -> None:
    report = doctor_report(renderer)
    names = [check.name for check in report.checks]
    assert names == ["WeasyPrint", "Pango", "HarfBuzz", "HarfBuzz subsetter", "Bundled fonts", "Test render"]
    assert report.versions["weasyprint"] == "70.0"
    assert report.versions["pango"].count(".") == 2
    assert report.render_seconds is not None and report.render_seconds > 0
    render_check = report.checks[-1]
    assert render_check.ok, render_check.detail
    for check in report.checks:
        assert check.ok or check.fix


def test_doctor_names_the_fix_for_a_missing_subsetter(renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    report = doctor_report(renderer, test_render=False)
    subset = next(c for c in report.checks if c.name == "HarfBuzz subsetter")
    assert not subset.ok
    assert subset.fix == "sudo apt-get install libharfbuzz-subset0"
    assert not report.ok
    assert report.fixes == ("sudo apt-get install libharfbuzz-subset0",)


def test_doctor_reports_missing_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor_module, "BUNDLED_FONT_FILES", ("Inter-Regular.otf", "Nope.otf"))
    report = doctor_report(test_render=False)
    fonts = next(c for c in report.checks if c.name == "Bundled fonts")
    assert not fonts.ok
    assert "Nope.otf" in fonts.detail


def test_fetcher_does_not_hang_on_a_fifo(fetcher: Any, templates_dir: Path) -> None:
    fifo = templates_dir / "pipe.css"
    os.mkfifo(fifo)
    try:
        with pytest.raises(ValueError, match="not a regular file"):
            fetcher.fetch(fifo.as_uri())
    finally:
        fifo.unlink()
