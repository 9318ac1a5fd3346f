"""Engagement letters: a company's profile questions as a formal letter to its board, in PDF, Word and Markdown.

``build_letter`` assembles everything a letter says (plain text, unescaped) from a loaded
company, its profile and the workspace settings; ``render_letter`` turns that into bytes
for each format; ``render_company_letter`` does both and is what ``engage letter`` and
``engage batch`` call per company with one shared ``Renderer``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .dates import PartialDate
from .errors import DataError, RenderError, UsageError
from .output import stamp_zip
from .records import Allegation, Commitment, Company
from .regulations import regulatory_exposure
from .taxonomy import Taxonomy
from .workspace import Organisation, Settings, Signatory

if TYPE_CHECKING:  # pragma: no cover - imported lazily at run time
    import jinja2

    from .pdf import Renderer

__all__ = [
    "DEFAULT_RESPOND_BEFORE_AGM_DAYS",
    "DEFAULT_RESPOND_WITHIN_DAYS",
    "FORMATS",
    "MIN_RESPONSE_DAYS",
    "STAGES",
    "Anchor",
    "Deadline",
    "Letter",
    "LetterOptions",
    "LetterQuestion",
    "LetterSection",
    "SourceNote",
    "build_letter",
    "is_working_day",
    "letter_html",
    "letter_path",
    "letter_to_docx",
    "letter_to_markdown",
    "letter_to_pdf",
    "md_escape",
    "no_agm_warning",
    "options_from_settings",
    "render_company_letter",
    "render_letter",
    "resolve_signatories",
    "response_deadline",
    "weekend_warning",
    "write_letter",
]

STAGES: tuple[str, ...] = ("first", "follow-up", "pre-agm")
FORMATS: tuple[str, ...] = ("pdf", "docx", "md")
#: Output file of each format inside ``briefs/<company-id>/``.
FILE_NAMES: dict[str, str] = {"pdf": "letter.pdf", "docx": "letter.docx", "md": "letter.md"}

DEFAULT_RESPOND_WITHIN_DAYS = 28
DEFAULT_RESPOND_BEFORE_AGM_DAYS = 21
#: A deadline before the AGM is used only when it leaves the company at least this long to answer.
MIN_RESPONSE_DAYS = 14
#: A letter asks at most this many questions by default; a board answers a short letter.
DEFAULT_MAX_QUESTIONS = 15
#: Records quoted under one question; the rest are counted.
MAX_ANCHORS_PER_QUESTION = 3

TEMPLATE_NAME = "letter.html.j2"
STYLESHEET = "letter.css"


# --------------------------------------------------------------------------- the profile we read


class _SourceLike(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def publisher(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def date(self) -> PartialDate | None: ...


class _QuestionLike(Protocol):
    @property
    def area(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def record_ids(self) -> Sequence[str]: ...
    @property
    def sources(self) -> Sequence[_SourceLike]: ...


class ProfileLike(Protocol):
    """What a letter needs from ``engage.profile.Profile``: its ranked questions."""

    @property
    def questions(self) -> Sequence[_QuestionLike]: ...


# --------------------------------------------------------------------------- the letter model


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
        from .render import safe_url

        return safe_url(self.url)


@dataclass(frozen=True)
class Anchor:
    """A dated record of the company's that a question rests on, with the numbers of its sources."""

    record_id: str
    text: str
    notes: tuple[int, ...] = ()


@dataclass(frozen=True)
class LetterQuestion:
    """One numbered question, the records it rests on, and sources not tied to a record."""

    number: int
    text: str
    anchors: tuple[Anchor, ...] = ()
    notes: tuple[int, ...] = ()


@dataclass(frozen=True)
class LetterSection:
    """The questions of one action area."""

    area: str
    title: str
    questions: tuple[LetterQuestion, ...]


@dataclass(frozen=True)
class Deadline:
    """The response deadline and the rule that set it ('respond-by', 'before-agm' or 'after-letter')."""

    date: dt.date
    rule: str
    explanation: str


@dataclass(frozen=True)
class LetterOptions:
    """Choices for one letter run; ``signatories`` None means those of engage.yaml."""

    stage: str = "first"
    respond_by: dt.date | None = None
    signatories: tuple[Signatory, ...] | None = None
    max_questions: int = DEFAULT_MAX_QUESTIONS
    paper: str = "a4"  # a4 | letter (PDF only)


@dataclass(frozen=True)
class Letter:
    """Everything a letter says, as plain text; every renderer escapes it for its format."""

    company_id: str
    company_name: str
    stage: str
    date: dt.date
    language: str
    title: str
    author: str
    letterhead: tuple[str, ...]  # organisation name first, then address and contact lines
    addressee: tuple[str, ...]
    salutation: str
    subject: str
    opening: tuple[str, ...]
    listed: tuple[Anchor, ...]  # follow-up: the allegations still unanswered
    listed_intro: str
    weigh: tuple[str, ...]  # pre-AGM: what the signatories will weigh when they vote
    weigh_intro: str
    questions_intro: str
    sections: tuple[LetterSection, ...]
    meeting: str
    deadline: Deadline
    deadline_text: str
    closing: tuple[str, ...]
    valediction: str
    signatories: tuple[Signatory, ...]
    sources: tuple[SourceNote, ...]
    agm: dt.date | None = None
    omitted_questions: int = 0
    keywords: tuple[str, ...] = field(default=())
    paper: str = "a4"
    #: What the sender should know before sending (a pre-AGM letter without an AGM date); never printed in it.
    warnings: tuple[str, ...] = ()

    @property
    def questions(self) -> tuple[LetterQuestion, ...]:
        """Return every question in letter order."""
        return tuple(q for s in self.sections for q in s.questions)


# --------------------------------------------------------------------------- building


def options_from_settings(settings: Settings, **overrides: Any) -> LetterOptions:
    """Return LetterOptions from engage.yaml ``letter:`` defaults, with explicit ``overrides`` (None ignored)."""
    stage = settings.letter.get("stage", "first")
    base = LetterOptions(stage=stage)
    values = {k: v for k, v in overrides.items() if v is not None}
    return LetterOptions(**{**base.__dict__, **values})


#: Days no office answers on, whatever the country: (month, day). Weekends are not working days either.
CLOSED_DAYS: frozenset[tuple[int, int]] = frozenset({(12, 25), (12, 26), (1, 1)})


def no_agm_warning(company_id: str, file_name: str, recorded: dt.date | None = None) -> str:
    """Return the warning for a pre-AGM letter to a company without an upcoming AGM (``recorded``: a past one)."""
    had = f" (the recorded one, {recorded.isoformat()}, has passed)" if recorded else ""
    return (
        f"{company_id}: no upcoming AGM is recorded{had}, so the pre-AGM letter names no meeting date; "
        f"add 'agm: YYYY-MM-DD' to {file_name} to name it"
    )


def is_working_day(day: dt.date) -> bool:
    """Return False for Saturdays, Sundays, 25 and 26 December and 1 January; True otherwise."""
    return day.weekday() < 5 and (day.month, day.day) not in CLOSED_DAYS


def _working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _moved(rule_text: str, wanted: dt.date, got: dt.date) -> str:
    if wanted == got:
        return rule_text
    return f"{rule_text}, moved back from {wanted.strftime('%A')} {wanted.isoformat()} to a working day"


def weekend_warning(respond_by: dt.date) -> str | None:
    """Return a warning when an explicit response date is not a working day (it is kept as given), else None."""
    if is_working_day(respond_by):
        return None
    what = "a " + respond_by.strftime("%A") if respond_by.weekday() >= 5 else "a public holiday in most countries"
    return (
        f"--respond-by {respond_by.isoformat()} is {what}; the letter asks for a response on that day as given "
        f"(the last working day before it is {_working_day_on_or_before(respond_by).isoformat()})"
    )


def response_deadline(
    letter_date: dt.date,
    agm: dt.date | None,
    letter_settings: Mapping[str, Any] | None = None,
    respond_by: dt.date | None = None,
) -> Deadline:
    """Return the response deadline; raises UsageError when ``respond_by`` is not after the letter date.

    The rule: an explicit ``respond_by`` wins, as given; else ``respond_before_agm_days``
    (default 21) before a recorded AGM, when that still leaves at least ``MIN_RESPONSE_DAYS``
    (14) after the letter date; else ``respond_within_days`` (default 28) after the letter
    date, but never on or after the AGM. A computed date that falls on a weekend (or 25-26
    December, 1 January) moves back to the working day before it.
    """
    cfg = letter_settings or {}
    if respond_by is not None:
        if respond_by <= letter_date:
            raise UsageError(
                f"the response date {respond_by.isoformat()} is not after the letter date {letter_date.isoformat()}"
            )
        return Deadline(respond_by, "respond-by", f"given explicitly ({respond_by.isoformat()})")
    before = int(cfg.get("respond_before_agm_days", DEFAULT_RESPOND_BEFORE_AGM_DAYS))
    within = int(cfg.get("respond_within_days", DEFAULT_RESPOND_WITHIN_DAYS))
    earliest = letter_date + dt.timedelta(days=MIN_RESPONSE_DAYS)
    if agm is not None:
        wanted = agm - dt.timedelta(days=before)
        candidate = _working_day_on_or_before(wanted)
        if candidate >= earliest:
            why = _moved(f"{before} days before the AGM on {agm.isoformat()}", wanted, candidate)
            return Deadline(candidate, "before-agm", why)
    wanted = letter_date + dt.timedelta(days=within)
    candidate = _working_day_on_or_before(wanted)
    if agm is not None and candidate >= agm:
        # A reply after the meeting is no use to a vote: the last working day before it, if any is left.
        last = _working_day_on_or_before(agm - dt.timedelta(days=1))
        if last > letter_date:
            return Deadline(last, "before-agm", f"the last working day before the AGM on {agm.isoformat()}")
    return Deadline(candidate, "after-letter", _moved(f"{within} days after the letter date", wanted, candidate))


def long_date(day: dt.date) -> str:
    """Return '1 November 2026'."""
    return PartialDate.from_date(day).label()


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
_OPEN = frozenset({"alleged", "under-investigation", "legal-action", "substantiated"})


def _clean(text: str) -> str:
    """Return ``text`` on one line with single spaces (records are typed by hand)."""
    return " ".join(text.split())


def _sentence(text: str) -> str:
    text = _clean(text)
    return text if text.endswith((".", "?", "!", '"', "\u201d")) else text + "."


def _anchor_text(record: Allegation | Commitment, with_title: bool = True) -> str:
    """Return a record as one dated line: what, when, its status and the company's response."""
    title = _quoted(record.title)
    if isinstance(record, Allegation):
        facts = [
            f"reported {record.date.label()}" if not with_title else record.date.label(),
            _STATUS_WORDS.get(record.status, record.status),
        ]
        if record.updated is not None and record.updated != record.date:
            facts.append(f"latest development {record.updated.label()}")
        text = f"{title} ({'; '.join(facts)})." if with_title else _capitalise("; ".join(facts)) + "."
        if record.company_response:
            text += f" The company's response on record: {_sentence(record.company_response)}"
        elif record.status in _OPEN:
            text += " We have found no response from the company on record."
        return text
    facts = [f"announced {record.date.label()}"]
    if record.target:
        target = _clean(record.target)
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
        text += f" Stated progress: {_sentence(record.progress)}"
    return text


def _quoted(title: str) -> str:
    """Return a title in double quotes; quotes inside it become single quotes."""
    return '"' + _clean(title).rstrip(".").replace('"', "'") + '"'


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _starts_with_name(text: str, name: str) -> bool:
    """Return whether ``text`` begins with ``name`` as whole words ("Global Witness investigation ...")."""
    text, name = _clean(text).casefold(), _clean(name).casefold()
    return text.startswith(name) and (len(text) == len(name) or not text[len(name)].isalnum())


class _Notes:
    """Numbers sources in order of first citation, once each."""

    def __init__(self) -> None:
        self.notes: list[SourceNote] = []
        self._numbers: dict[tuple[Any, ...], int] = {}

    @staticmethod
    def key(source: _SourceLike) -> tuple[Any, ...]:
        if source.url:
            return ("url", source.url.strip())
        return ("text", _clean(source.title).casefold(), (source.publisher or "").casefold(), str(source.date))

    def cite(self, source: _SourceLike) -> int:
        key = self.key(source)
        number = self._numbers.get(key)
        if number is None:
            number = len(self.notes) + 1
            self._numbers[key] = number
            self.notes.append(
                SourceNote(
                    number,
                    _clean(source.title),
                    _clean(source.publisher) if source.publisher else None,
                    source.date,
                    source.url.strip() if source.url else None,
                )
            )
        return number


def _record_sources(record: Allegation | Commitment, as_of: dt.date) -> list[_SourceLike]:
    return [s for s in record.sources if s.date is None or s.date.first_day() <= as_of]


def _records(company: Company) -> list[Allegation | Commitment]:
    return [*company.allegations, *company.commitments]


def _in_view(record: Allegation | Commitment, as_of: dt.date) -> bool:
    return record.date.first_day() <= as_of


def _fallback_questions(company: Company, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """Return (area, text) questions for a company the profile has no questions about: disclosure first."""
    from .questions import FALLBACK_QUESTIONS, fill

    out: list[tuple[str, str]] = []
    for key in ("disclosure", "hrdd", "minerals"):
        try:
            area = taxonomy.area(key)
        except KeyError:
            continue
        template = (area.questions.get("general") or (FALLBACK_QUESTIONS["general"],))[0]
        out.append((key, fill(template, {"company": company.name, "area": area.short})))
    if not out:  # a taxonomy without these areas: ask about the first one
        area = taxonomy.areas[0]
        out.append((area.key, fill(FALLBACK_QUESTIONS["general"], {"company": company.name, "area": area.short})))
    return out


def _organisations(signatories: Sequence[Signatory]) -> list[str]:
    return list(dict.fromkeys(s.organisation for s in signatories if s.organisation))


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def resolve_signatories(settings: Settings, options: LetterOptions | None = None) -> tuple[Signatory, ...]:
    """Return who signs: ``options.signatories``, else engage.yaml's, else its sender; raises DataError if none."""
    options = options or LetterOptions()
    chosen = options.signatories if options.signatories is not None else settings.signatories
    org = settings.organisation.name if settings.organisation else None
    if not chosen:
        sender = settings.letter.get("sender")
        if sender:
            chosen = (Signatory(name=sender, organisation=org),)
    if not chosen:
        raise DataError(
            "no signatories for the letter: list them under 'signatories:' in engage.yaml "
            "or pass a YAML or CSV file with --signatories"
        )
    if options.signatories is not None:
        # A coalition's file: a blank organisation stays blank; signing someone up for the
        # sender's organisation would misattribute them.
        return tuple(chosen)
    # engage.yaml's own signatories sign for the workspace's organisation unless they name another.
    return tuple(s if s.organisation or not org else Signatory(s.name, s.title, org, s.aum) for s in chosen)


def _letterhead(org: Organisation | None, signatories: Sequence[Signatory]) -> tuple[str, ...]:
    if org is None:
        names = _organisations(signatories)
        return (names[0],) if len(names) == 1 else ()
    lines = [_clean(org.name)]
    if org.address:
        lines.extend(_clean(line) for line in org.address.splitlines() if line.strip())
    contact = [x for x in (org.email, org.phone, org.website) if x]
    if contact:
        lines.append(" \u00b7 ".join(contact))
    return tuple(lines)


def _addressee(company: Company) -> tuple[tuple[str, ...], str, str]:
    """Return (address lines, salutation, valediction)."""
    contact = company.contact
    name = _clean(company.name)
    if contact is None or not contact.name:
        lines = ["The Board of Directors", "c/o the Company Secretary", name]
        if contact is not None and contact.role:
            lines = [f"The Board of Directors, c/o the {_clean(contact.role)}", name]
        if contact is not None and contact.address:
            lines.extend(_clean(line) for line in contact.address.splitlines() if line.strip())
        return tuple(lines), "Dear Members of the Board,", "Yours faithfully,"
    lines = [_clean(contact.name)]
    if contact.role:
        lines.append(_clean(contact.role))
    lines.append(name)
    if contact.address:
        lines.extend(_clean(line) for line in contact.address.splitlines() if line.strip())
    return tuple(lines), f"Dear {_clean(contact.name)},", "Yours sincerely,"


def _question_sections(
    company: Company,
    profile: ProfileLike,
    taxonomy: Taxonomy,
    as_of: dt.date,
    options: LetterOptions,
    notes: _Notes,
    described: set[str],
) -> tuple[tuple[LetterSection, ...], int, bool]:
    """Return the sections of numbered questions, how many ranked questions were left out, and
    whether the questions are the general fallback (the profile had none).

    ``described`` holds the ids of records the letter has described already; it grows here.
    """
    records: dict[str, Allegation | Commitment] = {r.id: r for r in _records(company) if _in_view(r, as_of)}
    ranked = list(profile.questions)
    # "Nothing public since <date>; what has changed?" adds nothing to an area we already ask
    # about specifically; it stays only where it is the area's one question.
    specific = {q.area for q in ranked if getattr(q, "kind", None) != "stale"}
    ranked = [q for q in ranked if getattr(q, "kind", None) != "stale" or q.area not in specific]
    omitted = max(0, len(ranked) - options.max_questions) if options.max_questions > 0 else 0
    if omitted:
        ranked = ranked[: options.max_questions]
    # Areas in the order of their first (most serious) question; questions keep their rank within.
    grouped: dict[str, list[_QuestionLike]] = {}
    for q in ranked:
        grouped.setdefault(q.area, []).append(q)
    fallback: dict[str, list[str]] = {}
    if not ranked:
        for area_key, text in _fallback_questions(company, taxonomy):
            fallback.setdefault(area_key, []).append(text)

    sections: list[LetterSection] = []
    number = 0
    for area_key in [*grouped, *fallback]:
        try:
            area_title = taxonomy.area(area_key).title
        except KeyError:
            area_title = area_key.replace("-", " ").capitalize()
        items: list[LetterQuestion] = []
        for text in fallback.get(area_key, []):
            number += 1
            items.append(LetterQuestion(number, _clean(text)))
        for q in grouped.get(area_key, []):
            number += 1
            items.append(_letter_question(number, q, records, as_of, notes, described))
        sections.append(LetterSection(area_key, area_title, tuple(items)))
    return tuple(sections), omitted, bool(fallback)


def _letter_question(
    number: int,
    q: _QuestionLike,
    records: Mapping[str, Allegation | Commitment],
    as_of: dt.date,
    notes: _Notes,
    described: set[str],
) -> LetterQuestion:
    """Return one question with the records it rests on, each described once per letter with its sources.

    A record already described under an earlier question is not repeated: its sources are
    cited on the question instead. A record the question already quotes by title is
    described without repeating the title.
    """
    anchors: list[Anchor] = []
    on_question: set[int] = set()
    cited: set[tuple[Any, ...]] = set()
    for rid in [i for i in q.record_ids if i in records][:MAX_ANCHORS_PER_QUESTION]:
        record = records[rid]
        sources = _record_sources(record, as_of)
        numbers = tuple(sorted({notes.cite(s) for s in sources}))
        cited.update(notes.key(s) for s in sources)
        if rid in described:
            on_question.update(numbers)
            continue
        described.add(rid)
        quoted = _clean(record.title).rstrip(".") in _clean(q.text)
        anchors.append(Anchor(rid, _anchor_text(record, with_title=not quoted), numbers))
    on_question.update(notes.cite(s) for s in q.sources if notes.key(s) not in cited)
    return LetterQuestion(number, _clean(q.text), tuple(anchors), tuple(sorted(on_question)))


def _expectations(company: Company, as_of: dt.date) -> str:
    """Return the paragraph on what investors expect and the rules that bear on this company."""
    text = (
        "Investors expect automakers to know and manage the human rights and environmental risks in their "
        "supply chains, from the mine to the finished vehicle, in line with the UN Guiding Principles on "
        "Business and Human Rights and the OECD Guidelines for Multinational Enterprises."
    )
    rules = [e.rule.name for e in regulatory_exposure(company, as_of)][:3]
    if rules:
        named = _join(["the " + r for r in rules])
        return text + f" Rules such as {named} are turning these expectations into legal requirements."
    return text + " Due diligence laws in Europe and elsewhere are turning these expectations into legal requirements."


def _lagging(company: Company, as_of: dt.date) -> list[Commitment]:
    """Return the commitments that are missed, withdrawn, or past their target year and still open."""
    return [
        c
        for c in company.commitments
        if _in_view(c, as_of)
        and (
            c.status in ("missed", "withdrawn")
            or (c.target_year is not None and c.target_year < as_of.year and c.status in ("announced", "in-progress"))
        )
    ]


def _weigh(company: Company, as_of: dt.date, unanswered: Sequence[Allegation]) -> tuple[str, ...]:
    """Return what the signatories will weigh when they vote (pre-AGM letters)."""
    items = ["the company's answers to the questions in this letter;"]
    if unanswered:
        n = len(unanswered)
        items.append(
            f"whether the company responds publicly to the {n} {'allegation' if n == 1 else 'allegations'} "
            "on which we have found no response on record;"
        )
    lagging = _lagging(company, as_of)
    if lagging:
        titles = _join([_quoted(c.title) for c in lagging[:3]])
        items.append(f"what the company will do about commitments that are missed or overdue, such as {titles};")
    if company.commitments:
        items.append("evidence of progress against the company's commitments, with independent verification;")
    else:
        items.append("whether the company makes time-bound, independently verified commitments;")
    items.append("the quality of the company's public reporting on its supply chains.")
    return tuple(items)


def _number_word(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if 0 <= n < len(words) else str(n)


def _writers(signatories: Sequence[Signatory]) -> str:
    orgs = _organisations(signatories)
    if len(orgs) > 1:
        return f"a group of {_number_word(len(orgs))} investors, whose names appear at the end of this letter,"
    if orgs:
        return orgs[0]
    return "the investor who signs this letter" if len(signatories) == 1 else "the investors who sign this letter"


def _questions_intro(name: str, total: int, fallback: bool, has_records: bool) -> str:
    q_word = "question" if total == 1 else "questions"
    if fallback and has_records:
        return (
            "The public record we follow raises no specific open concern at present. We would nevertheless "
            f"welcome the company's answers to the following {q_word}."
        )
    if fallback:
        return (
            f"We have not found public reports of supply-chain allegations or commitments concerning {name}, "
            f"which makes the company's own disclosure the starting point of our {q_word}."
        )
    return (
        f"We set out our {q_word} below, grouped by topic with the most serious first. Each refers to the "
        "public record on which it rests; the sources are listed at the end of this letter."
    )


def build_letter(
    company: Company,
    profile: ProfileLike,
    settings: Settings,
    taxonomy: Taxonomy,
    as_of: dt.date,
    options: LetterOptions | None = None,
) -> Letter:
    """Return the letter to ``company`` dated ``as_of``; raises UsageError (bad stage or date) or DataError.

    Pure: the same inputs give the same letter. Questions come from ``profile`` (most
    serious first), grouped by action area in the order their first question appears;
    a profile without questions gets general questions on disclosure and due diligence.
    """
    options = options or LetterOptions()
    if options.stage not in STAGES:
        raise UsageError(f"unknown letter stage '{options.stage}'; choose one of {', '.join(STAGES)}")
    name = _clean(company.name)
    signatories = resolve_signatories(settings, options)
    agm = company.agm if company.agm is not None and company.agm > as_of else None
    deadline = response_deadline(as_of, agm, settings.letter, options.respond_by)
    notes = _Notes()
    writers = _writers(signatories)
    expectations = _expectations(company, as_of)
    unanswered = [a for a in company.allegations if _in_view(a, as_of) and a.status in _OPEN and not a.company_response]

    # Follow-up letters list what went unanswered before the questions, so those sources come first.
    listed: tuple[Anchor, ...] = ()
    listed_intro = ""
    weigh: tuple[str, ...] = ()
    weigh_intro = ""
    warnings: list[str] = []
    if options.stage == "first":
        opening = [
            f"We write on behalf of {writers} about how {name} identifies and addresses human rights and "
            "environmental risks in its supply chains.",
            expectations,
        ]
    elif options.stage == "follow-up":
        opening = [
            f"We write again on behalf of {writers.rstrip(',')}, following our earlier correspondence about human "
            f"rights and environmental risks in the supply chains of {name}."
        ]
        listed = tuple(
            Anchor(a.id, _anchor_text(a), tuple(sorted({notes.cite(s) for s in _record_sources(a, as_of)})))
            for a in unanswered
        )
        if listed:
            matters, them = ("matter", "it") if len(listed) == 1 else ("matters", "them")
            listed_intro = (
                f"We have not found a public response from the company to the following {matters}, "
                f"and would be grateful if you would address {them} in your reply:"
            )
        else:
            opening.append(
                "We note that the company has responded publicly to each of the allegations we follow, and we are "
                "grateful for that. Some questions remain open, and we set them out below."
            )
        opening.append(expectations)
    else:
        if agm is None:
            warnings.append(no_agm_warning(company.id, company.path.name, company.agm))
        # Without a recorded date the letter does not pretend to know one.
        meeting = (
            f"the annual general meeting of {name} on {long_date(agm)}"
            if agm
            else "the company's next annual general meeting"
        )
        opening = [
            f"Ahead of {meeting}, we write on behalf of {writers} about human rights and environmental risks in the "
            f"supply chains of {name}.",
            expectations,
        ]
        # "we", as everywhere else in the letter: right for one signatory and for a coalition.
        weigh_intro = "In deciding how to vote, we will weigh:"
        weigh = _weigh(company, as_of, unanswered)

    # A record the letter has already described (in the follow-up list) is cited, not repeated.
    described = {a.record_id for a in listed}
    sections, omitted, fallback = _question_sections(company, profile, taxonomy, as_of, options, notes, described)
    total = sum(len(s.questions) for s in sections)
    has_records = any(_in_view(r, as_of) for r in _records(company))

    subject = f"Supply-chain risks at {name}: " + (
        f"questions ahead of the annual general meeting on {long_date(agm)}" if agm else "questions from investors"
    )
    if options.stage == "follow-up":
        subject = "Follow-up: " + subject

    org = settings.organisation
    before_agm = agm is not None and deadline.date < agm
    meeting_text = (
        "We would welcome a meeting with members of the Board and the senior managers responsible for "
        "supply-chain due diligence to discuss these questions"
        + (f", before the annual general meeting on {long_date(agm)}" if agm and before_agm else "")
        + "."
    )
    if org and org.email:
        meeting_text += f" Please contact us at {org.email} to arrange a time."
    deadline_text = f"We would be grateful for a written response by {long_date(deadline.date)}" + (
        ", so that we can take it into account before the annual general meeting." if before_agm else "."
    )
    address, salutation, valediction = _addressee(company)
    orgs = _organisations(signatories)
    author = org.name if org else (orgs[0] if orgs else signatories[0].name)
    return Letter(
        paper=options.paper,
        company_id=company.id,
        company_name=name,
        stage=options.stage,
        date=as_of,
        language=settings.language or "en",
        title=subject,
        author=_clean(author),
        letterhead=_letterhead(org, signatories),
        addressee=address,
        salutation=salutation,
        subject=subject,
        opening=tuple(opening),
        listed=listed,
        listed_intro=listed_intro,
        weigh=weigh,
        weigh_intro=weigh_intro,
        questions_intro=_questions_intro(name, total, fallback, has_records),
        sections=sections,
        meeting=meeting_text,
        deadline=deadline,
        deadline_text=deadline_text,
        closing=(
            (
                "If any of the records we refer to is inaccurate or out of date, we would welcome the company's "
                "correction. "
                if notes.notes
                else ""
            )
            + "We look forward to your response and to continuing our dialogue.",
        ),
        valediction=valediction,
        signatories=tuple(
            Signatory(
                _clean(s.name),
                _clean(s.title) if s.title else None,
                _clean(s.organisation) if s.organisation else None,
                _clean(s.aum) if s.aum else None,
            )
            for s in signatories
        ),
        sources=tuple(notes.notes),
        agm=agm,
        omitted_questions=omitted,
        keywords=("engagement letter", name, company.id),
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- HTML and PDF


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    """Return the shared engage Jinja2 environment for a templates folder (built once per folder)."""
    from .render import make_environment

    return make_environment(templates_dir)


def letter_html(letter: Letter, templates_dir: Path | None = None) -> str:
    """Return the letter as HTML (``letter.html.j2``, overridable in the workspace's templates/); raises RenderError."""
    import jinja2

    env = _environment(templates_dir.resolve() if templates_dir else None)
    doc = {
        "title": letter.title,
        "lang": letter.language,
        "author": letter.author,
        "subject": f"Engagement letter to {letter.company_name}",
        "keywords": letter.keywords,
        "as_of": letter.date,
    }
    try:
        return env.get_template(TEMPLATE_NAME).render(letter=letter, doc=doc, inline_css="")
    except jinja2.TemplateError as exc:
        where = f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise RenderError(f"letter template failed{where}: {exc}") from exc


def letter_to_pdf(letter: Letter, renderer: Renderer) -> bytes:
    """Return the letter as PDF/UA-1 bytes, byte-identical for identical inputs; raises RenderError."""
    html = letter_html(letter, renderer.templates_dir)
    return renderer.html_to_pdf(
        html,
        title=letter.title,
        lang=letter.language,
        as_of=letter.date,
        author=letter.author,
        subject=f"Engagement letter to {letter.company_name}",
        keywords=letter.keywords,
        stylesheets=(STYLESHEET,),
        paper=letter.paper,
    )


# --------------------------------------------------------------------------- Markdown


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


def note_label(notes: Sequence[int], sep: str = ", ") -> str:
    """Return note numbers as the PDF prints them: '3, 4', and three or more in a row as a range, '1–3, 5'."""
    from .render import number_runs

    return sep.join(f"{first}\u2013{last}" if last > first else str(first) for first, last in number_runs(notes))


def _md_refs(notes: Sequence[int]) -> str:
    """Return ' [3, 4]' with no-break spaces, so an email client never wraps the marker onto a line alone."""
    return "\u00a0[" + note_label(notes, ",\u00a0") + "]" if notes else ""


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
    if letter.listed:
        blocks.append(md_escape(letter.listed_intro))
        blocks.append("\n".join(f"- {md_escape(a.text)}{_md_refs(a.notes)}" for a in letter.listed))
    if letter.weigh:
        blocks.append(md_escape(letter.weigh_intro))
        blocks.append("\n".join(f"- {md_escape(item)}" for item in letter.weigh))
    blocks.extend(md_escape(p) for p in letter.opening[1:])
    blocks.append(md_escape(letter.questions_intro))
    for section in letter.sections:
        blocks.append(f"## {md_escape(section.title)}")
        for q in section.questions:
            item = f"{q.number}. {md_escape(q.text)}{_md_refs(q.notes)}"
            for a in q.anchors:
                item += f"\n\n    *On record:* {md_escape(a.text)}{_md_refs(a.notes)}"
            blocks.append(item)
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


# --------------------------------------------------------------------------- Word


_ACCENT = (0x0B, 0x3D, 0x5C)
_MUTED = (0x5B, 0x64, 0x74)


def letter_to_docx(letter: Letter) -> bytes:
    """Return the letter as an editable .docx (real headings, Word's numbered lists, a numbered list of sources).

    Core properties (title, author, dates) come from the letter, and the zip entries carry
    the letter's date, so identical inputs give byte-identical files.
    """
    try:
        import docx
        from docx.enum.text import WD_BREAK
        from docx.shared import Cm, Pt, RGBColor
    except ImportError as exc:  # pragma: no cover - a broken install
        raise RenderError(f"python-docx cannot be loaded ({exc}); reinstall engage") from exc

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

    def lines_paragraph(lines: Sequence[str], style: str | None = None) -> Any:
        p = document.add_paragraph(style=style)
        for i, line in enumerate(lines):
            if i:
                p.add_run().add_break(WD_BREAK.LINE)
            p.add_run(line)
        return p

    _widen_list_number(document, Cm(0.9))
    _running_head_and_foot(document, letter)

    def refs(p: Any, notes: Sequence[int]) -> None:
        if notes:
            run = p.add_run(note_label(notes, ","))
            run.font.superscript = True

    if letter.letterhead:
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
    document.add_paragraph(long_date(letter.date))
    lines_paragraph(letter.addressee)
    document.add_paragraph(letter.salutation)
    document.add_heading(letter.subject, level=1)
    for text in letter.opening[:1]:
        document.add_paragraph(text)
    if letter.listed:
        document.add_paragraph(letter.listed_intro)
        for a in letter.listed:
            p = document.add_paragraph(a.text, style="List Bullet")
            refs(p, a.notes)
    if letter.weigh:
        document.add_paragraph(letter.weigh_intro)
        for item in letter.weigh:
            document.add_paragraph(item, style="List Bullet")
    for text in letter.opening[1:]:
        document.add_paragraph(text)
    document.add_paragraph(letter.questions_intro)
    for sec in letter.sections:
        document.add_heading(sec.title, level=2)
        for q in sec.questions:
            p = document.add_paragraph(q.text, style="List Number")
            refs(p, q.notes)
            for a in q.anchors:
                basis = document.add_paragraph(style="List Continue")
                basis.paragraph_format.left_indent = Cm(0.9)
                label = basis.add_run("On record: ")
                label.italic = True
                run = basis.add_run(a.text)
                run.font.size = Pt(9.5)
                label.font.size = Pt(9.5)
                refs(basis, a.notes)
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
    if letter.sources:
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
    _set_proofing_language(document, letter.language)
    _replace_template_leftovers(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return stamp_zip(buffer.getvalue(), letter.date)


def _set_proofing_language(document: Any, language: str) -> None:
    """Make Word spell-check the letter in the settings' language (python-docx's template says en-US)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

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
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    from . import __version__

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
    from docx.oxml.ns import qn

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
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt, RGBColor

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
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

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
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

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
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

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


# --------------------------------------------------------------------------- one call per company


def render_letter(letter: Letter, formats: Sequence[str], renderer: Renderer | None = None) -> dict[str, bytes]:
    """Return ``{format: bytes}`` for ``formats`` (pdf, docx, md); raises UsageError or RenderError.

    ``renderer`` is needed for PDF (build one per process and share it); without one a
    new Renderer is made, which is slow in a loop.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown letter format '{unknown[0]}'; choose from {', '.join(FORMATS)}")
    out: dict[str, bytes] = {}
    for fmt in dict.fromkeys(formats):
        if fmt == "pdf":
            if renderer is None:
                from .pdf import Renderer

                renderer = Renderer()
            out[fmt] = letter_to_pdf(letter, renderer)
        elif fmt == "docx":
            out[fmt] = letter_to_docx(letter)
        else:
            out[fmt] = letter_to_markdown(letter).encode("utf-8")
    return out


def letter_path(out_dir: Path, company_id: str, fmt: str) -> Path:
    """Return where a letter of format ``fmt`` goes: ``<out>/<company-id>/letter.<ext>``."""
    return out_dir / company_id / FILE_NAMES[fmt]


def write_letter(out_dir: Path, company_id: str, outputs: Mapping[str, bytes]) -> list[Path]:
    """Write each rendered format atomically under ``<out>/<company-id>/`` and return the paths; raises RenderError."""
    from .output import write_atomic

    return [write_atomic(letter_path(out_dir, company_id, fmt), data) for fmt, data in outputs.items()]


def render_company_letter(
    company: Company,
    profile: ProfileLike,
    settings: Settings,
    renderer: Renderer | None,
    *,
    taxonomy: Taxonomy,
    as_of: dt.date,
    formats: Sequence[str] = FORMATS,
    options: LetterOptions | None = None,
) -> dict[str, bytes]:
    """Return ``{format: bytes}`` of the letter to ``company``: the one call a batch makes per company.

    Raises UsageError (bad stage, format or response date), DataError (no signatories) or
    RenderError (template or WeasyPrint failure).
    """
    letter = build_letter(company, profile, settings, taxonomy, as_of, options or options_from_settings(settings))
    return render_letter(letter, formats, renderer)
