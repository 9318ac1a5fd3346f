"""The letter as an editable Word document (.docx) through python-docx.

python-docx loads lxml and takes a tenth of a second to import, so nothing imports this
module at start-up: ``letter_files.render_letter`` imports it when a Word letter is asked for.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import docx
from docx.enum.text import WD_BREAK, WD_TAB_ALIGNMENT
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Pt, RGBColor

from .. import __version__
from ..errors import RenderError
from ..output import stamp_zip
from .letter import ANNEX_HEADING, Letter, long_date
from .letter_records import note_label

__all__ = ["letter_to_docx"]

_ACCENT = (0x0B, 0x3D, 0x5C)
_MUTED = (0x5B, 0x64, 0x74)


def letter_to_docx(letter: Letter) -> bytes:
    """Return the letter as an editable .docx (real headings, Word's numbered lists, a numbered list of sources).

    Core properties (title, author, dates) come from the letter, and the zip entries carry
    the letter's date, so identical inputs give byte-identical files.
    """
    document = _new_document()
    _widen_list_number(document, Cm(0.9))
    _running_head_and_foot(document, letter)
    _add_letterhead(document, letter)
    _add_opening(document, letter)
    _add_asks(document, letter)
    _add_sign_off(document, letter)
    _add_annex(document, letter)
    _add_sources(document, letter)
    _set_core_properties(document, letter)
    _set_proofing_language(document, letter.language)
    _replace_template_leftovers(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return stamp_zip(buffer.getvalue(), letter.date)


def _new_document() -> Any:
    """Return an empty A4 document with the letter's margins, body font and heading styles."""
    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.2)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    for style_name, size in (("Heading 1", 13), ("Heading 2", 11.5)):
        heading = document.styles[style_name]
        heading.font.size = Pt(size)
        heading.font.color.rgb = RGBColor(*_ACCENT)
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.space_after = Pt(4)
    return document


def _lines_paragraph(document: Any, lines: Sequence[str]) -> Any:
    """Add one paragraph holding ``lines`` separated by line breaks."""
    p = document.add_paragraph()
    for i, line in enumerate(lines):
        if i:
            p.add_run().add_break(WD_BREAK.LINE)
        p.add_run(line)
    return p


def _refs(p: Any, notes: Sequence[int]) -> None:
    """Add the superscript note numbers ``notes`` to paragraph ``p``."""
    if notes:
        run = p.add_run(note_label(notes, ","))
        run.font.superscript = True


def _add_letterhead(document: Any, letter: Letter) -> None:
    if not letter.letterhead:
        return
    head = document.add_paragraph()
    name_run = head.add_run(letter.letterhead[0])
    name_run.bold = True
    name_run.font.size = Pt(14)
    name_run.font.color.rgb = RGBColor(*_ACCENT)
    for line in letter.letterhead[1:]:
        head.add_run().add_break(WD_BREAK.LINE)
        run = head.add_run(line)
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(*_MUTED)


def _add_opening(document: Any, letter: Letter) -> None:
    """Add the date, addressee, salutation, subject and the paragraphs before the questions."""
    document.add_paragraph(long_date(letter.date))
    _lines_paragraph(document, letter.addressee)
    document.add_paragraph(letter.salutation)
    document.add_heading(letter.subject, level=1)
    for text in letter.opening[:1]:
        document.add_paragraph(text)
    if letter.history is not None:
        document.add_paragraph(letter.history.intro)
        for intro, items in (
            (letter.history.answered_intro, letter.history.answered),
            (letter.history.unanswered_intro, letter.history.unanswered),
            (letter.history.milestones_intro, letter.history.milestones),
        ):
            if items:
                document.add_paragraph(intro)
                for item in items:
                    document.add_paragraph(item, style="List Bullet")
    if letter.listed:
        document.add_paragraph(letter.listed_intro)
        for a in letter.listed:
            p = document.add_paragraph(a.text, style="List Bullet")
            _refs(p, a.notes)
    for text in letter.opening[1:]:
        document.add_paragraph(text)
    document.add_paragraph(letter.questions_intro)


def _add_asks(document: Any, letter: Letter) -> None:
    """Add the numbered asks (Word's numbered list, the headline in bold), then what the signatories will consider."""
    for ask in letter.asks:
        p = document.add_paragraph(style="List Number")
        p.add_run(ask.title + ".").bold = True
        p.add_run(" " + ask.text)
        _refs(p, ask.notes)
    if letter.weigh:
        document.add_paragraph(letter.weigh_intro)
        for item in letter.weigh:
            document.add_paragraph(item, style="List Bullet")


def _add_annex(document: Any, letter: Letter) -> None:
    """Add the annex: its heading, then each area's heading and questions, numbered from 1 again."""
    if not letter.sections:
        return
    document.add_heading(ANNEX_HEADING, level=1)
    if letter.annex_intro:
        document.add_paragraph(letter.annex_intro)
    num_id = _restarted_numbering(document, "List Number")
    for sec in letter.sections:
        document.add_heading(sec.title, level=2)
        for q in sec.questions:
            p = document.add_paragraph(style="List Number")
            _set_numbering(p, num_id)
            p.add_run(q.text)
            _refs(p, q.notes)


def _add_sign_off(document: Any, letter: Letter) -> None:
    """Add the closing paragraphs, the valediction and the signatories."""
    for text in (letter.meeting, letter.deadline_text, *letter.closing):
        last = document.add_paragraph(text)
    # The sign-off never stands alone at the top of a page: the last paragraph comes along,
    # and the valediction stays with the first signatory.
    last.paragraph_format.keep_with_next = True
    valediction = document.add_paragraph(letter.valediction)
    valediction.paragraph_format.space_after = Pt(36)  # room to sign
    valediction.paragraph_format.keep_with_next = True
    for s in letter.signatories:
        p = document.add_paragraph()
        p.paragraph_format.keep_together = True
        name_run = p.add_run(s.name)
        name_run.bold = True
        extra = [x for x in (s.title, s.organisation) if x]
        if s.aum:
            extra.append(f"Assets under management: {s.aum}")
        for line in extra:
            p.add_run().add_break(WD_BREAK.LINE)
            p.add_run(line)


def _add_sources(document: Any, letter: Letter) -> None:
    """Add the numbered list of sources (numbering from 1 again), each url a link when it is safe."""
    if not letter.sources:
        return
    document.add_heading("Sources", level=2)
    num_id = _restarted_numbering(document, "List Number")
    for note in letter.sources:
        p = document.add_paragraph(style="List Number")
        _set_numbering(p, num_id)
        p.add_run(note.entry)
        if note.url:
            p.add_run(" ")
            if note.link:
                _add_hyperlink(p, note.link)
            else:
                p.add_run(note.url)


def _set_core_properties(document: Any, letter: Letter) -> None:
    """Set title, author and dates from the letter (dated the letter's day, so the file is reproducible)."""
    props = document.core_properties
    stamp = dt.datetime(letter.date.year, letter.date.month, letter.date.day)
    props.title = letter.title
    props.subject = f"Engagement letter to {letter.company_name}"
    props.author = letter.author
    props.last_modified_by = letter.author
    props.keywords = ", ".join(letter.keywords)
    props.comments = ""
    props.category = "Engagement letter"
    props.language = letter.language
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1


def _set_proofing_language(document: Any, language: str) -> None:
    """Make Word spell-check the letter in the settings' language (python-docx's template says en-US)."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:  # pragma: no cover - python-docx's template always has them
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:  # pragma: no cover
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:  # pragma: no cover
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:  # pragma: no cover
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), language)
    # The template claims it was proofread ("clean"): Word would not check the letter's text.
    for proof_state in settings.findall(qn("w:proofState")):
        settings.remove(proof_state)


def _replace_template_leftovers(document: Any) -> None:
    """Say engage made the file, not "Microsoft Macintosh Word" with Normal.dotm, and drop the template's thumbnail."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype in (RELATIONSHIP_TYPE.THUMBNAIL, RELATIONSHIP_TYPE.EXTENDED_PROPERTIES):
            del package.rels[rel_id]  # a part no relationship reaches is not saved
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Application>engage {__version__}</Application><DocSecurity>0</DocSecurity>"
        "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
    ).encode()
    part = Part(PackURI("/docProps/app.xml"), CONTENT_TYPE.OFC_EXTENDED_PROPERTIES, app, package)
    package.relate_to(part, RELATIONSHIP_TYPE.EXTENDED_PROPERTIES)


def _widen_list_number(document: Any, indent: Any) -> None:
    """Give Word's numbered list room for two-digit numbers: "10." no longer touches its text."""
    style = document.styles["List Number"]
    style_num = style.element.find(qn("w:pPr")).find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))
    numbering = document.part.numbering_part.element
    twips = str(int(indent.twips))
    for num in numbering.findall(qn("w:num")):
        if num.get(qn("w:numId")) != style_num:
            continue
        abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
        for abstract in numbering.findall(qn("w:abstractNum")):
            if abstract.get(qn("w:abstractNumId")) != abstract_id:
                continue
            for lvl in abstract.findall(qn("w:lvl")):
                if lvl.get(qn("w:ilvl")) != "0":
                    continue
                ppr = lvl.find(qn("w:pPr"))
                for tab in ppr.iter(qn("w:tab")):
                    tab.set(qn("w:pos"), twips)
                ind = ppr.find(qn("w:ind"))
                ind.set(qn("w:left"), twips)
                ind.set(qn("w:hanging"), twips)


def _running_head_and_foot(document: Any, letter: Letter) -> None:
    """Give the Word letter the PDF's running lines: "Letter to X" from page 2, and on every
    page "<author> · <date>" with "Page X of Y" at the right margin."""
    section = document.sections[0]
    section.different_first_page_header_footer = True  # the letterhead replaces the header
    width = section.page_width - section.left_margin - section.right_margin

    def small(p: Any, text: str) -> None:
        run = p.add_run(text)
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(*_MUTED)

    def field(p: Any, instruction: str) -> None:
        simple = OxmlElement("w:fldSimple")
        simple.set(qn("w:instr"), instruction)
        run = OxmlElement("w:r")
        props = OxmlElement("w:rPr")
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), "16")
        props.append(size)
        run.append(props)
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        simple.append(run)
        p._p.append(simple)

    small(section.header.paragraphs[0], f"Letter to {letter.company_name}")
    for footer in (section.footer, section.first_page_footer):
        p = footer.paragraphs[0]
        for stop in (Inches(3.25), Inches(6.5)):  # the Footer style's centre and right stops
            p.paragraph_format.tab_stops.add_tab_stop(stop, WD_TAB_ALIGNMENT.CLEAR)
        p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        small(p, f"{letter.author} · {long_date(letter.date)}\tPage ")
        field(p, "PAGE")
        small(p, " of ")
        field(p, "NUMPAGES")


def _restarted_numbering(document: Any, style_name: str) -> int:
    """Return the id of a new Word numbering instance of ``style_name``'s list that starts again at 1."""
    style = document.styles[style_name]
    style_num = style.element.find(qn("w:pPr")).find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))
    numbering = document.part.numbering_part.element
    abstract_id = None
    for num in numbering.findall(qn("w:num")):
        if num.get(qn("w:numId")) == style_num:
            abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    if abstract_id is None:  # pragma: no cover - python-docx's template always has it
        raise RenderError(f"the Word template has no numbering for style {style_name!r}")
    new_id = max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))) + 1
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(new_id))
    abstract = OxmlElement("w:abstractNumId")
    abstract.set(qn("w:val"), abstract_id)
    num.append(abstract)
    override = OxmlElement("w:lvlOverride")
    override.set(qn("w:ilvl"), "0")
    start = OxmlElement("w:startOverride")
    start.set(qn("w:val"), "1")
    override.append(start)
    num.append(override)
    numbering.append(num)
    return new_id


def _set_numbering(paragraph: Any, num_id: int) -> None:

    ppr = paragraph._p.get_or_add_pPr()
    numpr = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), "0")
    num = OxmlElement("w:numId")
    num.set(qn("w:val"), str(num_id))
    numpr.append(ilvl)
    numpr.append(num)
    ppr.insert(0, numpr) if ppr.find(qn("w:pStyle")) is None else ppr.find(qn("w:pStyle")).addnext(numpr)


def _add_hyperlink(paragraph: Any, url: str) -> None:
    """Append ``url`` as a clickable link (python-docx has no public API for it)."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "".join(f"{c:02X}" for c in _ACCENT))
    rpr.append(color)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    rpr.append(underline)
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = url
    text.set(qn("xml:space"), "preserve")
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
