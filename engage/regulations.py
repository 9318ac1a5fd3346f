"""Which supply-chain rules bite on a company, and when: a maintained table matched against its records.

The table below is hand-kept. Dates are written only where the official text (or an
adopted amending act) fixes them; where a change was agreed but not, to our knowledge,
final when the table was last reviewed, the milestone says so instead of guessing. Every
brief prints ``TABLE_REVIEWED`` next to the table and warns when it is old.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .records import Allegation, Commitment, Company

#: When the table was last checked against the official texts.
TABLE_REVIEWED = dt.date(2026, 3, 1)
#: A brief whose as-of date is this many days after the review gets a "check for changes" note.
STALE_AFTER_DAYS = 180

EU_COUNTRIES: frozenset[str] = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

#: Subjects found in a record's own words (title and summary), for rules that areas, materials
#: and ISO regions cannot express: a forced-labour law is about forced labour, not about every
#: workers' rights case, and records give regions as countries (CN), never as Xinjiang.
TOPICS: dict[str, re.Pattern[str]] = {
    "forced-labour": re.compile(
        r"\b(?:forced|child|bonded|prison|convict|slave)[- ]lab(?:ou|o)r|\bmodern slavery\b|\bu[iy]g(?:h)?urs?\b",
        re.IGNORECASE,
    ),
    "xinjiang": re.compile(r"\bxinjiang\b|\bu[iy]g(?:h)?urs?\b|\b(?:urumqi|ürümqi)\b", re.IGNORECASE),
}
#: How a topic reads in the brief ("forced or child labour named in A1, A3").
TOPIC_LABELS: dict[str, str] = {
    "forced-labour": "forced or child labour",
    "xinjiang": "Xinjiang or Uyghurs",
}


@dataclass(frozen=True)
class Milestone:
    """One dated step of a rule; ``applies`` marks obligations starting, ``approximate`` a date not yet final."""

    date: dt.date
    text: str
    applies: bool = True
    approximate: bool = False


@dataclass(frozen=True)
class Rule:
    """One law or regulation and the record features that make it relevant."""

    key: str
    name: str
    citation: str
    jurisdiction: str
    summary: str
    url: str
    milestones: tuple[Milestone, ...]
    areas: frozenset[str] = frozenset()
    materials: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    home: frozenset[str] = frozenset()  # company countries for which it applies as home law
    topics: frozenset[str] = frozenset()  # keys of TOPICS found in a record's title or summary
    note: str = ""
    #: Printed when the rule has topics and none of the triggering records mentions them.
    no_topic_note: str = ""


def _rule(**kwargs: Any) -> Rule:
    for key in ("areas", "materials", "regions", "home", "topics"):
        if key in kwargs:
            kwargs[key] = frozenset(kwargs[key])
    return Rule(**kwargs)


RULES: tuple[Rule, ...] = (
    _rule(
        key="csddd",
        name="EU Corporate Sustainability Due Diligence Directive (CSDDD)",
        citation="Directive (EU) 2024/1760",
        jurisdiction="EU",
        summary=(
            "Large EU and non-EU companies active in the EU must identify, prevent and remedy "
            "human rights and environmental harms in their own operations and chains of activity."
        ),
        url="https://eur-lex.europa.eu/eli/dir/2024/1760/oj",
        milestones=(
            Milestone(dt.date(2024, 7, 25), "entered into force", applies=False),
            Milestone(
                dt.date(2028, 7, 26),
                "transposition deadline for member states under the Omnibus I amendment (agreed December "
                "2025, approved by the Council in February 2026)",
                applies=False,
            ),
            Milestone(
                dt.date(2029, 7, 26),
                "due diligence obligations apply to companies with 5,000+ employees and EUR 1.5 bn net "
                "turnover (Omnibus I; the exact day follows the published text)",
                approximate=True,
            ),
        ),
        areas=("hrdd", "environmental-dd", "grievance", "workers-rights", "fpic", "legislation"),
        note=(
            "Omnibus I narrowed the scope, removed the climate transition plan duty and the harmonised "
            "civil liability regime; check the consolidated text."
        ),
    ),
    _rule(
        key="batteries",
        name="EU Batteries Regulation",
        citation="Regulation (EU) 2023/1542",
        jurisdiction="EU",
        summary=(
            "Batteries placed on the EU market need supply-chain due diligence on cobalt, lithium, "
            "nickel and natural graphite, a carbon footprint declaration, recycled-content "
            "documentation and, for EV batteries, a digital battery passport."
        ),
        url="https://eur-lex.europa.eu/eli/reg/2023/1542/oj",
        milestones=(
            Milestone(dt.date(2024, 2, 18), "applies (general obligations)"),
            Milestone(
                dt.date(2027, 2, 18), "battery passport required for EV, LMT and industrial batteries over 2 kWh"
            ),
            Milestone(
                dt.date(2027, 8, 18),
                "due diligence obligations apply, postponed from August 2025 by an amending regulation "
                "published in July 2025",
            ),
            Milestone(dt.date(2031, 8, 18), "minimum recycled content: cobalt 16%, lithium 6%, nickel 6%"),
        ),
        areas=("batteries", "recycling"),
        materials=("batteries", "cobalt", "lithium", "nickel", "graphite"),
    ),
    _rule(
        key="eu-forced-labour",
        name="EU Forced Labour Regulation",
        citation="Regulation (EU) 2024/3015",
        jurisdiction="EU",
        summary=(
            "Bans products made with forced labour from the EU market, whatever their origin; "
            "authorities may order withdrawal of goods."
        ),
        url="https://eur-lex.europa.eu/eli/reg/2024/3015/oj",
        milestones=(
            Milestone(dt.date(2024, 12, 13), "entered into force", applies=False),
            Milestone(dt.date(2027, 12, 14), "prohibition applies"),
        ),
        topics=("forced-labour",),
    ),
    _rule(
        key="uflpa",
        name="US Uyghur Forced Labor Prevention Act (UFLPA)",
        citation="Public Law 117-78",
        jurisdiction="US",
        summary=(
            "Goods made wholly or in part in Xinjiang, or by entities on the UFLPA Entity List, are "
            "presumed to be made with forced labour and may be detained at US import; aluminium is "
            "among the high-priority sectors for enforcement."
        ),
        url="https://www.cbp.gov/trade/forced-labor/UFLPA",
        milestones=(Milestone(dt.date(2022, 6, 21), "rebuttable presumption applies to US imports"),),
        regions=("CN",),
        topics=("xinjiang",),
        no_topic_note="Triggered by supply-chain links to China; none of these records mentions Xinjiang.",
    ),
    _rule(
        key="cbam",
        name="EU Carbon Border Adjustment Mechanism (CBAM)",
        citation="Regulation (EU) 2023/956",
        jurisdiction="EU",
        summary=(
            "Importers of iron, steel, aluminium and other carbon-intensive goods into the EU pay for "
            "their embedded emissions, which makes the emissions of purchased steel and aluminium a cost."
        ),
        url="https://eur-lex.europa.eu/eli/reg/2023/956/oj",
        milestones=(
            Milestone(dt.date(2023, 10, 1), "transitional phase: reporting of embedded emissions"),
            Milestone(dt.date(2026, 1, 1), "definitive phase: 2026 imports must be covered by CBAM certificates"),
            Milestone(dt.date(2027, 2, 1), "sale of CBAM certificates starts, for imports made in 2026"),
        ),
        areas=("steel", "aluminum"),
        materials=("steel", "aluminum", "iron-ore", "bauxite"),
    ),
    _rule(
        key="eudr",
        name="EU Deforestation Regulation (EUDR)",
        citation="Regulation (EU) 2023/1115",
        jurisdiction="EU",
        summary=(
            "Natural rubber and cattle products such as leather may be placed on the EU market only "
            "if deforestation-free, legally produced and covered by a due diligence statement."
        ),
        url="https://eur-lex.europa.eu/eli/reg/2023/1115/oj",
        milestones=(
            Milestone(dt.date(2023, 6, 29), "entered into force", applies=False),
            Milestone(
                dt.date(2026, 12, 30),
                "applies to large and medium operators, after postponements agreed in 2024 and December 2025",
            ),
            Milestone(dt.date(2027, 6, 30), "applies to micro and small operators"),
        ),
        materials=("rubber", "leather"),
    ),
    _rule(
        key="conflict-minerals",
        name="EU Conflict Minerals Regulation",
        citation="Regulation (EU) 2017/821",
        jurisdiction="EU",
        summary=(
            "EU importers of tin, tantalum, tungsten and gold (3TG) must do OECD-aligned due diligence; "
            "for an automaker it bites through its smelters and refiners."
        ),
        url="https://eur-lex.europa.eu/eli/reg/2017/821/oj",
        milestones=(Milestone(dt.date(2021, 1, 1), "due diligence obligations apply"),),
        materials=("tin", "tantalum", "tungsten", "gold"),
    ),
    _rule(
        key="crma",
        name="EU Critical Raw Materials Act",
        citation="Regulation (EU) 2024/1252",
        jurisdiction="EU",
        summary=(
            "Large manufacturers of batteries and e-mobility products that use strategic raw materials "
            "must assess the risks in their supply of those materials."
        ),
        url="https://eur-lex.europa.eu/eli/reg/2024/1252/oj",
        milestones=(Milestone(dt.date(2024, 5, 23), "entered into force", applies=False),),
        areas=("minerals",),
        materials=("lithium", "nickel", "cobalt", "graphite", "manganese", "copper", "rare-earths", "bauxite"),
    ),
    _rule(
        key="csrd",
        name="EU Corporate Sustainability Reporting Directive (CSRD)",
        citation="Directive (EU) 2022/2464",
        jurisdiction="EU",
        summary=(
            "Large companies report under the European Sustainability Reporting Standards, including "
            "Scope 3 emissions and value-chain impacts, with limited assurance."
        ),
        url="https://eur-lex.europa.eu/eli/dir/2022/2464/oj",
        milestones=(
            Milestone(dt.date(2025, 1, 1), "first reports (financial year 2024) from the largest listed companies"),
            Milestone(
                dt.date(2028, 1, 1),
                "later waves postponed by two years (Directive (EU) 2025/794); Omnibus I limits the scope "
                "to companies with 1,000+ employees and EUR 450 m turnover",
                approximate=True,
            ),
        ),
        areas=("disclosure", "scope3"),
        home=EU_COUNTRIES,
    ),
    _rule(
        key="lksg",
        name="German Supply Chain Due Diligence Act (LkSG)",
        citation="Lieferkettensorgfaltspflichtengesetz",
        jurisdiction="DE",
        summary=(
            "Companies with 1,000 or more employees in Germany must run human rights and environmental "
            "due diligence on their own operations and direct suppliers, and act on substantiated "
            "knowledge of abuses further down the chain."
        ),
        url="https://www.gesetze-im-internet.de/lksg/",
        milestones=(
            Milestone(dt.date(2023, 1, 1), "applies to companies with 3,000+ employees in Germany"),
            Milestone(dt.date(2024, 1, 1), "applies to companies with 1,000+ employees in Germany"),
        ),
        areas=("hrdd", "environmental-dd", "grievance", "workers-rights"),
        home=("DE",),
        note="Amendments proposed in 2025 would drop the reporting duty; check the current text.",
    ),
)


@dataclass(frozen=True)
class Exposure:
    """One rule that bites on a company, why, and where it stands on the as-of date."""

    rule: Rule
    reasons: tuple[str, ...]  # e.g. "area: batteries", "material: cobalt", "topic: forced-labour"
    record_ids: tuple[str, ...]  # allegations and commitments that triggered it
    #: "applies" (an obligation has started), "in force" (obligations start on a later dated
    #: step), "in force, undated" (in force; the table dates no step at which obligations
    #: start), or "upcoming" (not yet in force)
    status: str
    next_milestone: Milestone | None
    months_to_next: int | None
    topic_records: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (topic, ids whose text names it)
    note: str = ""  # the rule's note, and what the records do not say when that matters


def _months(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)


def record_topics(record: Allegation | Commitment) -> frozenset[str]:
    """Return the TOPICS keys that a record's title or summary mentions."""
    text = " ".join(t for t in (record.title, record.summary) if t)
    return frozenset(key for key, pattern in TOPICS.items() if pattern.search(text))


def rule_status(rule: Rule, as_of: dt.date) -> str:
    """Return where a rule stands on ``as_of``: applies, in force, in force (undated), or upcoming."""
    past = [m for m in rule.milestones if m.date <= as_of]
    if any(m.applies for m in past):
        return "applies"
    if not past:
        return "upcoming"
    if any(m.applies for m in rule.milestones if m.date > as_of):
        return "in force"
    return "in force, undated"


def regulatory_exposure(company: Company, as_of: dt.date, rules: Sequence[Rule] = RULES) -> list[Exposure]:
    """Return the rules the company's records touch, soonest next milestone first.

    ``company`` is the company as known at ``as_of`` (``engage.asof.known_at``, or a profile's
    ``known``): every record it holds counts. ``as_of`` places the rules' own milestones.
    """
    records: list[Allegation | Commitment] = [*company.allegations, *company.commitments]
    topics_of = {id(r): record_topics(r) for r in records}
    out: list[Exposure] = []
    for rule in rules:
        if rule.home and company.country not in rule.home:
            continue  # a home-country law that does not reach this company
        reasons: list[str] = []
        ids: list[str] = []
        by_topic: dict[str, list[str]] = {}
        for record in records:
            hit_areas = sorted(rule.areas & set(record.areas))
            hit_materials = sorted(rule.materials & set(record.materials))
            hit_regions = sorted(rule.regions & set(record.regions))
            hit_topics = sorted(rule.topics & topics_of[id(record)])
            if hit_areas or hit_materials or hit_regions or hit_topics:
                if record.id not in ids:
                    ids.append(record.id)
                for label, hits in (("area", hit_areas), ("material", hit_materials), ("region", hit_regions)):
                    for hit in hits:
                        reason = f"{label}: {hit}"
                        if reason not in reasons:
                            reasons.append(reason)
                for topic in hit_topics:
                    by_topic.setdefault(topic, []).append(record.id)
        if not ids:
            continue
        reasons.extend(f"topic: {topic}" for topic in sorted(by_topic))
        if rule.home:
            reasons.append(f"home: {company.country}")
        notes = [rule.note] if rule.note else []
        if rule.topics and not by_topic and rule.no_topic_note:
            notes.append(rule.no_topic_note)
        future = [m for m in rule.milestones if m.date > as_of]
        nxt = future[0] if future else None
        out.append(
            Exposure(
                rule=rule,
                reasons=tuple(reasons),
                record_ids=tuple(ids),
                status=rule_status(rule, as_of),
                next_milestone=nxt,
                months_to_next=_months(as_of, nxt.date) if nxt else None,
                topic_records=tuple((topic, tuple(rids)) for topic, rids in sorted(by_topic.items())),
                note=" ".join(notes),
            )
        )
    out.sort(key=lambda e: (e.next_milestone is None, e.next_milestone.date if e.next_milestone else dt.date.max))
    return out


def table_is_stale(as_of: dt.date) -> bool:
    """Return True when the as-of date is long after the table's last review."""
    return (as_of - TABLE_REVIEWED).days > STALE_AFTER_DAYS
