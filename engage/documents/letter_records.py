"""How a letter words a company's records and numbers their sources, once each, in order of first citation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..dates import PartialDate
from ..profile.wording import as_sentence
from ..records import Allegation, Commitment
from .environment import number_runs, safe_url

__all__ = [
    "OPEN_STATUSES",
    "SourceLike",
    "SourceNote",
    "SourceNotes",
    "anchor_text",
    "clean",
    "note_label",
    "quoted",
]


class SourceLike(Protocol):
    """What a letter reads of a source: ``engage.records.Source`` or a question's source."""

    @property
    def title(self) -> str: ...
    @property
    def publisher(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def date(self) -> PartialDate | None: ...


@dataclass(frozen=True)
class SourceNote:
    """One numbered source in the letter's list of sources."""

    number: int
    title: str
    publisher: str | None
    date: PartialDate | None
    url: str | None

    @property
    def citation(self) -> str:
        """Return 'Title (Publisher, 20 November 2023)' (no url, no final full stop).

        The title is not put in quotes: in the shipped data it is often a description of the
        page ("Report on ..."), not its real title (docs/data-sources.md, "Source titles"),
        and quotes would claim otherwise. The publisher is left out when the title already
        starts with it ("Global Witness investigation of ...").
        """
        title = self.title.rstrip(".") if self.publisher or self.date else self.title
        details = []
        if self.publisher and not _starts_with_name(self.title, self.publisher):
            details.append(self.publisher)
        if self.date is not None:
            details.append(self.date.label().replace(" ", "\u00a0"))  # "17 May 2023" on one line
        return f"{title} ({', '.join(details)})" if details else title

    @property
    def entry(self) -> str:
        """Return the citation as a sentence for the list of sources: with a full stop unless it ends in one."""
        text = self.citation
        return text if text.endswith((".", "?", "!")) else text + "."

    @property
    def link(self) -> str | None:
        """Return the url when it is an absolute http(s) URL (the only links any format carries)."""
        return safe_url(self.url)


def note_label(notes: Sequence[int], sep: str = ", ") -> str:
    """Return note numbers as the PDF prints them: '3, 4', and three or more in a row as a range, '1–3, 5'."""
    return sep.join(f"{first}\u2013{last}" if last > first else str(first) for first, last in number_runs(notes))


_STATUS_WORDS = {
    "alleged": "alleged",
    "under-investigation": "under investigation",
    "legal-action": "subject to legal action",
    "substantiated": "substantiated",
    "remediated": "reported as remediated",
    "dismissed": "dismissed",
    "announced": "announced",
    "in-progress": "in progress",
    "achieved": "reported as achieved",
    "missed": "missed",
    "withdrawn": "withdrawn",
}
_VERIFICATION_WORDS = {
    "none": "no independent verification",
    "self-reported": "self-reported",
    "third-party": "verified by a third party",
    "certified": "certified",
}
OPEN_STATUSES = frozenset({"alleged", "under-investigation", "legal-action", "substantiated"})


def clean(text: str) -> str:
    """Return ``text`` on one line with single spaces (records are typed by hand)."""
    return " ".join(text.split())


def anchor_text(record: Allegation | Commitment, with_title: bool = True) -> str:
    """Return a record as one dated line: what, when, its status and the company's response."""
    title = quoted(record.title)
    if isinstance(record, Allegation):
        facts = [
            f"reported {record.date.label()}" if not with_title else record.date.label(),
            _STATUS_WORDS.get(record.status, record.status),
        ]
        if record.updated is not None and record.updated != record.date:
            facts.append(f"latest development {record.updated.label()}")
        text = f"{title} ({'; '.join(facts)})." if with_title else _capitalise("; ".join(facts)) + "."
        if record.company_response:
            text += f" The company's response on record: {as_sentence(record.company_response)}"
        elif record.status in OPEN_STATUSES:
            text += " We have found no response from the company on record."
        return text
    facts = [f"announced {record.date.label()}"]
    if record.target:
        target = clean(record.target)
        # "… 160 GWh by 2030" already names its year: no second "by 2030".
        if record.target_year and str(record.target_year) not in target:
            target += f" by {record.target_year}"
        facts.append(target)
    elif record.target_year:
        facts.append(f"target year {record.target_year}")
    if record.status != "announced":  # "announced <date>" already says so
        facts.append(_STATUS_WORDS.get(record.status, record.status))
    facts.append(_VERIFICATION_WORDS.get(record.verification, record.verification))
    text = f"Commitment {title} ({'; '.join(facts)})." if with_title else _capitalise("; ".join(facts)) + "."
    if record.progress:
        text += f" Stated progress: {as_sentence(record.progress)}"
    return text


def quoted(title: str) -> str:
    """Return a title in double quotes; quotes inside it become single quotes."""
    return '"' + clean(title).rstrip(".").replace('"', "'") + '"'


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _starts_with_name(text: str, name: str) -> bool:
    """Return whether ``text`` begins with ``name`` as whole words ("Global Witness investigation ...")."""
    text, name = clean(text).casefold(), clean(name).casefold()
    return text.startswith(name) and (len(text) == len(name) or not text[len(name)].isalnum())


class SourceNotes:
    """Numbers sources in order of first citation, once each."""

    def __init__(self) -> None:
        self.notes: list[SourceNote] = []
        self._numbers: dict[tuple[Any, ...], int] = {}

    @staticmethod
    def key(source: SourceLike) -> tuple[Any, ...]:
        """Return what makes two sources the same note: the url, else title, publisher and date."""
        if source.url:
            return ("url", source.url.strip())
        return ("text", clean(source.title).casefold(), (source.publisher or "").casefold(), str(source.date))

    def cite(self, source: SourceLike) -> int:
        """Return the note number of ``source``, numbering it on its first citation."""
        key = self.key(source)
        number = self._numbers.get(key)
        if number is None:
            number = len(self.notes) + 1
            self._numbers[key] = number
            self.notes.append(
                SourceNote(
                    number,
                    clean(source.title),
                    clean(source.publisher) if source.publisher else None,
                    source.date,
                    source.url.strip() if source.url else None,
                )
            )
        return number
