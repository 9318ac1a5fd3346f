"""A letter's asks, its annex of meeting questions, and its coalition opening: who writes, what they hold, why now.

The asks are the profile's (``engage.profile.asks.build_asks``) in the same words as the
brief and ``engage profile``; this module only numbers their sources. The annex holds the
detailed questions (``annex_questions``), one per record and area, grouped by area.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..agm import NextAgm
from ..aum import combined_aum
from ..profile.asks import Ask
from ..records import Allegation, Commitment, Company, Policy
from ..taxonomy import Taxonomy
from ..workspace import Signatory
from .letter_records import SourceNotes, clean

__all__ = ["AGM_ACTION_WORDS", "LetterAsk", "agm_actions", "letter_asks", "organisations", "why_now", "writers"]

#: What each engage.yaml ``letter.at_agm`` action reads as: "{verb} {item}".
AGM_ACTION_WORDS = {
    "vote-against": "voting against",
    "abstain": "abstaining on",
    "statement": "making a statement at the meeting",
    "question": "asking questions at the meeting",
    "resolution": "supporting or filing a shareholder resolution",
}


@dataclass(frozen=True)
class LetterAsk:
    """One numbered ask as the letter prints it: headline, text and the note numbers of the records it rests on."""

    number: int
    id: str
    title: str
    text: str
    notes: tuple[int, ...] = ()
    areas: tuple[str, ...] = ()


def letter_asks(asks: Sequence[Ask], company: Company, notes: SourceNotes) -> tuple[LetterAsk, ...]:
    """Return the profile's asks with their records' sources numbered (in ask order, first citation first)."""
    every: list[Allegation | Commitment | Policy] = [*company.allegations, *company.commitments, *company.policies]
    records: Mapping[str, Allegation | Commitment | Policy] = {r.id: r for r in every}
    out = []
    for ask in asks:
        numbers = sorted({notes.cite(s) for rid in ask.record_ids if rid in records for s in records[rid].sources})
        out.append(LetterAsk(ask.number, ask.id, clean(ask.title), clean(ask.text), tuple(numbers), ask.areas))
    return tuple(out)


def organisations(signatories: Sequence[Signatory]) -> list[str]:
    """Return the signatories' organisations, each once, in order."""
    return list(dict.fromkeys(s.organisation for s in signatories if s.organisation))


def _number_word(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if 0 <= n < len(words) else str(n)


def writers(signatories: Sequence[Signatory]) -> str:
    """Return who writes: 'Example Investors LLP', or '12 investors with combined assets ... of USD 4.5 trillion'."""
    orgs = organisations(signatories)
    total = combined_aum([s.aum for s in signatories])
    held = ""
    if total is not None:
        amount, counted = total
        of_whom = (
            ""
            if counted == len(signatories)
            else " (as stated by one signatory)"
            if counted == 1
            else f" (as stated by {_number_word(counted)} signatories)"
        )
        held = f" with combined assets under management of {amount}{of_whom}"
    if len(orgs) > 1:
        return f"{_number_word(len(orgs))} investors{held}, whose names appear at the end of this letter,"
    if orgs:
        return orgs[0] + (f", an investor{held}," if held else "")
    who = "the investor who signs this letter" if len(signatories) == 1 else "the investors who sign this letter"
    return who + (f"{held}," if held else "")


def why_now(company: Company, as_of: dt.date, upcoming: NextAgm | None, since: dt.date) -> list[str]:
    """Return why the letter is written now: the AGM, evidence dated since ``since``, the latest benchmark."""
    reasons = []
    if upcoming is not None and upcoming.expected:
        reasons.append(f"the company's annual general meeting is expected in {upcoming.date:%B %Y}")
    elif upcoming is not None:
        reasons.append(f"the company's annual general meeting is on {upcoming.date.day} {upcoming.date:%B %Y}")
    records: list[Allegation | Commitment | Policy] = [*company.allegations, *company.commitments, *company.policies]
    new = [r for r in records if any(s.date and s.date.first_day() >= since for s in r.sources)]
    if new:
        n = len(new)
        reasons.append(
            f"{_number_word(n)} record{'s' if n != 1 else ''} we follow gained new evidence in the last year"
        )
    ranked = [b for b in company.benchmarks if b.rank is not None and b.of]
    if ranked:
        b = max(ranked, key=lambda x: x.year)
        reasons.append(f"the {b.name} {b.year} ranks the company {b.rank} of {b.of}")
    return reasons


def agm_actions(letter_settings: Mapping[str, Any]) -> tuple[str, ...]:
    """Return engage.yaml ``letter.at_agm`` as the items a pre-AGM letter lists ('voting against the ...')."""
    out = []
    for a in letter_settings.get("at_agm") or ():
        words = AGM_ACTION_WORDS[a["action"]]
        item = clean(a.get("item") or "")
        if item and a["action"] in ("statement", "question", "resolution"):
            out.append(f"{words} on {item}")
        else:
            out.append(f"{words} {item}".strip())
    return tuple(out)


def area_title(taxonomy: Taxonomy, key: str) -> str:
    """Return an area's title, or its key in words when the taxonomy does not know it."""
    try:
        return taxonomy.area(key).title
    except KeyError:
        return key.replace("-", " ").capitalize()
