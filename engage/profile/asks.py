"""A company's asks: three to six distinct, numbered requests synthesised from its profile, and the annex's questions.

``build_asks`` reads a compiled profile and its as-of view (``Profile.known``) and returns
the asks every document shows in the same words: the brief's summary, the letter in each
format and ``engage profile``. Each ask is grounded in named records, covers one lever
(which may span several areas), says what, by when and how it will be shown, and is fair:

- remedy is asked only where people were reported harmed (``rules.reports_harm``);
- verification is asked of targets and policies, never of a deal (``rules.is_deal``);
- a commitment or policy the company already holds is acknowledged before the gap is pressed;
- each allegation is described in at most one ask (the others cite it, never restate it).

Asks are ranked by the unmanaged risk behind them times the company's leverage over the
lever (``LEVERAGE``). ``annex_questions`` picks the detailed meeting questions: one per
record and area, none of the "what has changed since" kind. Pure functions of the profile.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..agm import next_agm
from ..records import Allegation, Commitment, Company, Policy
from ..taxonomy import Taxonomy
from .model import OPEN_STATUSES, Profile, Question
from .questions import commitment_noun, shows_progress
from .rules import (
    PEOPLE_AREAS,
    is_association,
    is_deal,
    is_linked_only,
    is_overdue,
    is_quantified,
    months_before,
    reports_harm,
)
from .wording import (
    as_sentence,
    count_words,
    first_sentence,
    fix_possessives,
    join_words,
    month_year,
    possessive,
    record_sentence,
)

__all__ = ["LEVERAGE", "MAX_ASKS", "THEMES", "Ask", "annex_questions", "build_asks"]

MAX_ASKS = 6

#: Levers that span several areas: (areas, headline). An area no theme names joins 'due-diligence'.
THEMES: dict[str, tuple[tuple[str, ...], str]] = {
    "due-diligence": (("hrdd", "workers-rights", "grievance"), "Human-rights due diligence at suppliers and own sites"),
    "minerals": (("minerals", "fpic", "environmental-dd", "batteries"), "Responsible sourcing of transition minerals"),
    "materials": (("steel", "aluminum", "scope3", "recycling"), "Near-zero-emission steel and aluminium"),
    "disclosure": (("disclosure", "legislation"), "Supply-chain disclosure"),
}
#: How directly the company can act on each kind of ask (its own account and targets most, the mine least).
LEVERAGE: dict[str, float] = {
    "remedy": 1.0,
    "association": 1.0,
    "deliver": 1.0,
    "disclosure": 1.0,
    "verify": 0.9,
    "due-diligence": 0.9,
    "materials": 0.9,
    "minerals": 0.8,
    "leverage": 0.8,
}
#: Words of a later sentence in a summary that record a development the company deserves credit for.
DEVELOPMENT_WORDS = re.compile(
    r"\b(sold|sale|closed|closure|agreement|agreed|voted|ratif\w*|settle\w*|withdr\w*|replac\w*|"
    r"responded|ended|exit\w*|remediat\w*|compensat\w*)\b",
    re.IGNORECASE,
)
MINERALS = ("nickel", "lithium", "cobalt", "graphite", "manganese", "copper", "rare-earths", "bauxite", "mica")
POLICY_PHRASES = {
    "hrdd-policy": "a human-rights due-diligence policy",
    "supplier-code": "a supplier code of conduct",
    "fpic-policy": "a policy requiring the free, prior and informed consent of Indigenous Peoples",
    "grievance-mechanism": "a grievance mechanism open to workers and communities in its supply chain",
    "smelter-list": "a list of the smelters and refiners in its supply chain",
    "sourcing-disclosure": "a disclosure of where its materials come from",
    "deforestation-policy": "a deforestation policy",
    "responsible-minerals-policy": "a responsible-minerals sourcing policy",
    "decarbonisation-policy": "a decarbonisation policy for the materials it buys",
    "other": "a policy in this area",
}
_HELD = {"adopted": "has adopted", "implemented": "applies", "verified": "has independently verified"}


@dataclass(frozen=True, slots=True)
class Ask:
    """One numbered ask: its headline and text (plain, unescaped), the areas and records it rests on.

    ``id`` is stable across letters (the lever: 'remedy', 'due-diligence', 'minerals',
    'materials', 'disclosure', 'verify', 'deliver'); the engagement log records it.
    ``record_ids`` are the records it rests on, those it describes first; ``kinds`` gives
    each one's kind ('allegation', 'commitment', 'policy') in the same order.
    """

    number: int
    id: str
    title: str
    text: str
    areas: tuple[str, ...]
    record_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    priority: float


@dataclass
class _Draft:
    id: str
    title: str
    parts: list[str]
    areas: list[str]
    records: list[Allegation | Commitment | Policy]
    priority: float


def _same_people(a: Allegation, b: Allegation) -> bool:
    return not (PEOPLE_AREAS & set(a.areas)).isdisjoint(b.areas)


def _lower(short: str) -> str:
    """Return an area's short name as it reads mid-sentence: 'human rights DD', 'steel', but 'FPIC'."""
    short = short.replace(" DD", " due diligence")  # no abbreviation in a letter's prose
    short = short.replace("Aluminum", "Aluminium")  # one name per area: the asks' own spelling
    return short[:1].lower() + short[1:] if short[1:2].islower() else short


def _kind(r: Allegation | Commitment | Policy) -> str:
    return "allegation" if isinstance(r, Allegation) else "commitment" if isinstance(r, Commitment) else "policy"


def _weights(profile: Profile) -> dict[str, float]:
    """Return each record's share of unmanaged risk, summed over its areas."""
    out: dict[str, float] = {}
    for a in profile.areas:
        for c in a.contributions:
            if c.record_kind == "allegation":
                out[c.record_id] = out.get(c.record_id, 0.0) + max(0.0, c.net)
    return out


def _theme_of(area: str) -> str:
    return next((k for k, (areas, _) in THEMES.items() if area in areas), "due-diligence")


def _describe(a: Allegation) -> str:
    return record_sentence(a.title, a.date, a.summary)


def _developments(a: Allegation) -> list[str]:
    """Return the latest later sentence of a summary that records a development (a sale, an agreement...)."""
    text = " ".join((a.summary or "").split())
    first = first_sentence(text)
    if not 40 <= len(first) <= 320:
        return []  # the ask describes the record by its title: its summary is not ours to continue
    out, rest = [], text[len(first) :].strip()
    while rest:
        sentence = first_sentence(rest)
        if DEVELOPMENT_WORDS.search(sentence):
            out.append(sentence)
        rest = rest[len(sentence) :].strip()
    return out[-1:]  # the latest development: the ask credits where things stand, not the whole history


def _answered_in_full(allegations: Sequence[Allegation]) -> bool:
    """Return whether each of these (at most two) allegations has a response on record, to be told in full.

    The record's response is our paraphrase ("Hyundai said in April 2024 that the MoU had
    ended"): the company is told what we hold, not that we hold something.
    """
    return 0 < len(allegations) <= 2 and all(a.company_response for a in allegations)


def _response(name: str, allegations: Sequence[Allegation]) -> str:
    """Return what is on record of the company's response to these allegations, saying which when it answered some."""
    answered = [a for a in allegations if a.company_response]
    if _answered_in_full(allegations):
        return " ".join(as_sentence(a.company_response or "") for a in answered)
    if len(answered) == len(allegations):
        return f"We note {possessive(name)} response{'s' if len(answered) > 1 else ''} on record."
    if not answered:
        return f"We have found no public response from {name}."
    said, unsaid = month_year(answered[0].date), month_year(next(a for a in allegations if a not in answered).date)
    if said == unsaid:
        return f"{name} has responded publicly to one of these {said} reports; we have found no response to the other."
    return (
        f"{name} has responded publicly to the report of {said}; we have found no response to the report of {unsaid}."
    )


def _deadlines(company: Company, as_of: dt.date) -> tuple[str, str]:
    """Return (by a year's time, by the AGM or three months): 'by December 2027', 'before its AGM in May 2027'."""
    year = months_before(as_of, -12)
    agm = next_agm(company, as_of)
    if agm is not None and agm.date <= months_before(as_of, -9):
        soon = f"before its annual general meeting {'expected ' if agm.expected else ''}in {agm.date:%B %Y}"
    else:
        soon = f"by {months_before(as_of, -3):%B %Y}"
    return f"by {year:%B %Y}", soon


def _acknowledge(
    name: str, policies: Sequence[Policy], commitments: Sequence[Commitment], shorts: dict[str, str]
) -> str:
    """Return the sentence recognising what the company already holds in these areas ('' when nothing)."""
    held = []
    for status, verb in _HELD.items():
        phrases = [POLICY_PHRASES.get(p.kind, POLICY_PHRASES["other"]) for p in policies if p.status == status]
        if phrases:
            held.append(f"{verb} {join_words(list(dict.fromkeys(phrases)))}")
    if commitments:
        areas = join_words(list(dict.fromkeys(_lower(shorts.get(c.areas[0], c.areas[0])) for c in commitments)))
        held.append(f"has made {count_words(len(commitments), 'commitment')} on {areas}")
    if not held:
        return ""
    return f"We recognise that {name} {join_words(held)}."


def _policy_phrase(p: Policy, shorts: dict[str, str]) -> str:
    """Return what a policy is, in words: 'a deforestation policy', or for 'other' 'a policy on disclosure'."""
    if p.kind in POLICY_PHRASES and p.kind != "other":
        return POLICY_PHRASES[p.kind]
    return f"a policy on {_lower(shorts.get(p.areas[0], p.areas[0]))}"


def _request(
    theme: str, name: str, adopt: Sequence[Policy], by: str, materials: Sequence[str], held: Sequence[Policy] = ()
) -> str:
    """Return the request of a theme ask: what, by when and how it will be shown.

    ``held``: the policies it holds, acknowledged before the request, so it is not asked again for one of them.
    """
    lead = f"We ask {name} "
    if adopt:
        phrases = list(dict.fromkeys(POLICY_PHRASES.get(p.kind, POLICY_PHRASES["other"]) for p in adopt))
        lead += f"to adopt and publish {join_words(phrases)}, and "
    if theme == "minerals":
        what = join_words([m.replace("-", " ") for m in materials]) or "transition-mineral"
        return (
            lead + f"to map its {what} supply chains to the mine, publish its smelters and refiners, and require "
            "independent audits against a multi-stakeholder standard such as IRMA"
            + (
                ""
                if any(p.kind == "fpic-policy" for p in adopt)
                else ", covering the free, prior and informed consent its policy requires"
                if any(p.kind == "fpic-policy" for p in held)
                else ", including free, prior and informed consent"
            )
            + f", with the first list published {by} and progress reported each year."
        )
    if theme == "materials":
        what = join_words(materials) or "steel and aluminium"
        return (
            lead + f"to set, {by}, a time-bound target for the share of near-zero-emission {what} it buys, backed "
            "by binding supply agreements, and to report the volumes delivered each year with independent assurance."
        )
    if theme == "disclosure":
        return (
            lead + f"to publish, {by}, its supply-chain due-diligence findings (the suppliers and smelters concerned "
            "and the risks found), with independent assurance, and its positions on due-diligence legislation."
        )
    return (
        lead + f"to publish, {by}, how its due diligence finds and addresses forced-labour and labour-rights risks at "
        "its own sites and its suppliers', including audits with confidential worker interviews and a grievance "
        "mechanism open to suppliers' workers, and to report each year what it found and changed."
    )


def build_asks(profile: Profile, taxonomy: Taxonomy) -> tuple[Ask, ...]:
    """Return the company's asks (at most ``MAX_ASKS``, most pressing first); none without an as-of view."""
    company = profile.known
    if company is None:
        return ()
    name = company.name
    shorts = {a.key: a.short for a in taxonomy.areas}
    nets = {a.key: a.net for a in profile.areas}
    mitigation = {a.key: a.mitigation for a in profile.areas}
    weight = _weights(profile)
    by_year, by_soon = _deadlines(company, profile.as_of)
    open_allegations = sorted(
        (a for a in company.allegations if a.status in OPEN_STATUSES), key=lambda a: (-weight.get(a.id, 0.0), a.id)
    )
    drafts: list[_Draft] = []
    # A strike or union charges lead an ask on freedom of association, never on forced labour.
    association = [a for a in open_allegations if is_association(a)][:2]
    if association:
        drafts.append(_association(name, association, nets, by_soon))
    # Remedy is asked where people were harmed at the company's own sites or its suppliers';
    # where a report only links the company to harm, it is asked to use its leverage.
    harms = [a for a in open_allegations if reports_harm(a) and a not in association]
    harms = [a for a in harms if not is_linked_only(a)] + [a for a in harms if is_linked_only(a)]
    harmed = harms[:1] if harms and not is_linked_only(harms[0]) else []
    # A second harmed allegation joins the remedy ask only when it concerns the same people.
    harmed += [a for a in harms[1:] if harmed and not is_linked_only(a) and _same_people(a, harmed[0])][:1]
    linked = [] if harmed else [a for a in harms if is_linked_only(a)][:1]
    if harmed:
        drafts.append(_remedy(name, harmed, nets, by_soon))
    elif linked:
        drafts.append(_leverage(name, linked[0], nets, by_soon))
    led = {a.id for a in [*association, *harmed, *linked]}
    elsewhere = {k for a in [*association, *harmed, *linked] for k in a.areas if k in PEOPLE_AREAS}
    gaps = {g.area for g in profile.gaps if g.kind == "no-commitment"}
    for theme, (areas, title) in THEMES.items():
        draft = _theme_ask(
            theme,
            title,
            areas,
            company,
            open_allegations,
            led,
            gaps - elsewhere,
            nets,
            mitigation,
            shorts,
            by_year,
            profile.as_of,
        )
        if draft is not None:
            drafts.append(draft)
    acknowledged = {id(r) for d in drafts for r in d.records if not isinstance(r, Allegation)}
    verify = _verify(name, company, profile.as_of, acknowledged, nets, shorts)
    if verify is not None:
        drafts.append(verify)
    deliver = _deliver(name, company, profile.as_of, nets, shorts, by_soon)
    if deliver is not None:
        drafts.append(deliver)
    if len(drafts) < 3 and not any(d.id == "materials" for d in drafts):
        sector = _sector_steel(name, company, taxonomy, nets, by_year)
        if sector is not None:
            drafts.append(sector)
    if not drafts and (company.allegations or company.commitments or company.policies):
        drafts.append(_fallback(name, company, nets, by_year))
    drafts.sort(key=lambda d: (-d.priority, list(LEVERAGE).index(d.id) if d.id in LEVERAGE else 99))
    out = []
    for i, d in enumerate(drafts[:MAX_ASKS], 1):
        text = " ".join(p for p in d.parts if p)
        if name.endswith("s"):
            text = fix_possessives(text, name)
        records = list({r.id: r for r in d.records}.values())
        out.append(
            Ask(
                i,
                d.id,
                d.title,
                text,
                tuple(dict.fromkeys(d.areas)),
                tuple(r.id for r in records),
                tuple(_kind(r) for r in records),
                round(d.priority, 2),
            )
        )
    return tuple(out)


def _remedy(name: str, harmed: Sequence[Allegation], nets: dict[str, float], by: str) -> _Draft:
    """Return the ask for an account of, and remedy for, the harm reported to people."""
    areas = [k for a in harmed for k in a.areas]
    who = (
        "workers and communities"
        if {"workers-rights"} & set(areas) and {"fpic"} & set(areas)
        else "Indigenous Peoples and communities"
        if "fpic" in areas
        else "workers"
    )
    request = (
        f"We ask {name} to publish, {by}, what it has found, what it has done for the people affected, "
        "including remedy where harm is confirmed, and how it will prevent a recurrence."
    )
    if _answered_in_full(harmed):
        # Each answer right after the report it answers, not all answers after all reports.
        parts = [s for a in harmed for s in (_describe(a), *_developments(a), as_sentence(a.company_response or ""))]
        parts.append(request)
    else:
        parts = [s for a in harmed for s in (_describe(a), *_developments(a))] + [_response(name, harmed), request]
    risk = max(nets.get(k, 0.0) for k in areas) * LEVERAGE["remedy"]
    return _Draft("remedy", f"Account for and remedy the harm reported to {who}", parts, areas, list(harmed), risk)


def _association(name: str, allegations: Sequence[Allegation], nets: dict[str, float], by: str) -> _Draft:
    """Return the ask to respect freedom of association and collective bargaining (a strike, union charges)."""
    developed = [a for a in allegations if shows_progress(a)]
    parts = [s for a in allegations for s in (_describe(a), *_developments(a))]
    if developed:
        # A vote to unionise or a first contract is the company's answer in deeds: the ask credits it and
        # asks for the same rights elsewhere, not for what it has already done (recognise, bargain).
        if any(a.company_response for a in allegations):
            parts.append(_response(name, allegations))
        parts.append(
            f"We recognise this progress. We ask {name} to state publicly, {by}, that it will respect the same "
            "rights wherever its workers organise: that it will not retaliate against workers who organise or take "
            "industrial action, will recognise the union they choose and will bargain with it in good faith, and to "
            "report each year how it applies these commitments at its own sites and expects them of its suppliers."
        )
    else:
        parts.append(_response(name, allegations))
        parts.append(
            f"We ask {name} to state publicly, {by}, that it will not retaliate against workers who organise or take "
            "industrial action, that it will recognise the union its workers choose and bargain with it in good "
            "faith, and to report each year how it applies these commitments at its own sites and expects them of "
            "its suppliers."
        )
    areas = [k for a in allegations for k in a.areas]
    risk = max(nets.get(k, 0.0) for k in areas) * LEVERAGE["association"]
    title = "Respect freedom of association and collective bargaining"
    return _Draft("association", title, parts, areas, list(allegations), risk)


def _leverage(name: str, a: Allegation, nets: dict[str, float], by: str) -> _Draft:
    """Return the ask to use its leverage where a report links the company to harm in its supply chain."""
    parts = [
        _describe(a),
        *_developments(a),
        f"The report links {name} to these sites through its supply chain; it does not report harm at "
        f"{possessive(name)} own operations.",
        _response(name, [a]),
        f"We ask {name} to say, {by}, whether the sites concerned are in its supply chain and, where they are, how "
        "it is using its leverage with its suppliers to have the harm reported addressed and remedied by those "
        "responsible, and what it will do if they do not act.",
    ]
    risk = max(nets.get(k, 0.0) for k in a.areas) * LEVERAGE["leverage"]
    title = "Use its leverage where its supply chain is linked to reported harm"
    return _Draft("leverage", title, parts, list(a.areas), [a], risk)


def _theme_ask(
    theme: str,
    title: str,
    areas: tuple[str, ...],
    company: Company,
    open_allegations: Sequence[Allegation],
    led: set[str],
    gaps: set[str],
    nets: dict[str, float],
    mitigation: dict[str, float],
    shorts: dict[str, str],
    by: str,
    as_of: dt.date,
) -> _Draft | None:
    """Return the ask of one lever, or None when no record or gap in its areas calls for one."""
    name = company.name
    known = set(shorts)
    in_theme = [k for k in dict.fromkeys([*areas, *(k for k in known if _theme_of(k) == theme)]) if k in known]
    touches = set(in_theme).intersection
    homed = [a for a in open_allegations if a.id not in led and _theme_of(a.areas[0]) == theme]
    related = [a for a in open_allegations if a not in homed and touches(a.areas)]
    none_found = [p for p in company.policies if p.status == "none-found" and touches(p.areas)]
    held = [p for p in company.policies if p.status != "none-found" and touches(p.areas)]
    commitments = [c for c in company.commitments if c.status not in ("missed", "withdrawn") and touches(c.areas)]
    unmanaged = [k for k in in_theme if k in gaps]
    if not homed and not none_found and not unmanaged:
        return None
    if not homed and not none_found and set(unmanaged) <= {k for a in related for k in a.areas}:
        return None  # its only evidence is set out under the other asks: one allegation, one ask
    parts: list[str] = []
    if homed:
        parts.extend([_describe(homed[0]), *_developments(homed[0])])
        if homed[0].company_response:  # what the company said (a deal ended, a review) comes before the ask
            parts.append(_response(name, homed[:1]))
    for p in none_found:
        who = p.assessed_by or "An assessment"
        whose = "their" if " and " in who.split("(")[0] else "its"  # "Rainforest Foundation Norway and AidEnvironment"
        # An assessment finds no policy that meets its criteria: a score of 0%, or "no company had
        # sufficient policies", is not proof that the company has no document of the kind at all.
        parts.append(
            f"{who} found no {POLICY_PHRASES.get(p.kind, POLICY_PHRASES['other']).split(' ', 1)[1]} "
            f"at {name} that met {whose} criteria ({month_year(p.date)}{_newest_held(p, as_of)})."
        )
    # What the company holds is acknowledged first; the gap is said only of areas where nothing
    # it holds earns points (no mitigation, no policy or commitment touching the area).
    parts.append(_acknowledge(name, held, commitments, shorts))
    managed = {k for r in held for k in r.areas} | {k for c in commitments for k in c.areas}
    bare = [k for k in unmanaged if k not in managed and mitigation.get(k, 0.0) <= 0.0]
    noted = {k: found for k in bare if (found := _progress_noted(company, k))}
    if bare:
        named = join_words([_lower(shorts[k]) for k in bare], "or")
        # A benchmark's note of progress is said with the gap, so that it is not read as "nothing there".
        beside = "".join(f", though the {edition} records progress ({words})" for edition, words in noted.values())
        cite = " that we can cite" if noted else ""
        parts.append(f"We hold no record of a policy or commitment by {name} on {named}{cite}{beside}.")
    materials = _materials(theme, [*homed, *related])
    parts.append(_request(theme, name, none_found, by, materials, held))
    # Allegations led by another ask are cited here only when they are this ask's whole basis.
    basis = [] if homed else related
    # Only the allegation the ask tells is cited: citing another's sources under this text sent a
    # reader of Hyundai's letter to reports of the Georgia raid beneath a paragraph on a lawsuit.
    told = homed[:1]
    records: list[Allegation | Commitment | Policy] = [*told, *none_found, *held, *commitments, *basis]
    grounds = records[: len(told) + len(none_found)]
    covered = [k for k in in_theme if k in unmanaged or any(k in r.areas for r in grounds)]
    risk = max((nets.get(k, 0.0) for k in covered), default=0.0) * LEVERAGE.get(theme, 0.9)
    if theme == "materials":
        # One name per area: the heading names only the materials the evidence is about.
        which = materials or [m for m, k in (("steel", "steel"), ("aluminium", "aluminum")) if k in covered]
        title = f"Near-zero-emission {join_words(which)}" if which else title
    return _Draft(theme, title, parts, covered, records, risk)


#: What a benchmark note names for an area (lower case), and the words of a note that records progress.
_AREA_WORDS: dict[str, tuple[str, ...]] = {
    "hrdd": ("hrdd", "human-rights due diligence", "human rights due diligence"),
    "workers-rights": ("workers' rights", "labour rights", "labor rights"),
    "minerals": ("mineral",),
    "fpic": ("indigenous", "fpic"),
    "steel": ("steel",),
    "aluminum": ("alumin",),
    "batteries": ("batter",),
}
_PROGRESS = re.compile(r"\b(up \d|improved|improvement|improver|leader|leads|top)", re.IGNORECASE)
_NO_PROGRESS = re.compile(r"\b(no|not|without)\b[^.;]*\b(improv|progress)|\bdrop|\bfell|\bdown \d", re.IGNORECASE)


def _newest_held(p: Policy, as_of: dt.date) -> str:
    """Return '; the newest such assessment we hold' for a none-found assessment over two years old, else ''.

    GAC's letter cited a 2023 finding of no due-diligence policy in December 2026 as if it were current.
    """
    return "; the newest such assessment we hold" if p.date.first_day() < months_before(as_of, 24) else ""


def _progress_noted(company: Company, area: str) -> tuple[str, str] | None:
    """Return (edition, note) of the newest benchmark edition whose note records progress in ``area``, or None.

    'General HRDD up 21 points' in the Lead the Charge Leaderboard 2025: the brief shows it, and
    a letter that said only "no policy on record" beside it would read as not having looked.
    """
    words = _AREA_WORDS.get(area, ())
    for b in sorted(company.benchmarks, key=lambda b: -b.year):
        for note in b.notes:
            low = note.lower()
            if any(w in low for w in words) and _PROGRESS.search(note) and not _NO_PROGRESS.search(note):
                # Its first clause: the rest may compare with other companies, which a letter to one does not.
                return f"{b.name} {b.year}", " ".join(note.split(";")[0].split()).rstrip(".")
        if b.notes:
            return None  # the newest edition with notes speaks for the company now
    return None


def _materials(theme: str, allegations: Iterable[Allegation]) -> list[str]:
    found = [m for a in allegations for m in a.materials]
    if theme == "minerals":
        return [m for m in MINERALS if m in found]
    if theme == "materials":
        return [m for m in ("steel", "aluminium") if m in found or (m == "aluminium" and "aluminum" in found)]
    return []


def _verify(
    name: str, company: Company, as_of: dt.date, acknowledged: set[int], nets: dict[str, float], shorts: dict[str, str]
) -> _Draft | None:
    """Return the ask to verify targets (never deals) and policies not yet verified, or None."""
    targets = [
        c
        for c in company.commitments
        if c.verification in ("none", "self-reported")
        and c.status in ("announced", "in-progress")
        and not is_deal(c)
        and is_quantified(c)
        and not is_overdue(c, as_of)
    ]
    # A policy of no named kind (a disclosure, a press release) is not a policy to have verified.
    policies = [
        p
        for p in company.policies
        if p.status in ("adopted", "implemented") and p.kind != "other" and id(p) not in acknowledged
    ]
    if not targets and not policies:
        return None
    held = []
    for c in targets[:3]:
        target = " ".join((c.target or "").split()).rstrip(". ")
        when = f" by {c.target_year}" if c.target_year and str(c.target_year) not in target else ""
        held.append(f"has set a target of {target}{when}")
    held.extend(f"{_HELD[p.status]} {_policy_phrase(p, shorts)}" for p in policies)
    n = len(targets) + len(policies)
    parts = [
        f"We recognise that {name} {join_words(held)}.",
        "None of these is independently verified." if n > 1 else "It is not independently verified.",
        f"We ask {name} to have progress against {'them' if n > 1 else 'it'} verified by an independent third "
        "party and to publish the results each year, starting with its next annual report.",
    ]
    held_records: list[Allegation | Commitment | Policy] = [*targets, *policies]
    areas = [k for r in held_records for k in r.areas]
    risk = max((nets.get(k, 0.0) for k in areas), default=0.0) * LEVERAGE["verify"]
    return _Draft("verify", "Verify the targets and policies it has set", parts, areas, held_records, risk)


def _deliver(
    name: str, company: Company, as_of: dt.date, nets: dict[str, float], shorts: dict[str, str], by: str
) -> _Draft | None:
    """Return the ask to deliver or replace commitments that are missed, withdrawn or overdue, or None."""
    slipped: list[Allegation | Commitment | Policy] = [
        c for c in company.commitments if c.status in ("missed", "withdrawn") or is_overdue(c, as_of)
    ]
    if not slipped:
        return None
    facts = []
    for c in company.commitments:
        if c not in slipped[:2]:
            continue
        noun = commitment_noun(c).replace("your ", f"{possessive(name)} ", 1).replace(" you ", f" {name} ", 1)
        year = "" if str(c.target_year) in noun else f"{c.target_year} "
        state = c.status if c.status in ("missed", "withdrawn") else f"past its {year}target year"
        facts.append(f"{noun} is {state}")
    parts = [
        f"On the record, {join_words(facts)}.",
        f"We ask {name} to publish, {by}, a revised plan with a quantified target and date, what caused the delay, "
        "and who on the board is accountable for it.",
    ]
    areas = [k for r in slipped for k in r.areas]
    risk = max((nets.get(k, 0.0) for k in areas), default=0.0) * LEVERAGE["deliver"]
    return _Draft("deliver", "Deliver or replace the commitments that have slipped", parts, areas, slipped, risk)


def _sector_steel(name: str, company: Company, taxonomy: Taxonomy, nets: dict[str, float], by: str) -> _Draft | None:
    """Return the ask to disclose the steel it buys, where the sector's exposure is all there is to go on, or None.

    Steel carries the sector's highest baseline (most of a vehicle's mass, mostly from coal-fired
    blast furnaces). A company with no record of any kind on steel and aluminium, and no benchmark
    note about them (a benchmark may credit it there), is asked for disclosure, the one fair ask on
    exposure alone: where its steel comes from and how it is made, never a failure it is not shown
    to have. Added only to a company with fewer than three asks and none on materials.
    """
    keys = ("steel", "aluminum")
    records: list[Allegation | Commitment | Policy] = [*company.allegations, *company.commitments, *company.policies]
    if not records or any(set(keys) & set(r.areas) for r in records) or nets.get("steel", 0.0) <= 0.0:
        return None
    notes = " ".join(n for b in company.benchmarks for n in b.notes).lower()
    if "steel" in notes or "alumin" in notes:
        return None
    # No figure about the sector here: a letter states only what its cited records carry, and
    # this ask cites none. The baseline and its reasons are in the methodology.
    parts = [
        "In our method steel carries one of the two highest sector exposures (with transition minerals). "
        f"We hold no record of a target, policy or disclosure by {name} on the steel it buys, nor of an "
        "allegation about it: this ask rests on the exposure every automaker shares.",
        f"We ask {name} to publish, {by}, which steelmakers supply it and by which production route (blast "
        "furnace, electric arc furnace, direct reduction), the emissions intensity of the steel it buys, and "
        "whether it will set a time-bound target for near-zero-emission steel.",
    ]
    return _Draft("materials", "Disclose the steel it buys", parts, ["steel"], [], nets["steel"] * 0.5)


def _fallback(name: str, company: Company, nets: dict[str, float], by: str) -> _Draft:
    """Return the disclosure ask of a company whose records raise no other: report on what is on record."""
    records: list[Allegation | Commitment | Policy] = [*company.allegations, *company.commitments, *company.policies]
    parts = [
        f"The public record we follow raises no open concern about {name} at present.",
        _request("disclosure", name, (), by, ()),
    ]
    areas = [k for r in records for k in r.areas]
    return _Draft("disclosure", THEMES["disclosure"][1], parts, areas, records, max(nets.values(), default=0.0))


#: The asks about an incident itself, which put its record's own question (see ``told_in_asks``).
INCIDENT_ASKS = frozenset({"remedy", "association", "leverage"})


def told_in_asks(asks: Sequence[Ask]) -> frozenset[str]:
    """Return the ids of the allegations an incident ask already asks about (remedy, association, leverage).

    Those asks put the record's own question (what the investigation found and the remedy,
    where the dispute stands, how leverage is used): the annex question on the same record
    would restate it a page later. The asks for a policy or a target (materials, minerals, due
    diligence) cite an incident as evidence and leave its detailed question to the annex.
    """
    return frozenset(
        rid
        for ask in asks
        if ask.id in INCIDENT_ASKS
        for rid, kind in zip(ask.record_ids, ask.kinds, strict=True)
        if kind == "allegation"
    )


def annex_questions(
    questions: Sequence[Question], limit: int = 15, told: frozenset[str] = frozenset()
) -> tuple[Question, ...]:
    """Return the annex's detailed meeting questions: one per record and area, on a record, none of the stale kind.

    An area-wide question (no credible commitment) is what the asks already press, and a
    "what has changed since" question asks nothing: a record with no development is a fact
    in the evidence. A record whose story an ask tells (``told``, from ``told_in_asks``) has
    its question there already. Order: the profile's rank.
    """
    seen: set[tuple[str, str]] = set()
    out: list[Question] = []
    for q in questions:
        if q.kind in ("stale", "no-commitment") or len(q.record_ids) != 1 or q.record_ids[0] in told:
            continue
        key = (q.record_ids[0], q.area)
        if key in seen:
            continue
        seen.add(key)
        out.append(q)
        if len(out) >= limit:
            break
    return tuple(out)
