"""The letter as Markdown that also reads well as plain text: the body of an email."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .letter import ANNEX_HEADING, Letter, long_date
from .letter_records import note_label

__all__ = ["letter_to_markdown", "md_escape"]

_MD_INLINE = re.compile(r"([\\`*_\[\]])")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=|~-]|\d+(?=[.)]))")


def md_escape(text: str) -> str:
    """Return ``text`` escaped for Markdown with few backslashes, so it stays readable as plain text."""
    out = _MD_INLINE.sub(r"\\\1", text)
    out = _MD_TAG.sub(r"\\<", out)
    out = _MD_ENTITY.sub(r"\\&", out)
    lines = []
    for line in out.split("\n"):
        match = _MD_LINE_START.match(line)
        if match:
            lead, token = match.groups()
            if token[0].isdigit():
                rest = line[len(lead) + len(token) :]
                line = f"{lead}{token}\\{rest}"
            else:
                line = f"{lead}\\{line[len(lead) :]}"
        lines.append(line)
    return "\n".join(lines)


def _md_refs(notes: Sequence[int]) -> str:
    """Return ' [3, 4]' with no-break spaces, so an email client never wraps the marker onto a line alone."""
    return "\u00a0[" + note_label(notes, ",\u00a0") + "]" if notes else ""


def _history(letter: Letter) -> list[str]:
    """Return the blocks saying what happened before: the previous letter, answered and open asks, milestones."""
    history = letter.history
    if history is None:
        return []
    blocks = [md_escape(history.intro)]
    for intro, items in (
        (history.answered_intro, history.answered),
        (history.unanswered_intro, history.unanswered),
        (history.milestones_intro, history.milestones),
    ):
        if items:
            blocks.append(md_escape(intro))
            blocks.append("\n".join(f"- {md_escape(item)}" for item in items))
    return blocks


def letter_to_markdown(letter: Letter) -> str:
    """Return the letter as Markdown that also reads well as plain text (for the body of an email)."""
    hard = "  \n"  # a Markdown line break that is invisible in plain text
    blocks: list[str] = []
    if letter.letterhead:
        blocks.append(hard.join(md_escape(line) for line in letter.letterhead))
    blocks.append(md_escape(long_date(letter.date)))
    blocks.append(hard.join(md_escape(line) for line in letter.addressee))
    blocks.append(md_escape(letter.salutation))
    blocks.append(f"**{md_escape(letter.subject)}**")
    blocks.extend(md_escape(p) for p in letter.opening[:1])
    blocks.extend(_history(letter))
    if letter.listed:
        blocks.append(md_escape(letter.listed_intro))
        blocks.append("\n".join(f"- {md_escape(a.text)}{_md_refs(a.notes)}" for a in letter.listed))
    blocks.extend(md_escape(p) for p in letter.opening[1:])
    blocks.append(md_escape(letter.questions_intro))
    for ask in letter.asks:
        blocks.append(f"{ask.number}. **{md_escape(ask.title)}.** {md_escape(ask.text)}{_md_refs(ask.notes)}")
    if letter.weigh:
        blocks.append(md_escape(letter.weigh_intro))
        blocks.append("\n".join(f"- {md_escape(item)}" for item in letter.weigh))
    blocks.append(md_escape(letter.meeting))
    blocks.append(md_escape(letter.deadline_text))
    blocks.extend(md_escape(p) for p in letter.closing)
    blocks.append(md_escape(letter.valediction))
    for s in letter.signatories:
        lines = [f"**{md_escape(s.name)}**"]
        lines.extend(md_escape(x) for x in (s.title, s.organisation) if x)
        if s.aum:
            lines.append(f"Assets under management: {md_escape(s.aum)}")
        blocks.append(hard.join(lines))
    if letter.sections:
        blocks.append("---")
        blocks.append(f"## {ANNEX_HEADING}")
        if letter.annex_intro:
            blocks.append(md_escape(letter.annex_intro))
        for section in letter.sections:
            blocks.append(f"### {md_escape(section.title)}")
            blocks.append("\n".join(f"{q.number}. {md_escape(q.text)}{_md_refs(q.notes)}" for q in section.questions))
    if letter.sources:
        blocks.append("---")
        blocks.append("## Sources")
        lines = []
        for note in letter.sources:
            line = f"{note.number}. {md_escape(note.entry)}"
            if note.link and not re.search(r"[\s<>]", note.link):
                line += f" <{note.link}>"
            elif note.url:
                line += f" {md_escape(note.url)}"
            lines.append(line)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
