"""The letter model: what an engagement letter says, built from a company's profile and its as-of view.

``build_letter`` assembles everything a letter says (plain text, unescaped) from a profile,
the workspace settings and the taxonomy. It reads the company only through the profile's
as-of view (``Profile.known``, made by ``engage.asof.known_at``), so a record or source not
yet known at the letter's date is never quoted or cited, and the brief cites the same
sources for the same record. ``letter_records`` words the records and numbers the sources,
``letter_deadline`` sets the response date, each format (``letter_pdf``, ``letter_docx``,
``letter_md``) renders a ``Letter``, and ``letter_files`` runs the pipeline for one company.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..agm import next_agm
from ..dates import PartialDate
from ..engagement.history import LetterHistory
from ..errors import DataError, UsageError
from ..profile.questions import FALLBACK_QUESTIONS, fill
from ..records import Allegation, Commitment, Company
from ..regulations import regulatory_exposure
from ..taxonomy import Taxonomy
from ..workspace import Organisation, Settings, Signatory
from .letter_deadline import Deadline, no_agm_warning, response_deadline
from .letter_records import (
    OPEN_STATUSES,
    SourceLike,
    SourceNote,
    SourceNotes,
    anchor_text,
    clean,
    quoted,
)

__all__ = [
    "DEFAULT_MAX_QUESTIONS",
    "MAX_ANCHORS_PER_QUESTION",
    "STAGES",
    "Anchor",
    "Letter",
    "LetterOptions",
    "LetterQuestion",
    "LetterSection",
    "ProfileLike",
    "build_letter",
    "long_date",
    "options_from_settings",
    "resolve_signatories",
]

STAGES: tuple[str, ...] = ("first", "follow-up", "pre-agm")
#: A letter asks at most this many questions by default; a board answers a short letter.
DEFAULT_MAX_QUESTIONS = 15
#: Records quoted under one question; the rest are counted.
MAX_ANCHORS_PER_QUESTION = 3


# --------------------------------------------------------------------------- the profile we read


class _QuestionLike(Protocol):
    @property
    def area(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def record_ids(self) -> Sequence[str]: ...
    @property
    def sources(self) -> Sequence[SourceLike]: ...


class ProfileLike(Protocol):
    """What a letter needs from ``engage.profile.Profile``: its date, ranked questions and as-of view."""

    @property
    def as_of(self) -> dt.date: ...
    @property
    def questions(self) -> Sequence[_QuestionLike]: ...
    @property
    def known(self) -> Company | None: ...


# --------------------------------------------------------------------------- the letter model


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
    #: The AGM expected from past meetings when none is announced: named by month as an expectation, never as a date.
    agm_expected: dt.date | None = None
    omitted_questions: int = 0
    keywords: tuple[str, ...] = field(default=())
    paper: str = "a4"
    #: What the sender should know before sending (a pre-AGM letter without an AGM date); never printed in it.
    warnings: tuple[str, ...] = ()
    #: The engagement so far (engage.engagement.history), printed after the first paragraph; None without a log.
    history: LetterHistory | None = None

    @property
    def questions(self) -> tuple[LetterQuestion, ...]:
        """Return every question in letter order."""
        return tuple(q for s in self.sections for q in s.questions)


# --------------------------------------------------------------------------- options and signatories


def options_from_settings(settings: Settings, **overrides: Any) -> LetterOptions:
    """Return LetterOptions from engage.yaml ``letter:`` defaults, with explicit ``overrides`` (None ignored)."""
    stage = settings.letter.get("stage", "first")
    base = LetterOptions(stage=stage)
    values = {k: v for k, v in overrides.items() if v is not None}
    return LetterOptions(**{**base.__dict__, **values})


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


# --------------------------------------------------------------------------- date, letterhead, addressee


def long_date(day: dt.date) -> str:
    """Return '1 November 2026'."""
    return PartialDate.from_date(day).label()


def _records(company: Company) -> list[Allegation | Commitment]:
    return [*company.allegations, *company.commitments]


def _fallback_questions(company: Company, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """Return (area, text) questions for a company the profile has no questions about: disclosure first."""
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


def _letterhead(org: Organisation | None, signatories: Sequence[Signatory]) -> tuple[str, ...]:
    if org is None:
        names = _organisations(signatories)
        return (names[0],) if len(names) == 1 else ()
    lines = [clean(org.name)]
    if org.address:
        lines.extend(clean(line) for line in org.address.splitlines() if line.strip())
    contact = [x for x in (org.email, org.phone, org.website) if x]
    if contact:
        lines.append(" \u00b7 ".join(contact))
    return tuple(lines)


def _addressee(company: Company) -> tuple[tuple[str, ...], str, str]:
    """Return (address lines, salutation, valediction); the address names the company by its legal name."""
    contact = company.contact
    # A formal letter goes to the registered company (Bayerische Motoren Werke Aktiengesellschaft),
    # while the subject and text keep the short name the records use (BMW).
    name = clean(company.legal_name or company.name)
    if contact is None or not contact.name:
        lines = ["The Board of Directors", "c/o the Company Secretary", name]
        if contact is not None and contact.role:
            lines = [f"The Board of Directors, c/o the {clean(contact.role)}", name]
        if contact is not None and contact.address:
            lines.extend(clean(line) for line in contact.address.splitlines() if line.strip())
        return tuple(lines), "Dear Members of the Board,", "Yours faithfully,"
    lines = [clean(contact.name)]
    if contact.role:
        lines.append(clean(contact.role))
    lines.append(name)
    if contact.address:
        lines.extend(clean(line) for line in contact.address.splitlines() if line.strip())
    return tuple(lines), f"Dear {clean(contact.name)},", "Yours sincerely,"


# --------------------------------------------------------------------------- the questions


def _question_sections(
    company: Company,
    profile: ProfileLike,
    taxonomy: Taxonomy,
    options: LetterOptions,
    notes: SourceNotes,
    described: set[str],
) -> tuple[tuple[LetterSection, ...], int, bool]:
    """Return the sections of numbered questions, how many ranked questions were left out, and
    whether the questions are the general fallback (the profile had none).

    ``company`` is the profile's as-of view; ``described`` holds the ids of records the
    letter has described already, and grows here.
    """
    records: dict[str, Allegation | Commitment] = {r.id: r for r in _records(company)}
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
            items.append(LetterQuestion(number, clean(text)))
        for q in grouped.get(area_key, []):
            number += 1
            items.append(_letter_question(number, q, records, notes, described))
        sections.append(LetterSection(area_key, area_title, tuple(items)))
    return tuple(sections), omitted, bool(fallback)


def _letter_question(
    number: int,
    q: _QuestionLike,
    records: Mapping[str, Allegation | Commitment],
    notes: SourceNotes,
    described: set[str],
) -> LetterQuestion:
    """Return one question with the records it rests on, each described once per letter with its sources.

    A record already described under an earlier question is not repeated: its sources are
    cited on the question instead. A record the question already quotes by title is
    described without repeating the title. ``records`` come from the as-of view, so their
    sources are those known at the letter's date.
    """
    anchors: list[Anchor] = []
    on_question: set[int] = set()
    cited: set[tuple[Any, ...]] = set()
    for rid in [i for i in q.record_ids if i in records][:MAX_ANCHORS_PER_QUESTION]:
        record = records[rid]
        numbers = tuple(sorted({notes.cite(s) for s in record.sources}))
        cited.update(notes.key(s) for s in record.sources)
        if rid in described:
            on_question.update(numbers)
            continue
        described.add(rid)
        quoted = clean(record.title).rstrip(".") in clean(q.text)
        anchors.append(Anchor(rid, anchor_text(record, with_title=not quoted), numbers))
    on_question.update(notes.cite(s) for s in q.sources if notes.key(s) not in cited)
    return LetterQuestion(number, clean(q.text), tuple(anchors), tuple(sorted(on_question)))


# --------------------------------------------------------------------------- the opening, by stage


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
        if c.status in ("missed", "withdrawn")
        or (c.target_year is not None and c.target_year < as_of.year and c.status in ("announced", "in-progress"))
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
        titles = _join([quoted(c.title) for c in lagging[:3]])
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


@dataclass(frozen=True)
class _Opening:
    """What a letter says before its questions, which differs by stage."""

    paragraphs: tuple[str, ...]
    listed: tuple[Anchor, ...] = ()
    listed_intro: str = ""
    weigh: tuple[str, ...] = ()
    weigh_intro: str = ""
    warnings: tuple[str, ...] = ()


def _opening(
    company: Company,
    as_of: dt.date,
    stage: str,
    agm: dt.date | None,
    signatories: Sequence[Signatory],
    notes: SourceNotes,
    expected: dt.date | None = None,
) -> _Opening:
    """Return the opening of a letter at ``stage``; a follow-up cites its sources first, so they come first."""
    name = clean(company.name)
    writers = _writers(signatories)
    expectations = _expectations(company, as_of)
    unanswered = [a for a in company.allegations if a.status in OPEN_STATUSES and not a.company_response]
    if stage == "first":
        return _Opening(
            (
                f"We write on behalf of {writers} about how {name} identifies and addresses human rights and "
                "environmental risks in its supply chains.",
                expectations,
            )
        )
    if stage == "follow-up":
        return _follow_up_opening(name, writers, expectations, unanswered, notes)
    warnings = () if agm is not None else (no_agm_warning(company.id, company.path.name, company.agm, expected),)
    # Without an announced date the letter does not pretend to know one; an estimate is named as one.
    if agm:
        meeting = f"the annual general meeting of {name} on {long_date(agm)}"
    elif expected:
        meeting = (
            f"the next annual general meeting of {name}, which we expect in {expected.strftime('%B %Y')} "
            "(the date is not yet announced)"
        )
    else:
        meeting = "the company's next annual general meeting"
    return _Opening(
        (
            f"Ahead of {meeting}, we write on behalf of {writers} about human rights and environmental risks in the "
            f"supply chains of {name}.",
            expectations,
        ),
        # "we", as everywhere else in the letter: right for one signatory and for a coalition.
        weigh_intro="In deciding how to vote, we will weigh:",
        weigh=_weigh(company, as_of, unanswered),
        warnings=warnings,
    )


def _follow_up_opening(
    name: str, writers: str, expectations: str, unanswered: Sequence[Allegation], notes: SourceNotes
) -> _Opening:
    """Return a follow-up's opening: what went unanswered is listed before the questions."""
    opening = [
        f"We write again on behalf of {writers.rstrip(',')}, following our earlier correspondence about human "
        f"rights and environmental risks in the supply chains of {name}."
    ]
    listed = tuple(Anchor(a.id, anchor_text(a), tuple(sorted({notes.cite(s) for s in a.sources}))) for a in unanswered)
    listed_intro = ""
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
    return _Opening(tuple(opening), listed=listed, listed_intro=listed_intro)


# --------------------------------------------------------------------------- the rest of the letter


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


def _subject(name: str, stage: str, agm: dt.date | None, expected: dt.date | None = None) -> str:
    if agm:
        topic = f"questions ahead of the annual general meeting on {long_date(agm)}"
    elif expected:
        topic = "questions ahead of the next annual general meeting"
    else:
        topic = "questions from investors"
    subject = f"Supply-chain risks at {name}: " + topic
    return "Follow-up: " + subject if stage == "follow-up" else subject


def _meeting_and_deadline(
    org: Organisation | None, agm: dt.date | None, deadline: Deadline, expected: dt.date | None = None
) -> tuple[str, str]:
    """Return the paragraph asking for a meeting and the one asking for a written response by the deadline."""
    # An expected AGM counts from the first day of its month, as the deadline rule counts it.
    before_agm = (agm is not None and deadline.date < agm) or (
        agm is None and expected is not None and deadline.date < expected.replace(day=1)
    )
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
    return meeting_text, deadline_text


def _closing(cites_records: bool) -> tuple[str, ...]:
    correction = (
        "If any of the records we refer to is inaccurate or out of date, we would welcome the company's correction. "
        if cites_records
        else ""
    )
    return (correction + "We look forward to your response and to continuing our dialogue.",)


def _cleaned(signatories: Sequence[Signatory]) -> tuple[Signatory, ...]:
    return tuple(
        Signatory(
            clean(s.name),
            clean(s.title) if s.title else None,
            clean(s.organisation) if s.organisation else None,
            clean(s.aum) if s.aum else None,
        )
        for s in signatories
    )


def _known(profile: ProfileLike) -> Company:
    """Return the profile's as-of view: the company as known at the profile's date."""
    if profile.known is None:
        raise ValueError("the profile carries no as-of view (Profile.known): compile it with compile_profile")
    return profile.known


# --------------------------------------------------------------------------- building


def build_letter(
    profile: ProfileLike,
    settings: Settings,
    taxonomy: Taxonomy,
    options: LetterOptions | None = None,
    history: LetterHistory | None = None,
) -> Letter:
    """Return the letter dated ``profile.as_of`` to the company of ``profile``; raises UsageError or DataError.

    Pure: the same inputs give the same letter. It reads the company only through the
    profile's as-of view (``profile.known``). Questions come from ``profile`` (most serious
    first), grouped by action area in the order their first question appears; a profile
    without questions gets general questions on disclosure and due diligence. UsageError:
    an unknown stage or a response date not after the letter's; DataError: no signatories.
    ``history`` (``engage.engagement.history.letter_history``) is what the letter says of the
    engagement so far: the previous letter, asks answered and open, milestones reached.
    """
    options = options or LetterOptions()
    if options.stage not in STAGES:
        raise UsageError(f"unknown letter stage '{options.stage}'; choose one of {', '.join(STAGES)}")
    company, as_of = _known(profile), profile.as_of
    name = clean(company.name)
    signatories = resolve_signatories(settings, options)
    upcoming = next_agm(company, as_of)
    agm = company.agm if company.agm is not None and company.agm > as_of else None
    expected = upcoming.date if upcoming is not None and upcoming.expected else None
    deadline = response_deadline(as_of, agm, settings.letter, options.respond_by, expected_agm=expected)
    notes = SourceNotes()
    opening = _opening(company, as_of, options.stage, agm, signatories, notes, expected)
    # A record the letter has already described (in the follow-up list) is cited, not repeated.
    described = {a.record_id for a in opening.listed}
    sections, omitted, fallback = _question_sections(company, profile, taxonomy, options, notes, described)
    total = sum(len(s.questions) for s in sections)
    subject = _subject(name, options.stage, agm, expected)
    org = settings.organisation
    meeting_text, deadline_text = _meeting_and_deadline(org, agm, deadline, expected)
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
        author=clean(author),
        letterhead=_letterhead(org, signatories),
        addressee=address,
        salutation=salutation,
        subject=subject,
        opening=opening.paragraphs,
        listed=opening.listed,
        listed_intro=opening.listed_intro,
        weigh=opening.weigh,
        weigh_intro=opening.weigh_intro,
        questions_intro=_questions_intro(name, total, fallback, bool(_records(company))),
        sections=sections,
        meeting=meeting_text,
        deadline=deadline,
        deadline_text=deadline_text,
        closing=_closing(bool(notes.notes)),
        valediction=valediction,
        signatories=_cleaned(signatories),
        sources=tuple(notes.notes),
        agm=agm,
        agm_expected=expected,
        omitted_questions=omitted,
        keywords=("engagement letter", name, company.id),
        warnings=opening.warnings,
        history=history,
    )
