"""Engagement letters: what they say, the deadline rule, and the same letter in PDF, Word and Markdown."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from docx import Document
from markdown_it import MarkdownIt
from pypdf import PdfReader

from engage.asof import known_at
from engage.dates import PartialDate
from engage.documents.letter import (
    Anchor,
    Letter,
    LetterOptions,
    LetterQuestion,
    LetterSection,
    build_letter,
    options_from_settings,
)
from engage.documents.letter_deadline import is_working_day, response_deadline, weekend_warning
from engage.documents.letter_docx import letter_to_docx
from engage.documents.letter_files import letter_request, render_letter, write_company_letter
from engage.documents.letter_md import letter_to_markdown, md_escape
from engage.documents.letter_pdf import letter_html, letter_to_pdf
from engage.documents.letter_records import SourceNote, note_label
from engage.documents.pdf import Renderer
from engage.errors import DataError, UsageError
from engage.profile import Profile, compile_profile, load_weights
from engage.profile.asks import annex_questions, build_asks, told_in_asks
from engage.records import Company, Source, load_company
from engage.taxonomy import load_taxonomy
from engage.workspace import Organisation, Settings, Signatory

AS_OF = dt.date(2026, 11, 1)
AGM = dt.date(2027, 5, 14)
TRICKY = 'AT&T <Inc> "O\'Neil"'
TAXONOMY = load_taxonomy()
WEIGHTS = load_weights()
VALID = Path(__file__).parent / "data" / "valid"

TRICKY_YAML = """\
name: 'AT&T <Inc> "O''Neil"'
country: US
agm: 2027-05-14
allegations:
  - id: forced-labour
    title: 'Forced labour at a <b>cobalt</b> mine & "smelter"'
    date: 2024-03
    areas: [workers-rights, minerals]
    severity: severe
    status: substantiated
    materials: [cobalt]
    regions: [CD]
    sources:
      - title: 'Cobalt & "child" labour'
        publisher: 'NGO <Watch>'
        url: 'https://example.org/a?x=1&y=2'
        date: 2024-03-20
  - id: pollution
    title: River pollution near a nickel smelter
    date: 2023-11
    areas: [environmental-dd]
    severity: high
    status: alleged
    company_response: The company said it is investigating.
    sources:
      - {title: Newspaper report on the river, publisher: Daily Paper, url: 'https://example.org/b', date: 2023-11-20}
commitments:
  - id: steel
    title: Near-zero steel offtake
    date: 2023-06
    areas: [steel]
    status: announced
    target: 50,000 t a year
    target_year: 2025
    verification: none
    sources:
      - title: Press release on steel
        publisher: 'AT&T <Inc> "O''Neil"'
        url: 'https://example.org/p'
        date: 2023-06-01
"""

SETTINGS = Settings(
    organisation=Organisation(
        name="Example Investors LLP",
        address="1 Example Square\nLondon EC1A 1AA",
        email="stewardship@example.com",
        website="https://example.com",
    ),
    signatories=(
        Signatory("Alex Example", "Head of Stewardship", "Example Investors LLP", "USD 10 bn"),
        Signatory("Zoë O'Brien", "Chief Investment Officer", "Fonds <Exemple> & Co", None),
    ),
    letter={"respond_within_days": 42, "respond_before_agm_days": 21},
)


def load(tmp: Path, company_id: str, text: str) -> Company:
    path = tmp / f"{company_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_company(path, TAXONOMY)


def profile_of(company: Company, as_of: dt.date = AS_OF) -> Profile:
    return compile_profile(company, TAXONOMY, as_of, WEIGHTS)


def letter_for(company: Company, settings: Settings = SETTINGS, **options: object) -> Letter:
    return build_letter(profile_of(company), settings, TAXONOMY, LetterOptions(**options))  # type: ignore[arg-type]


def flat(text: str) -> str:
    """Return text without whitespace: PDF extraction breaks lines anywhere."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> Company:
    return load(tmp_path_factory.mktemp("companies"), "att-inc", TRICKY_YAML)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@dataclass
class Rendered:
    letter: Letter
    outputs: dict[str, bytes]


@pytest.fixture(scope="module")
def rendered(tricky: Company, renderer: Renderer) -> Rendered:
    """One letter in all three formats (the module's only PDF render besides the determinism check)."""
    letter = letter_for(tricky, stage="pre-agm")
    return Rendered(letter, render_letter(letter, ("pdf", "docx", "md"), renderer))


# --------------------------------------------------------------------------- the deadline rule


def test_note_labels_match_the_pdf_ranges_in_every_format() -> None:
    assert note_label([4]) == "4"
    assert note_label([3, 4]) == "3, 4"
    assert note_label([9, 1, 2, 3, 5, 6, 10, 11]) == "1\u20133, 5, 6, 9\u201311"
    assert note_label([1, 2, 3], ",") == "1\u20133"


def test_deadline_rule_explicit_date_wins() -> None:
    got = response_deadline(AS_OF, AGM, {}, respond_by=dt.date(2026, 12, 1))
    assert (got.date, got.rule) == (dt.date(2026, 12, 1), "respond-by")


def test_deadline_is_eight_weeks_moved_forward_off_closed_days() -> None:
    """The rule: --respond-by; else respond_within_days (default 56) after the letter, moved forward to a working
    day, but no later than respond_before_agm_days (default 21) before a recorded AGM. Readers compared the old
    six weeks (22 January 2027 for a letter of 1 December 2026) with the about ten weeks of the 2020 letters."""
    # 52 days outside the break to 23 December, the ten break days, then four more: Wednesday 6 January.
    got = response_deadline(AS_OF, AGM, {})
    assert (got.date, got.rule) == (dt.date(2027, 1, 6), "after-letter")
    assert got.explanation == "56 days after the letter date, plus 10 days of the year-end break"
    assert (got.date - AS_OF).days >= 56
    # 56 days after 1 December is 26 January; the ten break days in the window add ten more (Friday 5 February).
    december = response_deadline(dt.date(2026, 12, 1), None, {})
    assert december.date == dt.date(2027, 2, 5) and "plus 10 days of the year-end break" in december.explanation
    late = response_deadline(dt.date(2026, 11, 20), None, {})
    assert (late.date - dt.date(2026, 11, 20)).days >= 56 + 10
    no_agm = response_deadline(AS_OF, None, {"respond_within_days": 40})
    assert (no_agm.date, no_agm.rule) == (AS_OF + dt.timedelta(days=40), "after-letter")


def test_deadline_comes_before_a_near_agm() -> None:
    # 21 days before an AGM on 7 December is Monday 16 November: 15 days after the letter, enough.
    near = response_deadline(AS_OF, dt.date(2026, 12, 7), {})
    assert (near.date, near.rule) == (dt.date(2026, 11, 16), "before-agm")
    # 21 days before 5 December leaves only 13 days: the last working day before the AGM.
    too_close = response_deadline(AS_OF, dt.date(2026, 12, 5), {})
    assert (too_close.date, too_close.rule) == (dt.date(2026, 12, 4), "before-agm")


def test_a_respond_by_after_the_agm_is_a_warning() -> None:
    from engage.documents.letter_deadline import after_agm_warning

    assert after_agm_warning(dt.date(2027, 6, 1), AGM) is not None
    assert after_agm_warning(dt.date(2027, 4, 1), AGM) is None
    assert after_agm_warning(dt.date(2027, 5, 3), None, dt.date(2027, 5, 20)) is not None


@pytest.mark.parametrize("day", [AS_OF, AS_OF - dt.timedelta(days=1)])
def test_deadline_on_or_before_the_letter_date_is_refused(day: dt.date) -> None:
    with pytest.raises(UsageError) as info:
        response_deadline(AS_OF, AGM, {}, respond_by=day)
    assert str(info.value) == f"the response date {day.isoformat()} is not after the letter date 2026-11-01"


def test_letter_uses_the_rule_and_dates_itself_from_as_of(tricky: Company) -> None:
    letter = letter_for(tricky)
    assert letter.date == AS_OF
    assert letter.deadline.date == dt.date(2026, 12, 14)
    assert letter.deadline_text == (
        "We would be grateful for a written response by 14 December 2026, so that we can take it into account "
        "before the annual general meeting."
    )
    later = letter_for(tricky, respond_by=dt.date(2026, 12, 15))
    assert "by 15 December 2026" in later.deadline_text


def test_a_past_agm_is_not_named(tricky: Company) -> None:
    past = replace(tricky, agm=dt.date(2026, 5, 1))
    letter = letter_for(past)
    assert "annual general meeting" not in letter.subject
    assert letter.deadline.rule == "after-letter"


# --------------------------------------------------------------------------- what the letter says


def test_addressee_defaults_to_the_board_via_the_secretary(tricky: Company) -> None:
    """A US company's board is reached through its Corporate Secretary; elsewhere the Company Secretary."""
    letter = letter_for(tricky)  # country: US
    assert letter.addressee == ("The Board of Directors", "c/o the Corporate Secretary", TRICKY)
    assert (letter.salutation, letter.valediction) == ("Dear Members of the Board,", "Yours faithfully,")
    gb = letter_for(replace(tricky, country="GB"))
    assert gb.addressee == ("The Board of Directors", "c/o the Company Secretary", TRICKY)


@pytest.mark.parametrize("legal_name", ["Example Motors Aktiengesellschaft", "Example Group AG", "Example SE"])
def test_a_german_stock_corporation_has_two_boards_not_a_board_of_directors(tricky: Company, legal_name: str) -> None:
    """A reader: Volkswagen is an Aktiengesellschaft, whose boards are management and supervisory."""
    letter = letter_for(replace(tricky, country="DE", legal_name=legal_name))
    assert letter.addressee == ("The Board of Management and the Supervisory Board", legal_name)
    assert letter.salutation == "Dear Members of the Boards,"
    swiss = letter_for(replace(tricky, country="CH", legal_name=legal_name))  # a Swiss AG has one board
    assert swiss.addressee[0] == "The Board of Directors"


def test_addressee_from_the_recorded_contact() -> None:
    company = load_company(VALID / "full-record.yaml", TAXONOMY)
    letter = letter_for(company)
    assert letter.addressee == (
        "Jane Doe",
        "Head of Investor Relations",
        "Example Motors Aktiengesellschaft",
        "Example Street 1",
        "10115 Berlin",
    )
    assert (letter.salutation, letter.valediction) == ("Dear Jane Doe,", "Yours sincerely,")


def test_addressee_names_the_legal_name_and_the_text_the_short_name(tricky: Company) -> None:
    letter = letter_for(replace(tricky, legal_name="AT&T <Inc> Holdings Ltd."))
    assert letter.addressee == ("The Board of Directors", "c/o the Corporate Secretary", "AT&T <Inc> Holdings Ltd.")
    assert letter.company_name == TRICKY
    assert "Holdings" not in letter.subject


def test_subject_names_the_agm(tricky: Company) -> None:
    assert letter_for(tricky).subject == (
        f"Supply-chain risks at {TRICKY}: investor asks ahead of the annual general meeting on 14 May 2027"
    )
    assert letter_for(tricky, stage="follow-up").subject.startswith("Follow-up: Supply-chain risks at")
    no_agm = replace(tricky, agm=None)
    assert letter_for(no_agm).subject == f"Supply-chain risks at {TRICKY}: investor asks"


def test_letterhead_and_signatories_from_settings(tricky: Company) -> None:
    letter = letter_for(tricky)
    assert letter.letterhead == (
        "Example Investors LLP",
        "1 Example Square",
        "London EC1A 1AA",
        "stewardship@example.com · https://example.com",
    )
    assert [s.name for s in letter.signatories] == ["Alex Example", "Zoë O'Brien"]
    assert letter.opening[0].startswith("We write on behalf of two investors with combined assets")


def test_first_letter_opening_names_expectations_and_rules(tricky: Company) -> None:
    letter = letter_for(tricky)
    assert letter.opening[0] == (
        "We write on behalf of two investors with combined assets under management of USD 10 bn (as stated by one "
        f"signatory), whose names appear at the end of this letter, about how {TRICKY} identifies and addresses "
        "human rights and environmental risks in its supply chains. We write now because the company's annual "
        "general meeting is on 14 May 2027."
    )
    assert "UN Guiding Principles on Business and Human Rights" in letter.opening[1]
    assert "Rules such as the " in letter.opening[1]
    assert not letter.listed and not letter.weigh


def test_follow_up_lists_what_went_unanswered(tricky: Company) -> None:
    letter = letter_for(tricky, stage="follow-up")
    assert letter.opening[0].startswith("We write again on behalf of")
    assert [a.record_id for a in letter.listed] == ["forced-labour"]  # 'pollution' has a response on record
    assert letter.listed_intro.startswith(
        "We have not found a public response from the company to the following matter,"
    )
    assert letter.listed[0].notes == (1,)  # listed first, so its source is cited first
    assert "forced-labour" not in {a.record_id for q in letter.questions for a in q.anchors}  # cited, not repeated
    # Its question is the remedy ask's, not repeated in the annex; the ask cites the same note.
    assert any(1 in a.notes for a in letter.asks)
    assert ", following our earlier correspondence" in letter.opening[0]
    assert ",," not in letter.opening[0]


def test_follow_up_when_everything_was_answered(tricky: Company) -> None:
    answered = replace(
        tricky, allegations=tuple(replace(a, company_response="We are looking into it.") for a in tricky.allegations)
    )
    letter = letter_for(answered, stage="follow-up")
    assert not letter.listed
    assert "responded publicly to each of the allegations" in letter.opening[1]


def test_pre_agm_says_what_will_weigh_in_the_vote(tricky: Company) -> None:
    letter = letter_for(tricky, stage="pre-agm")
    assert letter.opening[0].startswith(f"Ahead of the annual general meeting of {TRICKY} on 14 May 2027")
    assert letter.weigh_intro.startswith("If the asks in this letter are not met by the annual general meeting")
    assert len(letter.warnings) == 1 and "letter.at_agm" in letter.warnings[0]  # the AGM is recorded
    settings = replace(
        SETTINGS,
        letter={"at_agm": [{"action": "vote-against", "item": "the discharge of the board"}, {"action": "statement"}]},
    )
    planned = build_letter(profile_of(tricky), settings, TAXONOMY, LetterOptions(stage="pre-agm"))
    assert planned.weigh == ("voting against the discharge of the board", "making a statement at the meeting")
    assert not planned.warnings


def test_unknown_stage_is_a_usage_error(tricky: Company) -> None:
    with pytest.raises(UsageError):
        letter_for(tricky, stage="final")


def test_the_annex_holds_one_question_per_record_and_area_and_none_of_the_stale_kind(tricky: Company) -> None:
    profile = profile_of(tricky)
    letter = letter_for(tricky)
    told = told_in_asks(build_asks(profile, TAXONOMY))  # what the incident asks already ask
    kept = annex_questions(profile.questions, limit=len(profile.questions), told=told)
    assert [q.number for q in letter.questions] == list(range(1, len(kept) + 1))
    assert sorted(q.text for q in letter.questions) == sorted(" ".join(q.text.split()) for q in kept)
    assert all(q.kind not in ("stale", "no-commitment") for q in kept)
    keys = [(q.record_ids[0], q.area) for q in kept]
    assert len(keys) == len(set(keys))


def test_asks_are_the_profiles_numbered_and_footnoted(tricky: Company) -> None:
    letter = letter_for(tricky)
    asks = build_asks(profile_of(tricky), TAXONOMY)
    assert 1 <= len(letter.asks) <= 6
    assert [(a.number, a.title, a.text) for a in letter.asks] == [(a.number, a.title, a.text) for a in asks]
    assert all(a.notes for a in letter.asks)
    numbers = {n.number for n in letter.sources}
    assert numbers == set(range(1, len(letter.sources) + 1))
    assert any("correct the record" in p for p in letter.closing)
    body = letter_to_markdown(letter)
    assert "1. **" in body and "## Annex" in body


def test_a_company_with_nothing_on_record_gets_the_general_questions(tricky: Company) -> None:
    empty = replace(tricky, allegations=(), commitments=(), policies=())
    letter = letter_for(empty)
    assert not letter.asks and letter.questions
    assert "have not found public reports" in letter.questions_intro


def test_long_question_lists_are_capped(tricky: Company) -> None:
    letter = letter_for(tricky, max_questions=2)
    assert len(letter.questions) == 2
    assert letter.omitted_questions == len(letter_for(tricky).questions) - 2


def test_no_signatories_is_a_data_error_unless_a_sender_is_set(tricky: Company) -> None:
    bare = Settings()
    with pytest.raises(DataError) as info:
        letter_for(tricky, settings=bare)
    assert "no signatories for the letter" in str(info.value)
    sender = Settings(organisation=Organisation("Example Investors LLP"), letter={"sender": "Alex Example"})
    letter = letter_for(tricky, settings=sender)
    assert letter.signatories == (Signatory("Alex Example", None, "Example Investors LLP"),)


def test_signatories_from_options_replace_settings(tricky: Company) -> None:
    options = options_from_settings(SETTINGS, signatories=(Signatory("Sam Sample"),), stage=None)
    assert options.stage == "first"
    letter = build_letter(profile_of(tricky), SETTINGS, TAXONOMY, options)
    # A signatories file is often a coalition's: a blank organisation is not filled with the sender's.
    assert letter.signatories == (Signatory("Sam Sample"),)
    ours = Settings(organisation=Organisation("Example Investors LLP"), signatories=(Signatory("Sam Sample"),))
    own = build_letter(profile_of(tricky), ours, TAXONOMY, options_from_settings(SETTINGS))
    assert own.signatories == (Signatory("Sam Sample", None, "Example Investors LLP"),)  # engage.yaml's own people


# --------------------------------------------------------------------------- formats


def test_markdown_escape_keeps_text_literal_and_readable() -> None:
    md = MarkdownIt("commonmark")
    for text in (TRICKY, "*bold* _x_ [link](http://x) `code`", "# not a heading", "1. not a list", "&amp; <b>"):
        escaped = md_escape(text)
        rendered = md.render(escaped)
        assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == text
    assert md_escape(TRICKY) == 'AT&T \\<Inc> "O\'Neil"'


def test_html_is_autoescaped(rendered: Rendered) -> None:
    page = letter_html(rendered.letter)
    assert "AT&amp;T &lt;Inc&gt; &#34;O&#39;Neil&#34;" in page
    assert "<Inc>" not in page and "<b>cobalt</b>" not in page


def test_all_three_formats_carry_the_same_letter(rendered: Rendered) -> None:
    """Read each format back and find addressee, questions, deadline, signatories and sources in it."""
    letter = rendered.letter
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.outputs["pdf"])).pages)
    # An ask may run over a page break: the running footer (and the list numbers pypdf reads
    # out at a page's end) sit between its halves, so they are taken out before matching.
    pdf_text = re.sub(r"(?m)^(.* · .* Page \d+ of \d+|\d+\. ?)$", "", pdf_text)
    document = Document(io.BytesIO(rendered.outputs["docx"]))
    docx_text = "\n".join(p.text for p in document.paragraphs)
    md_text = rendered.outputs["md"].decode("utf-8")
    md_plain = re.sub(r"\\(.)", r"\1", md_text)  # what a reader sees once Markdown escapes are read

    expected = [
        *letter.addressee,
        letter.subject,
        *(q.text for q in letter.questions),
        *(a.title for a in letter.asks),
        *(a.text for a in letter.asks),
        "Annex: questions for a meeting",
        "14 December 2026",
        *(s.name for s in letter.signatories),
        *(s.organisation for s in letter.signatories if s.organisation),
        "Assets under management: USD 10 bn",
        *(n.citation for n in letter.sources),
        *(n.url for n in letter.sources if n.url),
    ]
    assert TRICKY in expected
    for item in expected:
        assert flat(item) in flat(pdf_text), f"PDF lacks {item!r}"
        assert item in docx_text, f"DOCX lacks {item!r}"
        assert item in md_plain, f"Markdown lacks {item!r}"
    # The company name survives Markdown rendering too.
    assert TRICKY in html.unescape(MarkdownIt("commonmark").render(md_text))


def test_pdf_metadata_and_determinism(rendered: Rendered, renderer: Renderer) -> None:
    reader = PdfReader(io.BytesIO(rendered.outputs["pdf"]))
    assert reader.metadata is not None
    assert reader.metadata.title == rendered.letter.subject
    assert reader.metadata.author == "Example Investors LLP"
    assert not reader.attachments
    again = render_letter(rendered.letter, ("pdf",), renderer)["pdf"]
    assert again == rendered.outputs["pdf"]


def test_docx_is_editable_word(rendered: Rendered) -> None:
    letter = rendered.letter
    document = Document(io.BytesIO(rendered.outputs["docx"]))
    by_style: dict[str, list[str]] = {}
    for p in document.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Heading 1"] == [letter.subject, "Annex: questions for a meeting"]
    assert by_style["Heading 2"] == [*(s.title for s in letter.sections), "Sources"]
    numbered = by_style["List Number"]
    asks = len(letter.asks)
    assert numbered[:asks] == [
        f"{a.title}. {a.text}" + (",".join(map(str, a.notes)) if a.notes else "") for a in letter.asks
    ]
    assert numbered[asks : asks + len(letter.questions)] == [
        q.text + (",".join(map(str, q.notes)) if q.notes else "") for q in letter.questions
    ]
    assert len(numbered) == asks + len(letter.questions) + len(letter.sources)
    assert not document.inline_shapes, "no pictures"
    props = document.core_properties
    assert (props.title, props.author, props.created) == (
        letter.subject,
        "Example Investors LLP",
        dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
    )
    # The sources restart at 1: a numbering instance of its own.
    xml = zipfile.ZipFile(io.BytesIO(rendered.outputs["docx"])).read("word/numbering.xml").decode()
    assert '<w:startOverride w:val="1"/>' in xml


def test_docx_and_markdown_are_byte_identical_for_identical_inputs(rendered: Rendered) -> None:
    assert letter_to_docx(rendered.letter) == rendered.outputs["docx"]
    assert letter_to_markdown(rendered.letter).encode() == rendered.outputs["md"]
    stamps = {i.date_time for i in zipfile.ZipFile(io.BytesIO(rendered.outputs["docx"])).infolist()}
    assert stamps == {(2026, 11, 1, 0, 0, 0)}


def test_unknown_format_is_a_usage_error(rendered: Rendered) -> None:
    with pytest.raises(UsageError) as info:
        render_letter(rendered.letter, ("odt",))
    assert str(info.value) == "unknown letter format 'odt'; choose from pdf, docx, md"


def test_write_company_letter_is_one_call(tricky: Company, tmp_path: Path) -> None:
    request = letter_request(SETTINGS, AS_OF, formats=("md", "docx"))
    done = write_company_letter(profile_of(tricky), SETTINGS, TAXONOMY, tmp_path, request)
    assert done.paths == (tmp_path / "att-inc" / "letter.md", tmp_path / "att-inc" / "letter.docx")
    assert done.paths[0].read_bytes().startswith(b"Example Investors LLP")
    assert done.letter.date == AS_OF and done.warnings == ()


def test_write_company_letter_returns_warnings_and_prints_nothing(
    tricky: Company, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = replace(SETTINGS, letter={**SETTINGS.letter, "formats": ["md"]})
    request = letter_request(settings, AS_OF, stage="pre-agm", respond_by=dt.date(2026, 12, 27))
    assert request.formats == ("md",) and request.options.stage == "pre-agm"
    assert request.warnings == (weekend_warning(dt.date(2026, 12, 27)),)
    request = replace(request, options=replace(request.options, max_questions=1))
    done = write_company_letter(profile_of(replace(tricky, agm=None)), settings, TAXONOMY, tmp_path, request)
    weekend, no_agm, at_agm, omitted = done.warnings
    assert weekend == request.warnings[0]
    assert no_agm.startswith("att-inc: no upcoming AGM is recorded")
    assert "letter.at_agm" in at_agm
    assert omitted.startswith("att-inc: the letter asks the 1 most serious of ")
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("choices", "error", "message"),
    [
        ({"formats": ("odt",)}, UsageError, "unknown letter format 'odt'; choose from pdf, docx, md"),
        ({"stage": "last"}, UsageError, "unknown letter stage 'last'; choose one of first, follow-up, pre-agm"),
        (
            {"respond_by": AS_OF},
            UsageError,
            "--respond-by 2026-11-01 is not after the letter date 2026-11-01 (--as-of)",
        ),
    ],
)
def test_letter_request_checks_the_run_once(choices: dict[str, object], error: type, message: str) -> None:
    with pytest.raises(error) as info:
        letter_request(SETTINGS, AS_OF, **choices)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_letter_request_without_signatories_is_a_data_error() -> None:
    with pytest.raises(DataError) as info:
        letter_request(Settings(), AS_OF)
    assert "no signatories for the letter" in str(info.value)


def test_no_source_dated_after_the_letter_is_cited_in_any_format(tricky: Company, renderer: Renderer) -> None:
    """A record with one source before and one after the letter's date cites only the first; a record
    whose every source is later is not known yet, so the letter neither describes nor cites it."""
    later = Source("From the future", "Daily Paper", "https://example.org/future", PartialDate(2027, 1, 5))
    later_only = Source("Reported too late", "Later Paper", "https://example.org/late", PartialDate(2026, 12, 1))
    forced, pollution = tricky.allegations
    company = replace(
        tricky,
        allegations=(
            replace(forced, sources=(*forced.sources, later)),
            pollution,
            replace(pollution, id="late-news", title="Spill known only later", sources=(later_only,)),
        ),
    )
    profile = profile_of(company)
    letter = build_letter(profile, SETTINGS, TAXONOMY, LetterOptions(stage="follow-up"))
    outputs = render_letter(letter, ("md", "pdf"), renderer)
    markdown = outputs["md"].decode("utf-8")
    pdf_text = flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(outputs["pdf"])).pages))
    for text in (flat(markdown), pdf_text):
        assert flat(forced.sources[0].title) in text  # the source known at the letter's date is cited
        for gone in ("From the future", "example.org/future", "Reported too late", "example.org/late", "Spill known"):
            assert flat(gone) not in text
    # The letter cites what the as-of view knows, the same sources the brief reads.
    assert {n.url for n in letter.sources} == {
        s.url for r in known_at(company, AS_OF).allegations + known_at(company, AS_OF).commitments for s in r.sources
    }


def test_workspace_template_overrides_and_extends_the_packaged_letter(tmp_path: Path, rendered: Rendered) -> None:
    (tmp_path / "letter.html.j2").write_text(
        '{% extends "engage/letter.html.j2" %}{% block body_class %}letter custom-letter{% endblock %}'
    )
    page = letter_html(rendered.letter, tmp_path)
    assert 'class="letter custom-letter"' in page
    assert "AT&amp;T &lt;Inc&gt;" in page


# --------------------------------------------------------------------------- reviewed defects


def test_a_computed_deadline_is_a_working_day_and_never_after_the_agm() -> None:
    # With a six-week window from 15 November 2026: 38 days to 23 December, the break, four more days
    # (it once counted only the 4 break days inside the first 42, leaving the company 38 open days).
    got = response_deadline(dt.date(2026, 11, 15), None, {"respond_within_days": 42})
    assert (got.date, got.rule) == (dt.date(2027, 1, 6), "after-letter")
    assert got.explanation == "42 days after the letter date, plus 10 days of the year-end break"
    # 55 open days from 29 October run to 23 December; the 56th is Sunday 3 January: Monday 4 January.
    ending = response_deadline(dt.date(2026, 10, 29), None, {})
    assert ending.date == dt.date(2027, 1, 4)
    assert ending.explanation.endswith(
        "plus 10 days of the year-end break, moved forward from Sunday 2027-01-03 to a working day"
    )
    assert response_deadline(dt.date(2026, 10, 28), None, {}).date == dt.date(2026, 12, 23)
    # An AGM 20 days away: 21 days before it is too soon, and 28 days after the letter is after it.
    soon = response_deadline(AS_OF, dt.date(2026, 11, 21), {})
    assert (soon.date, soon.rule) == (dt.date(2026, 11, 20), "before-agm")
    start = dt.date(2026, 1, 1)
    for offset in range(0, 400, 3):
        letter_date = start + dt.timedelta(days=offset)
        for agm in (None, letter_date + dt.timedelta(days=10), letter_date + dt.timedelta(days=40)):
            deadline = response_deadline(letter_date, agm, {}).date
            squeezed = agm is not None and (agm - letter_date).days <= 10 and agm.month == 1 and agm.day <= 5
            assert deadline.weekday() < 5 if squeezed else is_working_day(deadline), (letter_date, agm)
            assert deadline > letter_date, (letter_date, agm)
            assert agm is not None or (deadline - letter_date).days >= 56, letter_date
            assert agm is None or deadline < agm, (letter_date, agm)


def test_lunar_new_year_is_no_deadline_for_a_company_based_where_it_closes_offices(tricky: Company) -> None:
    """A reader saw GAC and Hyundai asked to answer on 5 February 2027, the eve of Lunar New Year."""
    from engage.documents.letter_deadline import LUNAR_NEW_YEAR, closed_for

    december = dt.date(2026, 12, 1)
    assert response_deadline(december, None, {}, country="DE").date == dt.date(2027, 2, 5)
    for country in ("CN", "KR", "HK", "TW"):
        got = response_deadline(december, None, {}, country=country)
        # 55 open days run to 4 February; the eve (5 Feb) to the seventh day (13 Feb) is closed; the 56th
        # is Sunday 14th: Monday 15 February.
        assert got.date == dt.date(2027, 2, 15), country
        assert got.explanation == (
            "56 days after the letter date, plus 10 days of the year-end break and 9 days of Lunar New Year, "
            "moved forward from Sunday 2027-02-14 to a working day"
        )
    # Every company gets 56 days outside its breaks: a letter of 10 December gives a Chinese company
    # the nine days of the week on top (the reviewer's case: counted only inside the first 56 days, it got 48).
    for country in ("DE", "CN"):
        tenth = dt.date(2026, 12, 10)
        due = response_deadline(tenth, None, {}, country=country).date
        open_days = sum(closed_for(tenth + dt.timedelta(days=i), country) is None for i in range(1, (due - tenth).days))
        assert open_days >= 55, country  # the deadline day itself is the 56th or a later working day
    assert response_deadline(dt.date(2026, 12, 10), None, {}, country="CN").date == dt.date(2027, 2, 23)
    # Korea's Seollal of 2027 falls a day after China's New Year: the closed week covers both.
    assert all(closed_for(dt.date(2027, 2, d), "KR") == "Lunar New Year" for d in (6, 7, 8))
    # A window that spans the week is longer by its nine days.
    spanning = response_deadline(dt.date(2027, 1, 4), None, {}, country="CN")
    assert "plus 9 days of Lunar New Year" in spanning.explanation
    assert spanning.date == dt.date(2027, 3, 10)  # 56 + 9 days after Monday 4 January
    # Before an AGM, the cap moves back out of the week, not into it.
    capped = response_deadline(dt.date(2026, 12, 1), dt.date(2027, 3, 3), {}, country="CN")
    assert capped.rule == "before-agm" and capped.date == dt.date(2027, 2, 4)
    # A year the table does not hold closes nothing: no guessed dates.
    missing = next(y for y in range(2100, 1900, -1) if y not in LUNAR_NEW_YEAR)
    assert all(closed_for(dt.date(missing, 1, 20) + dt.timedelta(days=i), "CN") is None for i in range(32))
    # Through the letter: the company's country decides.
    eight_weeks = replace(SETTINGS, letter={})
    korean = build_letter(
        profile_of(replace(tricky, country="KR", agm=None), december), eight_weeks, TAXONOMY, LetterOptions()
    )
    assert korean.deadline.date == dt.date(2027, 2, 15)
    assert "9 days of Lunar New Year" in korean.deadline.explanation
    assert "15 February 2027" in korean.deadline_text
    # An explicit date in the week is kept, with a warning for that company only.
    given = letter_for(replace(tricky, country="CN", agm=None), respond_by=dt.date(2027, 2, 8))
    assert given.deadline.date == dt.date(2027, 2, 8)
    assert given.warnings[-1] == (
        "att-inc: --respond-by 2027-02-08 is in the Lunar New Year week where the company is based (CN); the letter "
        "asks for a response on that day as given (the last working day before it is 2027-02-04)"
    )
    assert not letter_for(replace(tricky, country="DE", agm=None), respond_by=dt.date(2027, 2, 8)).warnings


def test_an_explicit_weekend_deadline_is_kept_with_a_warning() -> None:
    got = response_deadline(AS_OF, None, {}, respond_by=dt.date(2026, 12, 27))
    assert (got.date, got.rule) == (dt.date(2026, 12, 27), "respond-by")
    assert weekend_warning(dt.date(2026, 12, 27)) == (
        "--respond-by 2026-12-27 is a Sunday; the letter asks for a response on that day as given "
        "(the last working day before it is 2026-12-23)"
    )
    assert weekend_warning(dt.date(2026, 12, 15)) is None


def test_pre_agm_without_an_agm_warns_and_names_no_date(tricky: Company) -> None:
    letter = letter_for(replace(tricky, agm=None), stage="pre-agm")
    assert letter.opening[0].startswith("Ahead of the company's next annual general meeting, we write")
    assert letter.warnings[0] == (
        "att-inc: no upcoming AGM is recorded, so the pre-AGM letter names no meeting date; "
        "add 'agm: YYYY-MM-DD' to att-inc.yaml to name it"
    )
    past = letter_for(replace(tricky, agm=dt.date(2026, 5, 1)), stage="pre-agm")
    assert "(the recorded one, 2026-05-01, has passed)" in past.warnings[0]
    assert not letter_for(replace(tricky, agm=None)).warnings  # a first letter needs no AGM


def test_one_signatory_is_never_called_the_signatories(tricky: Company) -> None:
    alone = Settings(signatories=(Signatory("Sam Sample", "Trustee"),))
    letter = letter_for(tricky, settings=alone, stage="pre-agm")
    text = letter_to_markdown(letter)
    assert "signatories" not in text
    assert "we will consider:" in text
    assert "on behalf of the investor who signs this letter about" in text
    many = Settings(signatories=(Signatory("Sam Sample"), Signatory("Kim Other")))
    assert "on behalf of the investors who sign this letter" in letter_to_markdown(letter_for(tricky, settings=many))


def test_source_citations_do_not_quote_descriptions_or_repeat_the_publisher() -> None:
    own = SourceNote(1, "Global Witness investigation of rare earth mining", "Global Witness", None, None)
    assert own.citation == "Global Witness investigation of rare earth mining"
    other = SourceNote(2, "Report on nickel supply chains.", "BusinessGreen", PartialDate(2023, 5, 17), None)
    assert other.citation == "Report on nickel supply chains (BusinessGreen, 17\u00a0May\u00a02023)"
    assert other.entry == other.citation + "."
    # A publisher that is only the start of a word is not the title's first words.
    word = SourceNote(3, "Globalisation report", "Global", None, None)
    assert word.citation == "Globalisation report (Global)"
    assert SourceNote(4, "Is it safe?", None, None, None).entry == "Is it safe?"


def test_every_format_lists_sources_the_same_way(rendered: Rendered) -> None:
    md = rendered.outputs["md"].decode("utf-8")
    document = Document(io.BytesIO(rendered.outputs["docx"]))
    docx_text = "\n".join(p.text for p in document.paragraphs)
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.outputs["pdf"])).pages)
    for note in rendered.letter.sources:
        assert not note.citation.startswith('"')
        assert note.entry in docx_text
        assert md_escape(note.entry) in md
        assert flat(note.entry) in flat(pdf_text)
    assert 'NGO \\<Watch>, "' not in md  # the old 'Publisher, "Title"' form


def test_markdown_markers_never_wrap_alone(rendered: Rendered) -> None:
    md = rendered.outputs["md"].decode("utf-8")
    assert re.search(r"\S\u00a0\[\d+(,\u00a0\d+)*\]", md)
    assert not re.search(r" \[\d", md)


def _page_lines(page: object) -> list[str]:
    """Return a PDF page's text as lines from top to bottom, by position (a superscript joins its line)."""
    parts: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        if text.strip():
            y = tm[5] * cm[3] + tm[4] * cm[1] + cm[5]
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            parts.append((y, x, text.strip()))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    rows: dict[float, list[tuple[float, str]]] = {}
    for y, x, text in parts:
        key = next((k for k in rows if abs(k - y) < 5), y)
        rows.setdefault(key, []).append((x, text))
    return [" ".join(t for _, t in sorted(row)) for _, row in sorted(rows.items(), key=lambda kv: -kv[0])]


def test_pdf_keeps_questions_with_their_notes_and_markers_with_their_words(
    rendered: Rendered, renderer: Renderer
) -> None:
    """Forty questions whose last word grows a letter at a time, each with a note: line ends and
    page breaks fall everywhere."""
    base = rendered.letter
    words = "Will the company say what it has done about this matter and when it will report".split()
    questions = tuple(
        LetterQuestion(
            i + 1,
            " ".join(words[: 6 + i % len(words)]) + " " + "x" * (1 + i % 25) + "?",
            (Anchor(f"r{i}", "Reported March 2024; alleged. " * (1 + i % 3), (1, 2)),),
            (1, 2, 3) if i % 2 else (1,),
        )
        for i in range(40)
    )
    letter = replace(base, sections=(LetterSection("minerals", "Minerals", questions),))
    reader = PdfReader(io.BytesIO(letter_to_pdf(letter, renderer)))
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        lines = _page_lines(page)
        body = [line for line in lines if not line.startswith("Letter to ")]
        assert not body[0].startswith("On record"), f"page {number} starts with a question's note"
        alone = [line for line in lines if re.fullmatch(r"\[[\d,\s\u200a]+\]", line)]
        assert not alone, f"page {number}: markers on a line of their own: {alone}"


def test_pdf_bookmarks_list_every_topic(rendered: Rendered) -> None:
    outline = PdfReader(io.BytesIO(rendered.outputs["pdf"])).outline
    top = [item["/Title"] for item in outline if not isinstance(item, list)]
    assert top == [rendered.letter.subject, "Annex: questions for a meeting", "Sources"]


def test_docx_proofing_language_and_application_are_the_letters(rendered: Rendered) -> None:
    data = letter_to_docx(replace(rendered.letter, language="en-GB"))
    package = zipfile.ZipFile(io.BytesIO(data))
    names = package.namelist()
    styles = package.read("word/styles.xml").decode()
    settings = package.read("word/settings.xml").decode()
    app = package.read("docProps/app.xml").decode()
    assert re.search(r'<w:rPrDefault><w:rPr>.*<w:lang w:val="en-GB"', styles)
    assert "en-US" not in settings and "w:proofState" not in settings
    assert "<Application>engage " in app and "Macintosh" not in app and "Normal.dotm" not in app
    assert not [n for n in names if "thumbnail" in n]
    assert "thumbnail" not in package.read("_rels/.rels").decode()
    assert Document(io.BytesIO(data)).core_properties.language == "en-GB"
