"""Tests for engage.documents: the Jinja2 environment, the brief view model, golden HTML, the PDF read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from engage.asof import known_at
from engage.documents.brief import build_brief
from engage.documents.brief_view import BriefView
from engage.documents.brief_writer import BriefMaker
from engage.documents.environment import make_environment, safe_url
from engage.documents.pdf import Renderer
from engage.documents.references import References
from engage.errors import RenderError
from engage.profile import compile_profiles, load_weights
from engage.records import Company, load_companies
from engage.regulations import RULES, regulatory_exposure
from engage.taxonomy import load_taxonomy
from engage.workspace import find_workspace, load_settings
from tests.regen_golden import GOLDEN_AS_OF, GOLDEN_COMPANIES, WORKSPACE, golden_html, golden_path

AS_OF = GOLDEN_AS_OF


def _load(root: Path) -> tuple[Any, Any, Any, list[Company]]:
    ws = find_workspace(root)
    settings = load_settings(ws)
    taxonomy = load_taxonomy(ws.root)
    companies, problems = load_companies(ws.company_files(), taxonomy, ws.root)
    assert not problems
    return ws, settings, taxonomy, companies


def make_views(root: Path, as_of: dt.date = AS_OF) -> dict[str, BriefView]:
    _ws, settings, taxonomy, companies = _load(root)
    weights = load_weights(settings.weights or None)
    profiles = compile_profiles(companies, taxonomy, as_of, weights)
    return {
        c.id: build_brief(
            profiles[c.id], taxonomy=taxonomy, settings=settings, weights=weights, peer_count=len(profiles)
        )
        for c in companies
    }


@pytest.fixture(scope="module")
def views() -> dict[str, BriefView]:
    return make_views(WORKSPACE)


@pytest.fixture(scope="module")
def companies() -> dict[str, Company]:
    return {c.id: c for c in _load(WORKSPACE)[3]}


@pytest.fixture(scope="module")
def maker() -> BriefMaker:
    return BriefMaker(None, renderer=Renderer())


@pytest.fixture(scope="module")
def acme_pdf(maker: BriefMaker, views: dict[str, BriefView]) -> bytes:
    return maker.pdf(views["acme"]).pdf


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def squash(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------- environment


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://example.org/a?b=c", "https://example.org/a?b=c"),
        ("http://example.org", "http://example.org"),
        ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("ftp://example.org/x", None),
        ("mailto:a@example.org", None),
        ("http:/no-host", None),
        ("//example.org/x", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_autoescape_everywhere_including_j2(tmp_path: Path) -> None:
    (tmp_path / "probe.html.j2").write_text("{% import '_macros.html.j2' as m %}{{ value }}|{{ m.link(url) }}")
    (tmp_path / "plain.txt.j2").write_text("{{ value }}")
    env = make_environment(tmp_path)
    html = env.get_template("probe.html.j2").render(value='<b onclick="x">&</b>', url="javascript:alert(1)")
    assert html.startswith("&lt;b onclick=&#34;x&#34;&gt;&amp;&lt;/b&gt;|")
    assert "<a" not in html
    assert env.get_template("plain.txt.j2").render(value="<i>") == "&lt;i&gt;"


def test_link_macro_only_links_http(tmp_path: Path) -> None:
    env = make_environment(None)
    macros = env.get_template("_macros.html.j2").module
    assert str(macros.link("https://example.org/x")) == '<a href="https://example.org/x">https://example.org/x</a>'
    assert str(macros.link("file:///etc/passwd")) == '<span class="url">file:///etc/passwd</span>'
    assert str(macros.link('https://example.org/"onmouseover="x')).count('"') == 2


def test_cite_macro_is_one_link_to_the_first_reference_with_three_in_a_row_as_a_range() -> None:
    macros = make_environment(None).get_template("_macros.html.j2").module

    def shown(numbers: list[int]) -> tuple[str, list[str]]:
        html = str(macros.cite(numbers))
        text = re.sub(r"<[^>]+>", "", html).replace("&#8202;", " ")
        assert text.startswith("&#8288;")  # a word joiner: the marker never starts a line
        return text.removeprefix("&#8288;"), re.findall(r'href="#ref-(\d+)"', html)

    assert shown([4]) == ("[4]", ["4"])
    assert shown([3, 4]) == ("[3, 4]", ["3"])
    assert shown([9, 1, 2, 3, 5, 6, 11, 12, 13, 14]) == ("[1–3, 5, 6, 9, 11–14]", ["1"])
    assert str(macros.cite([4])).startswith('&#8288;<a class="cite" href="#ref-4">')
    assert str(macros.cite([])) == ""


def test_meta_macro_leaves_out_empty_fields() -> None:
    macros = make_environment(None).get_template("_macros.html.j2").module
    html = str(macros.meta([("Where", "Chile"), ("Suppliers", ""), ("Areas", "Steel & <Iron>")]))
    assert html == ('<p class="meta">Where: Chile&emsp;Areas: Steel &amp; &lt;Iron&gt;</p>')


def test_strict_undefined_fails_loudly(tmp_path: Path, views: dict[str, BriefView]) -> None:
    (tmp_path / "_summary.html.j2").write_text("{{ brief.no_such_field }}")
    with pytest.raises(RenderError, match=r"template error in brief\.html\.j2.*no_such_field"):
        BriefMaker(tmp_path).html(views["acme"])


def test_template_syntax_error_is_a_render_error(tmp_path: Path, views: dict[str, BriefView]) -> None:
    (tmp_path / "_cover.html.j2").write_text("{% if %}")
    with pytest.raises(RenderError, match=r"template error in brief.html.j2 \(.*_cover.html.j2:1\)"):
        BriefMaker(tmp_path).html(views["acme"])


def test_workspace_template_overrides_by_name_and_extends_the_original(
    tmp_path: Path, views: dict[str, BriefView]
) -> None:
    (tmp_path / "brief.html.j2").write_text(
        '{% extends "engage/brief.html.j2" %}'
        '{% block methodology %}<section id="methodology"><h2>House method</h2></section>{% endblock %}'
    )
    (tmp_path / "_questions.html.j2").write_text('<section id="questions"><h2>Our questions</h2></section>')
    html = BriefMaker(tmp_path).html(views["acme"])
    assert "House method" in html and "Our questions" in html
    assert "<h2>Methodology and sources</h2>" not in html
    assert "Executive summary" in html  # the rest still comes from the packaged template


# ----------------------------------------------------------------- references and view


def test_references_number_in_order_and_deduplicate() -> None:
    from engage.records import Source

    refs = References()
    a = Source("Report", "NGO", "https://example.org/r")
    b = Source("Other", None, None)
    assert refs.cite([b, a]) == (1, 2)
    assert refs.cite([Source("Report", "NGO", "https://example.org/r/")]) == (2,)
    assert refs.cite_one("Rule", None, "ftp://example.org/rule", None) == 3
    items = refs.items
    assert [r.number for r in items] == [1, 2, 3]
    assert items[2].url is None and items[2].raw_url == "ftp://example.org/rule"


def test_view_ignores_records_and_sources_after_the_as_of_date(views: dict[str, BriefView]) -> None:
    acme = views["acme"]
    titles = [a.title for a in acme.allegations]
    assert "An allegation dated after the as-of date" not in titles
    ref_titles = [r.title for r in acme.references]
    assert "Future source" not in ref_titles
    assert "Later source on steel" not in ref_titles


def test_view_numbers_records_and_cites_every_source(
    views: dict[str, BriefView], companies: dict[str, Company]
) -> None:
    acme = views["acme"]
    assert [a.label for a in acme.allegations] == ["A1", "A2"]
    assert [c.label for c in acme.commitments] == ["C1", "C2"]
    assert all(a.refs for a in acme.allegations) and all(c.refs for c in acme.commitments)
    numbers = {r.number for r in acme.references}
    assert numbers == set(range(1, len(acme.references) + 1))
    # every reference number used is in the list
    used = {n for a in acme.allegations for n in a.refs} | {n for c in acme.commitments for n in c.refs}
    assert used <= numbers


def test_commitment_credibility_and_overdue(views: dict[str, BriefView]) -> None:
    by_title = {c.title: c for c in views["acme"].commitments}
    steel = by_title["Near-zero steel offtake agreement"]
    assert steel.credible and all(met for _, met in steel.criteria)
    battery = by_title["Recycled battery materials target"]
    assert battery.status == "overdue"
    assert dict(battery.criteria) == {
        "Quantified target": True,
        "Time-bound": False,
        "Independently verified": False,
        "On track": False,
    }


def test_regulations_follow_the_records(companies: dict[str, Company]) -> None:
    keys = {e.rule.key for e in regulatory_exposure(companies["acme"], AS_OF)}
    # cobalt -> batteries regulation; CN -> UFLPA; aluminium -> CBAM; DE -> LkSG, CSRD (disclosure? no)
    assert {"batteries", "uflpa", "cbam", "lksg", "csddd", "eu-forced-labour"} <= keys
    assert regulatory_exposure(companies["quiet"], AS_OF) == []
    peer = {e.rule.key for e in regulatory_exposure(companies["peer"], AS_OF)}
    assert "lksg" not in peer  # a German law, Peer Auto is Swedish


def test_regulation_table_is_ordered_and_dated() -> None:
    for rule in RULES:
        dates = [m.date for m in rule.milestones]
        assert dates == sorted(dates), rule.key
        assert rule.url.startswith("https://"), rule.key


def test_chart_has_a_text_alternative(views: dict[str, BriefView]) -> None:
    chart = views["acme"].chart
    grouped = chart.grouped.split(": ", 1)[1].split(", ")
    assert len(chart.rows) + len(grouped) == 13  # areas with no record are named on one line
    assert "Workers' rights" in chart.description and "peer median" in chart.description
    assert all(name in chart.description for name in grouped)


def test_chart_scales_to_the_data_and_shows_every_median(views: dict[str, BriefView]) -> None:
    chart = views["acme"].chart
    top = max(max(r.value, r.median or 0) for r in chart.rows)
    axis = chart.ticks[-1][1]
    assert top <= axis < 100 or top > 80
    assert f"on a scale of 0 to {axis}" in chart.title
    plot_right = chart.left + chart.plot
    for r in chart.rows:
        assert r.median_x is not None and chart.left < r.median_x <= plot_right  # off the axis line, on the plot


# ----------------------------------------------------------------- golden HTML


@pytest.mark.parametrize("company_id", GOLDEN_COMPANIES)
def test_golden_html(company_id: str) -> None:
    expected = golden_path(company_id).read_text(encoding="utf-8")
    assert golden_html(company_id) == expected, (
        "brief HTML changed; if intended, run `.venv/bin/python -m tests.regen_golden` and review the diff"
    )


def test_html_escapes_record_text(views: dict[str, BriefView], maker: BriefMaker) -> None:
    html = maker.html(views["acme"])
    assert "<script>" not in html and "<b>linked</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;linked&lt;/b&gt;" in html
    hrefs = re.findall(r'href="([^"#][^"]*)"', html)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)


def test_standalone_html_inlines_css(views: dict[str, BriefView], maker: BriefMaker) -> None:
    html = maker.html(views["acme"], standalone=True, paper="letter")
    assert "<style>" in html and "@page { size: letter; }" in html
    assert "@font-face" not in html  # the bundled fonts are for the PDF only
    assert html.count("</style>") == 1


# ----------------------------------------------------------------- the PDF, read back


def test_pdf_structure_and_metadata(acme_pdf: bytes, views: dict[str, BriefView]) -> None:
    reader = PdfReader(io.BytesIO(acme_pdf))
    cover = reader.pages[0].extract_text() or ""
    assert "not investment advice" in cover  # the cover fits on one page, note included
    assert len(reader.pages) >= 6
    info = reader.metadata
    assert info is not None
    assert info.title == views["acme"].title
    assert info.author == "Example Investors LLP"
    assert str(info["/CreationDate"]).startswith("D:20261101")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] in (True, "true")
    assert reader.attachments == {}
    assert b"/Figure" in acme_pdf or _has_figure_with_alt(reader)


def _has_figure_with_alt(reader: PdfReader) -> bool:
    found = False

    def walk(node: Any, depth: int = 0) -> None:
        nonlocal found
        if found or depth > 60:
            return
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure" and "Bar chart of net risk" in str(node.get("/Alt", "")):
                found = True
                return
            kids = node.get("/K")
            if kids is not None:
                walk(kids, depth + 1)
        elif isinstance(node, list):
            for kid in node:
                walk(kid, depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def test_chart_figure_carries_alt_text(acme_pdf: bytes) -> None:
    assert _has_figure_with_alt(PdfReader(io.BytesIO(acme_pdf)))


def test_pdf_text_holds_every_record_and_source(
    acme_pdf: bytes, views: dict[str, BriefView], companies: dict[str, Company]
) -> None:
    text = pdf_text(acme_pdf)
    view = views["acme"]
    for row in view.allegations:
        assert squash(row.title) in text, row.title
    for row in view.commitments:
        assert squash(row.title) in text, row.title
    for ref in view.references:
        assert squash(ref.title) in text, ref.title
    for heading in (
        "Executive summary",
        "Risk map",
        "Regulatory exposure",
        "Allegations",
        "Commitments",
        "Opportunities, and where peers lead",
        "Questions for management",
        "Methodology and sources",
    ):
        assert heading in text
    pages = len(PdfReader(io.BytesIO(acme_pdf)).pages)
    assert f"Page 2 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Stewardship team, Example Investors LLP" in text


def test_brief_for_a_company_with_no_records(maker: BriefMaker, views: dict[str, BriefView]) -> None:
    result = maker.pdf(views["quiet"])
    text = pdf_text(result.pdf)
    assert "No allegations are on record for Quiet Cars" in text
    assert "No commitments are on record for Quiet Cars" in text
    assert result.machine_fonts == ()
    html = maker.html(views["quiet"])
    assert "Quiet Cars&#39;s" not in html and "Quiet Cars&#39; records" in html  # a name ending in s


@pytest.mark.slow
def test_identical_inputs_give_identical_pdfs(maker: BriefMaker, acme_pdf: bytes) -> None:
    again = maker.pdf(make_views(WORKSPACE)["acme"]).pdf
    assert again == acme_pdf


@pytest.mark.slow
def test_two_hundred_allegations_render(tmp_path: Path, maker: BriefMaker) -> None:
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    lines = ["name: Busy Motors", "country: FR", "allegations:"]
    severities = ["low", "medium", "high", "severe"]
    for i in range(200):
        lines += [
            f"  - id: case-{i:03d}",
            f"    title: Allegation number {i:03d} about a supplier in the battery chain",
            f"    date: {2020 + i % 6}-{1 + i % 12:02d}",
            "    areas: [batteries, workers-rights]",
            f"    severity: {severities[i % 4]}",
            "    status: alleged",
            "    regions: [CN]",
            "    summary: A long summary that takes a couple of lines in the table cell, to exercise page breaks.",
            "    sources:",
            f"      - {{title: Source {i:03d}, publisher: Publisher {i % 7}, url: 'https://example.org/{i}'}}",
        ]
    (root / "companies" / "busy.yaml").write_text("\n".join(lines) + "\n")
    view = make_views(root)["busy"]
    result = maker.pdf(view)
    assert result.pages > 20
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(result.pdf)).pages]
    text = " ".join(pages)
    for i in (0, 57, 199):
        assert f"Allegation number {i:03d}" in text
        assert f"Source {i:03d}" in text
    # the allegations table repeats its header on every page it spans
    headed = sum(1 for p in pages if "What and where" in p)
    assert headed >= 10
    assert f"15 most serious of {view.questions_total} questions" in text  # 15 of them are listed


# ----------------------------------------------------------------- defects found in review


def _company(*allegations: Any, commitments: tuple[Any, ...] = (), country: str = "FR") -> Company:
    return Company(
        id="probe",
        name="Probe Motors",
        country=country,
        path=Path("companies/probe.yaml"),
        allegations=tuple(allegations),
        commitments=commitments,
    )


def _allegation(rid: str, title: str, *, areas: tuple[str, ...] = ("workers-rights",), **extra: Any) -> Any:
    from engage.dates import PartialDate
    from engage.records import Allegation, Source

    fields: dict[str, Any] = {"date": PartialDate.parse("2025-03"), "severity": "high", "status": "alleged"}
    fields.update(extra)
    return Allegation(id=rid, title=title, areas=areas, sources=(Source("A report", "NGO"),), **fields)


def _exposures(company: Company) -> dict[str, Any]:
    return {e.rule.key: e for e in regulatory_exposure(known_at(company, AS_OF), AS_OF)}


def test_uflpa_names_xinjiang_from_the_record_text_and_never_claims_silence_wrongly() -> None:
    urumqi = _allegation(
        "audit", "Audit of the Urumqi plant relied on documents", regions=("CN",), summary="A joint-venture plant."
    )
    smelter = _allegation("smelter", "Coal-powered aluminium smelter", regions=("CN",), areas=("aluminum",))
    named = _exposures(_company(urumqi, smelter))["uflpa"]
    assert named.topic_records == (("xinjiang", ("audit",)),)
    assert "topic: xinjiang" in named.reasons
    assert "Xinjiang" not in named.note  # no "the records do not say" when one of them does
    silent = _exposures(_company(smelter))["uflpa"]
    assert silent.topic_records == ()
    assert silent.note == "Triggered by supply-chain links to China; none of these records mentions Xinjiang."
    # Xinjiang in the text alone brings the rule in, even without a China region
    assert "uflpa" in _exposures(_company(_allegation("alu", "Xinjiang aluminium in the supply chain")))


def test_uflpa_row_in_the_brief_says_which_records_name_xinjiang(views: dict[str, BriefView]) -> None:
    rows = {r.name: r for r in views["acme"].regulations}
    uflpa = rows["US Uyghur Forced Labor Prevention Act (UFLPA)"]
    assert "does not say" not in uflpa.note and "do not say" not in uflpa.note
    assert "none of these records mentions Xinjiang" in uflpa.note


def test_a_rule_with_no_dated_application_step_is_not_called_not_yet_applying(views: dict[str, BriefView]) -> None:
    from engage.regulations import rule_status

    crma = next(r for r in RULES if r.key == "crma")
    assert rule_status(crma, AS_OF) == "in force, undated"
    eu_fl = next(r for r in RULES if r.key == "eu-forced-labour")
    assert rule_status(eu_fl, AS_OF) == "in force"
    assert rule_status(eu_fl, dt.date(2028, 1, 1)) == "applies"
    assert rule_status(eu_fl, dt.date(2024, 1, 1)) == "upcoming"
    rows = {r.name: r for r in views["acme"].regulations}
    assert rows["EU Critical Raw Materials Act"].status == "In force"
    for row in views["acme"].regulations:
        assert not (row.status == "In force, not yet applying" and row.next_label == "no further dated step"), row.name


def test_forced_labour_regulation_needs_forced_or_child_labour_in_the_records() -> None:
    strike = _allegation("strike", "IF Metall strike over a collective agreement", summary="Mechanics walked out.")
    charges = _allegation("nlrb", "UAW filed unfair-labour-practice charges with the NLRB")
    assert "eu-forced-labour" not in _exposures(_company(strike, charges))
    child = _allegation("cobalt", "Cobalt mine abuses", summary="Children were found working: child labour.")
    uyghur = _allegation("track", "Report of Uyghur workers building a test track")
    exposure = _exposures(_company(strike, child, uyghur))["eu-forced-labour"]
    assert exposure.record_ids == ("cobalt", "track")
    assert exposure.reasons == ("topic: forced-labour",)


def test_rules_ignore_records_not_known_at_the_as_of_date() -> None:
    later = _allegation("later", "Forced labour at a steel supplier", areas=("steel",), date=_date("2027-01"))
    assert _exposures(_company(later)) == {}


def _date(text: str) -> Any:
    from engage.dates import PartialDate

    return PartialDate.parse(text)


def _overall(views_profile: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(views_profile.overall, **changes)


@pytest.fixture(scope="module")
def acme_profile() -> Any:
    _ws, settings, taxonomy, companies = _load(WORKSPACE)
    weights = load_weights(settings.weights or None)
    return compile_profiles(companies, taxonomy, AS_OF, weights)["acme"]


def test_a_high_at_the_start_of_the_window_is_not_called_a_peak_on_that_day(acme_profile: Any) -> None:
    from engage.documents.brief import history_text
    from engage.profile import months_before

    start = months_before(AS_OF, 24)
    at_start = _overall(
        acme_profile, peak=55.6, peak_on=start, net=24.2, trend="falling", trend_delta=-14.0, trend_cause="new-evidence"
    )
    text = history_text(at_start, AS_OF, 24)
    assert "peaked" not in text
    assert text.startswith("It is falling (−14.0 against a year earlier, on evidence dated in the last year)")
    assert "55.6, was at the start of that period (1 November 2024); it has fallen since." in text
    # A fall that only ageing explains is not called falling, nor is the number said to have fallen.
    aged = dataclasses.replace(at_start, trend_cause="ageing")
    text = history_text(aged, AS_OF, 24)
    assert "falling" not in text and "fallen" not in text
    assert text.startswith("It is lower than a year earlier (−14.0) only because older evidence has aged")
    inside = _overall(acme_profile, peak=55.6, peak_on=dt.date(2025, 6, 1), net=24.2, trend="falling")
    assert history_text(inside, AS_OF, 24).endswith("its high over the last 24 months was 55.6, on 1 June 2025.")
    now = _overall(acme_profile, peak=30.0, peak_on=AS_OF, net=30.0, trend="rising", trend_delta=5.0)
    assert history_text(now, AS_OF, 24).endswith("and at its highest of the last 24 months now.")


def test_summary_prints_the_history_sentence(views: dict[str, BriefView], maker: BriefMaker) -> None:
    html = squash(maker.html(views["acme"]))
    assert "peaked at" not in html
    assert squash(views["acme"].overall_history) in html


def test_a_company_with_no_records_is_not_rated(views: dict[str, BriefView], maker: BriefMaker) -> None:
    quiet = views["quiet"]
    assert not quiet.rated and quiet.overall_band == "not-rated" and quiet.overall_rank is None
    assert all(a.band == "not-rated" and a.peer_rank is None for a in quiet.areas)
    html = squash(maker.html(quiet))
    cover = html.split('<section class="cover"', 1)[1].split("</section>", 1)[0]
    assert "Not rated" in cover and "No allegation, commitment or policy on file" in cover
    assert "band-bg-low" not in cover and "rank 1 of" not in cover and "0.0 of 100" not in cover
    assert "not evidence of good practice" in cover
    risk_map = html.split('id="risk-map"', 1)[1].split("</section>", 1)[0]
    assert "Not rated: no allegation, commitment or policy on file" in risk_map and "band-low" not in risk_map
    assert views["acme"].rated and views["peer"].rated


def test_verification_reads_as_words(views: dict[str, BriefView], maker: BriefMaker) -> None:
    from engage.documents.environment import status_label

    assert status_label("none") == "Not verified"
    assert status_label("third-party") == "Third-party verified"
    html = maker.html(views["acme"])
    assert "Third-party verified" in html and "Self-reported" in html


def test_questions_section_counts_without_a_cli_command(views: dict[str, BriefView], maker: BriefMaker) -> None:
    import dataclasses

    view = dataclasses.replace(views["acme"], questions_total=len(views["acme"].questions) + 8)
    html = squash(maker.html(view))
    section = html.split('id="questions"', 1)[1].split("</section>", 1)[0]
    assert f"the {len(view.questions)} most serious of {view.questions_total} questions" in section
    assert "engage profile" not in html and "--json" not in html and "highest-ranked" not in html


def test_keywords_do_not_repeat_in_another_case_or_form(views: dict[str, BriefView]) -> None:
    from engage.documents.brief import unique_keywords

    assert unique_keywords(
        ["Acme", "human rights due diligence", "Human rights due diligence in supply chains", "ACME", "Workers' rights"]
    ) == ("Acme", "Human rights due diligence in supply chains", "Workers' rights")
    assert unique_keywords(["Free, prior and informed consent (FPIC)"]) == ("Free prior and informed consent (FPIC)",)
    for view in views.values():
        folded = [k.casefold() for k in view.keywords]
        assert len(set(folded)) == len(folded)
        assert not any(a != b and a in b for a in folded for b in folded), view.keywords


def test_allegations_follow_the_regulations_without_a_forced_page_break(acme_pdf: bytes) -> None:
    # A forced break left the regulatory table's last row, or the last two references, alone on a page.
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(acme_pdf)).pages]
    footnote = next(i for i, text in enumerate(pages) if "Date not final in the text reviewed" in text)
    intro = next(i for i, text in enumerate(pages) if "allegations on record as of" in text)
    # The allegations follow on the same page, or on the next when the table filled its page.
    words = [len(text.split()) for text in pages]
    assert intro == footnote or (intro == footnote + 1 and words[footnote] > 0.8 * max(words))


AS_OF_TRAP = """name: Later Motors
country: FR
allegations:
  - id: mixed-sources
    title: Forced labour reported at a seat supplier
    date: 2026-02
    areas: [workers-rights]
    severity: high
    status: alleged
    regions: [CN]
    sources:
      - {title: Seat supplier audit, publisher: Before Watch, url: "https://example.org/before", date: 2026-03-01}
      - {title: Seat supplier sequel, publisher: After Gazette, url: "https://example.org/after", date: 2026-12-01}
  - id: reported-later
    title: Cobalt abuses only reported after the date
    date: 2026-05
    areas: [minerals]
    severity: severe
    status: alleged
    materials: [cobalt]
    sources:
      - {title: Cobalt exposé, publisher: Late Post, url: "https://example.org/late", date: 2026-11-15}
commitments:
  - id: audit-pledge
    title: Supplier audit programme
    date: 2026-01
    areas: [workers-rights]
    status: announced
    verification: none
    sources:
      - {title: Audit pledge press release, publisher: Later Motors, date: 2026-01-10}
      - {title: Audit pledge progress report, publisher: Later Motors, date: 2027-01-10}
"""


def test_a_brief_never_cites_a_source_dated_after_the_as_of_date(tmp_path: Path) -> None:
    """A source after the as-of date is not cited; a record known only from such sources does not appear."""
    (tmp_path / "companies").mkdir()
    (tmp_path / "companies" / "later.yaml").write_text(AS_OF_TRAP, encoding="utf-8")
    shutil.copy(WORKSPACE / "engage.yaml", tmp_path / "engage.yaml")
    view = make_views(tmp_path)["later"]
    html = BriefMaker(None).html(view)
    for known in ("Seat supplier audit", "https://example.org/before", "Audit pledge press release"):
        assert known in html
    for unknown in (
        "Seat supplier sequel",
        "After Gazette",
        "https://example.org/after",
        "Audit pledge progress report",
        "Cobalt exposé",
        "https://example.org/late",
        "Cobalt abuses only reported after the date",
    ):
        assert unknown not in html, unknown
    assert [row.title for row in view.allegations] == ["Forced labour reported at a seat supplier"]
    assert {ref.title for ref in view.references} >= {"Seat supplier audit", "Audit pledge press release"}
    assert view.counts["sources"] == len(view.references)


def test_a_profile_without_its_as_of_view_is_refused(acme_profile: Any) -> None:
    """A profile read back from JSON carries no records: the brief says so instead of guessing."""
    import dataclasses

    _ws, settings, taxonomy, _companies = _load(WORKSPACE)
    bare = dataclasses.replace(acme_profile, known=None)
    with pytest.raises(RenderError, match="as-of view"):
        build_brief(bare, taxonomy=taxonomy, settings=settings, weights=load_weights(None))
