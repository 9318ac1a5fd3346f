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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..agm import next_agm
from ..dates import PartialDate
from ..engagement.history import LetterHistory
from ..errors import DataError, UsageError
from ..profile import Profile
from ..profile.asks import Ask, annex_questions, build_asks, told_in_asks
from ..profile.questions import FALLBACK_QUESTIONS, fill
from ..profile.rules import months_before
from ..records import Allegation, Commitment, Company
from ..regulations import regulatory_exposure
from ..taxonomy import Taxonomy
from ..workspace import Organisation, Settings, Signatory
from .letter_asks import LetterAsk, agm_actions, area_title, letter_asks, organisations, why_now, writers
from .letter_deadline import Deadline, after_agm_warning, lunar_new_year_warning, no_agm_warning, response_deadline
from .letter_records import (
    OPEN_STATUSES,
    SourceLike,
    SourceNote,
    SourceNotes,
    anchor_text,
    clean,
)

__all__ = [
    "ANNEX_HEADING",
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
#: The heading that separates the asks from the detailed questions, in every format.
ANNEX_HEADING = "Annex: questions for a meeting"
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


#: What a letter reads: a compiled profile (its date, asks, questions and as-of view).
ProfileLike = Profile


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
    questions_intro: str  # introduces the asks
    sections: tuple[LetterSection, ...]  # the annex: detailed questions for a meeting, by area
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
    #: The numbered asks (3-6), in the profile's words; the annex (``sections``) follows the sign-off.
    asks: tuple[LetterAsk, ...] = ()
    annex_intro: str = ""

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


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _letterhead(org: Organisation | None, signatories: Sequence[Signatory]) -> tuple[str, ...]:
    if org is None:
        names = organisations(signatories)
        return (names[0],) if len(names) == 1 else ()
    lines = [clean(org.name)]
    if org.address:
        lines.extend(clean(line) for line in org.address.splitlines() if line.strip())
    contact = [x for x in (org.email, org.phone, org.website) if x]
    if contact:
        lines.append(" \u00b7 ".join(contact))
    return tuple(lines)


#: A German or Austrian stock corporation (AG, SE) has two boards: the management board runs
#: it, the supervisory board oversees it; neither is a "Board of Directors".
_TWO_TIER = re.compile(r"\b(Aktiengesellschaft|AG|SE|KGaA)\b")


def _board(company: Company) -> tuple[str, str | None, str]:
    """Return (the board addressed, the officer it is sent to, the salutation) for the company's form and country.

    A German stock corporation has no company secretary: its letter goes to the boards themselves.
    """
    if company.country in ("DE", "AT") and _TWO_TIER.search(company.legal_name or ""):
        return "The Board of Management and the Supervisory Board", None, "Dear Members of the Boards,"
    if company.country == "US":
        return "The Board of Directors", "Corporate Secretary", "Dear Members of the Board,"
    return "The Board of Directors", "Company Secretary", "Dear Members of the Board,"


def _addressee(company: Company) -> tuple[tuple[str, ...], str, str]:
    """Return (address lines, salutation, valediction); the address names the company by its legal name."""
    contact = company.contact
    # A formal letter goes to the registered company (Bayerische Motoren Werke Aktiengesellschaft),
    # while the subject and text keep the short name the records use (BMW).
    name = clean(company.legal_name or company.name)
    if contact is None or not contact.name:
        board, secretary, dear = _board(company)
        lines = [board, *([f"c/o the {secretary}"] if secretary else []), name]
        if contact is not None and contact.role:
            lines = [f"{board}, c/o the {clean(contact.role)}", name]
        if contact is not None and contact.address:
            lines.extend(clean(line) for line in contact.address.splitlines() if line.strip())
        return tuple(lines), dear, "Yours faithfully,"
    lines = [clean(contact.name)]
    if contact.role:
        lines.append(clean(contact.role))
    lines.append(name)
    if contact.address:
        lines.extend(clean(line) for line in contact.address.splitlines() if line.strip())
    return tuple(lines), f"Dear {clean(contact.name)},", "Yours sincerely,"


# --------------------------------------------------------------------------- the questions


def _annex_sections(
    company: Company,
    profile: ProfileLike,
    taxonomy: Taxonomy,
    options: LetterOptions,
    notes: SourceNotes,
    asks: Sequence[Ask] = (),
) -> tuple[tuple[LetterSection, ...], int]:
    """Return the annex: detailed questions for a meeting, by area, and how many were left out.

    One question per record and area, none of the "what has changed since" kind
    (``engage.profile.asks.annex_questions``); each cites its record's sources. A profile
    with no such question and no record gets the general questions on disclosure first.
    """
    limit = options.max_questions if options.max_questions > 0 else len(profile.questions)
    every = annex_questions(profile.questions, limit=len(profile.questions), told=told_in_asks(asks))
    chosen = every[:limit]
    grouped: dict[str, list[Any]] = {}
    for q in chosen:
        grouped.setdefault(q.area, []).append(q)
    if not chosen and not (_records(company) or company.policies):
        for area_key, text in _fallback_questions(company, taxonomy):
            grouped.setdefault(area_key, []).append(text)
    sections: list[LetterSection] = []
    number = 0
    for area_key, items in grouped.items():
        questions = []
        for q in items:
            number += 1
            if isinstance(q, str):
                questions.append(LetterQuestion(number, clean(q)))
            else:
                cited = tuple(sorted({notes.cite(src) for src in q.sources}))
                questions.append(LetterQuestion(number, clean(q.text), (), cited))
        sections.append(LetterSection(area_key, area_title(taxonomy, area_key), tuple(questions)))
    return tuple(sections), len(every) - len(chosen)


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


def _at_agm(letter_settings: Mapping[str, Any], company: Company) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return what the signatories will consider at the AGM (engage.yaml ``letter.at_agm``), and any warning."""
    items = agm_actions(letter_settings)
    if items:
        return items, ()
    warning = (
        f"{company.id}: engage.yaml names no 'letter.at_agm' actions, so the pre-AGM letter says only that the "
        "signatories will consider their votes; list them, e.g. "
        "{action: vote-against, item: the discharge of the board}"
    )
    return ("how to vote on the agenda items that concern the board's oversight of supply-chain risks",), (warning,)


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
    letter_settings: Mapping[str, Any] | None = None,
) -> _Opening:
    """Return the opening of a letter at ``stage``; a follow-up cites its sources first, so they come first."""
    name = clean(company.name)
    who = writers(signatories)
    expectations = _expectations(company, as_of)
    unanswered = [a for a in company.allegations if a.status in OPEN_STATUSES and not a.company_response]
    reasons = why_now(company, as_of, next_agm(company, as_of), months_before(as_of, 12))
    now = f" We write now because {_join(reasons)}." if reasons else ""
    if stage == "first":
        return _Opening(
            (
                f"We write on behalf of {who} about how {name} identifies and addresses human rights and "
                f"environmental risks in its supply chains.{now}",
                expectations,
            )
        )
    if stage == "follow-up":
        return _follow_up_opening(name, who, expectations, unanswered, notes)
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
    rest = [r for r in reasons if "annual general meeting" not in r]
    also = f" We write now also because {_join(rest)}." if rest else ""
    weigh, missing = _at_agm(letter_settings or {}, company)
    return _Opening(
        (
            f"Ahead of {meeting}, we write on behalf of {who} about human rights and environmental risks in the "
            f"supply chains of {name}.{also}",
            expectations,
        ),
        weigh_intro=("If the asks in this letter are not met by the annual general meeting, we will consider:"),
        weigh=weigh,
        warnings=(*warnings, *missing),
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


def _asks_intro(name: str, asks: int, annex: int, has_records: bool) -> str:
    """Return the paragraph before the asks."""
    if not asks:
        return (
            f"We have not found public reports of supply-chain allegations, commitments or policies concerning {name}, "
            "which makes the company's own disclosure the starting point of our questions, set out in the annex."
        )
    words = ("no", "one", "two", "three", "four", "five", "six")
    steps = "the following step" if asks == 1 else f"the following {words[asks] if asks < 7 else asks} steps"
    annexed = " An annex sets out more detailed questions we would like to discuss at a meeting." if annex else ""
    return (
        f"We ask the Board to take {steps}. Each says what it rests on; the sources cited are listed at the end "
        f"of this letter.{annexed}"
    )


def _subject(name: str, stage: str, agm: dt.date | None, expected: dt.date | None = None) -> str:
    if agm:
        topic = f"investor asks ahead of the annual general meeting on {long_date(agm)}"
    elif expected:
        topic = "investor asks ahead of the next annual general meeting"
    else:
        topic = "investor asks"
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
        "supply-chain due diligence to discuss these asks"
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
        "If any of the records we refer to is inaccurate or out of date, we invite the company to correct the record, "
        "and we will reflect its correction in our assessment. "
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
    profile's as-of view (``profile.known``). Its numbered asks are the profile's
    (``engage.profile.asks.build_asks``), in the same words as the brief; the annex after the
    sign-off holds the detailed meeting questions, grouped by area. UsageError:
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
    deadline = response_deadline(
        as_of, agm, settings.letter, options.respond_by, expected_agm=expected, country=company.country
    )
    late = after_agm_warning(options.respond_by, agm, expected) if options.respond_by is not None else None
    holiday = (
        lunar_new_year_warning(company.id, options.respond_by, company.country)
        if options.respond_by is not None
        else None
    )
    notes = SourceNotes()
    opening = _opening(company, as_of, options.stage, agm, signatories, notes, expected, settings.letter)
    built = build_asks(profile, taxonomy)
    asks = letter_asks(built, company, notes)
    sections, omitted = _annex_sections(company, profile, taxonomy, options, notes, built)
    total = sum(len(s.questions) for s in sections)
    subject = _subject(name, options.stage, agm, expected)
    org = settings.organisation
    meeting_text, deadline_text = _meeting_and_deadline(org, agm, deadline, expected)
    address, salutation, valediction = _addressee(company)
    orgs = organisations(signatories)
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
        questions_intro=_asks_intro(name, len(asks), total, bool(_records(company))),
        sections=sections,
        asks=asks,
        annex_intro=(
            "Questions we would like to discuss at a meeting, each on one record; they add detail to the asks above."
            if asks
            else ""
        ),
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
        warnings=(*opening.warnings, *((late,) if late else ()), *((holiday,) if holiday else ())),
        history=history,
    )
