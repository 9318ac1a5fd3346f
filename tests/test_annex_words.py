"""The annex's questions read as written by a person: commitments named by what they promise, reports
named in grammatical English for every title and publisher shape, union charges asked about
freedom of association rather than remedy (issue 15, items 2-4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from engage.api import Workspace
from engage.dates import PartialDate
from engage.profile import compile_profile, load_weights
from engage.profile.asks import annex_questions
from engage.profile.questions import commitment_noun
from engage.profile.wording import record_noun, reported_sentence
from engage.taxonomy import Taxonomy, load_taxonomy
from tests.profile_factories import allegation, commitment, company, source

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def weights():  # type: ignore[no-untyped-def]
    return load_weights(None)


# Shapes of record titles found in the shipped records, each with what must never be printed.
TITLES = [
    "BHRRC report linked Ford to nickel supply chains in Southeast Asia",
    "Reuters investigation found child labour at Alabama suppliers of Hyundai and Kia",
    "Report that a contractor of a SAIC-Volkswagen subsidiary used Uyghur forced labour",
    "Report alleged Uyghur forced labour by a contractor",
    "Reports of forced labour at a tannery",
    "No response reported to an Indigenous and civil-society request to meet on Thacker Pass",
    "US federal raid at the Hyundai-LG Energy Solution battery plant construction site in Georgia detained 475 workers",
    'Climate Rights International\'s "Nickel Unearthed" report on the Indonesia Weda Bay Industrial Park',
    "NLRB charges of union-busting at the Mercedes-Benz plant in Vance, Alabama",
    "Global Witness named Tesla among companies at high risk of exposure to rare earths",
    "Aluminium supply MoU with Adaro linked to a smelter tied to a proposed captive coal plant",
]
# "the report that a BHRRC report", "the report that said that", "the no response", "a report described
# ... detained" (a sentence passed off as a noun), "described Climate Rights International's ... report".
BAD = re.compile(
    r"\breport that (?:an? |the )?\S+ (?:report|investigation)\b|\breport that said that\b|\bthe no\b|"
    r"\bthe reports? that reports?\b|described [^.]* detained\b|described [A-Z][^.]*'s [^.]*report\b"
)


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("publisher", ["Business & Human Rights Resource Centre", None])
@pytest.mark.parametrize("when", [PartialDate(2023, 5), PartialDate(2023, 5, 17), PartialDate(2023)])
def test_a_report_is_named_grammatically_for_every_title_and_publisher(title: str, publisher, when) -> None:  # type: ignore[no-untyped-def]
    """'We find no response on record to the report that a BHRRC report linked ...' (Ford, VW, Tesla)."""
    noun = record_noun(title)
    sentence = reported_sentence(title, publisher, when)
    for text in (noun, sentence, f"We find no response on record to {noun}."):
        assert not BAD.search(text), text
        assert '""' not in text and "  " not in text, text
    assert sentence[:1].isupper() and not sentence.endswith("."), sentence


def test_a_report_that_is_its_own_subject_keeps_one_report() -> None:
    assert record_noun("BHRRC report linked Ford to nickel") == "the BHRRC report that linked Ford to nickel"
    assert (
        record_noun("Report that a contractor used forced labour") == "the report that a contractor used forced labour"
    )
    assert reported_sentence("No response reported to a request to meet", None, PartialDate(2023, 3)) == (
        "In March 2023, no response was reported to a request to meet"
    )


@pytest.mark.parametrize(
    "target, year, title, expected",
    [
        (
            "at least 10% of primary steel and aluminium purchases near-zero carbon",
            2030,
            "At least 10% of primary steel ... (First Movers Coalition)",
            "your target of at least 10% of primary steel and aluminium purchases near-zero carbon by 2030",
        ),
        (
            "over one third of the global production network supplied with CO2-reduced steel, cutting about "
            "900,000 t CO2 a year",
            2026,
            "Over one third of the global production network's steel to be CO2-reduced from 2026",
            "your target of over one third of the global production network supplied with CO2-reduced steel by 2026",
        ),
        (
            "low-CO2 aluminium parts in all new models from FY2027 and a full switch by 2030; about 20% of newly "
            "mined aluminium replaced by the end of FY2024",
            2030,
            "Switch to low-CO2 aluminium parts",
            "your target of low-CO2 aluminium parts in all new models from FY2027 and a full switch by 2030",
        ),
        (None, None, "Living wage required in the supplier code", "the commitment you announced in January 2023"),
    ],
)
def test_a_commitment_is_named_by_what_it_promises_not_its_title(target, year, title, expected) -> None:  # type: ignore[no-untyped-def]
    c = commitment(target=target, target_year=year, title=title)
    assert commitment_noun(c) == expected


def test_every_commitment_question_of_the_bank_names_the_commitment_in_prose(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """BMW: 'Your steel commitment (Over one third of the global production network's steel ...) is ...'."""
    title = "Over one third of the global production network's steel to be CO2-reduced from 2026"
    for area in [a.key for a in taxonomy.areas]:
        for status, verification, year in (
            ("in-progress", "none", 2030),
            ("announced", "none", 2024),
            ("missed", "none", 2025),
        ):
            c = commitment(
                areas=(area,),
                status=status,
                verification=verification,
                target_year=year,
                title=title,
                target="a third of steel CO2-reduced",
            )
            for q in compile_profile(company(commitments=(c,)), taxonomy, AS_OF, weights).questions:
                if q.kind in ("overdue", "missed", "unverified"):
                    assert title not in q.text and "commitment (" not in q.text, q.text
                    assert "your target of a third of steel CO2-reduced" in q.text, q.text


def test_union_charges_are_asked_about_freedom_of_association_not_remedy(taxonomy, weights) -> None:  # type: ignore[no-untyped-def]
    """Honda: 'the UAW filed unfair-labour-practice charges ... what remedy did they receive?'."""
    charges = allegation(
        areas=("workers-rights",),
        title="UAW filed unfair-labour-practice charges with the NLRB against Honda (Greensburg, Indiana)",
        sources=(source("CNBC", PartialDate(2023, 12, 11)),),
        date=PartialDate(2023, 12, 11),
    )
    for a in (charges, dataclasses.replace(charges, company_response="We deny the charges.")):
        qs = compile_profile(company(allegations=(a,)), taxonomy, AS_OF, weights).questions
        texts = [q.text for q in qs if q.kind in ("allegation", "no-response")]
        assert texts and all("remedy" not in t for t in texts), texts
        assert all("organise and bargain collectively" in t for t in texts), texts


@pytest.fixture(scope="module")
def shipped_annexes() -> dict[str, list[str]]:
    ws = Workspace.open(ROOT)
    return {cid: [q.text for q in annex_questions(ws.profile(cid, as_of=AS_OF).questions)] for cid in ws.company_ids()}


def test_no_shipped_annex_question_pastes_a_title_or_a_machine_status(shipped_annexes) -> None:  # type: ignore[no-untyped-def]
    for cid, texts in shipped_annexes.items():
        for t in texts:
            assert not re.search(r"commitment \([A-Z]", t), (cid, t)
            assert not re.search(r"\((?:[A-Z][a-z]+ )?\d{4}; [a-z ]+\)", t), (cid, t)  # "(May 2023; alleged)"
            assert not BAD.search(t), (cid, t)


@pytest.mark.parametrize("cid", ["honda", "hyundai", "volkswagen", "mercedes-benz", "tesla"])
def test_no_shipped_question_on_union_charges_or_a_strike_asks_for_remedy(shipped_annexes, cid: str) -> None:  # type: ignore[no-untyped-def]
    for t in shipped_annexes[cid]:
        if re.search(r"unfair-labour-practice|union-busting|strike", t):
            assert "remedy" not in t, t
            assert "organise and bargain collectively" in t or "good-faith bargaining" in t, t
