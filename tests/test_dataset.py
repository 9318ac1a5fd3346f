"""The shipped dataset: every record is sourced, every address traces to docs/sources/seed-trace.yaml,
and the Leaderboard figures match the trace. Reads only files inside the repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPANIES_DIR = ROOT / "companies"
TRACE_PATH = ROOT / "docs" / "sources" / "seed-trace.yaml"
# Facts collected for issue 18 (policies, past AGMs, identity), each with address and exact phrase.
COLLECTED_PATH = ROOT / "docs" / "sources" / "collected-2026-12.yaml"

# The 18 automakers the Lead the Charge Leaderboard scores, by company id.
LEADERBOARD_IDS = {
    "bmw",
    "byd",
    "ford",
    "gac",
    "geely",
    "general-motors",
    "honda",
    "hyundai",
    "kia",
    "mercedes-benz",
    "nissan",
    "renault",
    "saic",
    "stellantis",
    "tesla",
    "toyota",
    "volkswagen",
    "volvo-cars",
}
ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
URL_IN_TEXT = re.compile(r"https?://[^\s)\"]+")
COMPANY_FILES = sorted(COMPANIES_DIR.glob("*.yaml"))


def load(path: Path) -> Any:
    """Return the parsed YAML of ``path``."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def walk(value: Any) -> Iterator[tuple[str | None, Any]]:
    """Yield (key, value) for every value nested in ``value``; list items get the key of their list."""
    stack: list[tuple[str | None, Any]] = [(None, value)]
    while stack:
        key, current = stack.pop()
        yield key, current
        if isinstance(current, dict):
            stack.extend((str(k), v) for k, v in current.items())
        elif isinstance(current, list):
            stack.extend((key, v) for v in current)


def urls_in(value: Any) -> set[str]:
    """Return every address in ``value``: values of `url` keys and whole-string addresses anywhere,
    plus addresses quoted inside longer text."""
    found: set[str] = set()
    for key, v in walk(value):
        if not isinstance(v, str):
            continue
        if key in ("url", "urls", "related_urls", "listing_page", "seed_listing_page", "sources") or re.fullmatch(
            r"https?://\S+", v
        ):
            found.add(v.strip())
        found.update(m.rstrip(".,;") for m in URL_IN_TEXT.findall(v))
    return found


def record_urls(doc: dict[str, Any]) -> set[str]:
    """Return the addresses a company file uses (sources, benchmark url and benchmark sources)."""
    return {v for key, v in walk(doc) if key == "url" and isinstance(v, str)}


@pytest.fixture(scope="module")
def trace() -> dict[str, Any]:
    data = load(TRACE_PATH)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def collected() -> dict[str, Any]:
    data = load(COLLECTED_PATH)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def trace_urls(trace: dict[str, Any], collected: dict[str, Any]) -> set[str]:
    return urls_in(trace) | urls_in(collected)


def test_helpers_find_nested_urls() -> None:
    """The collectors see addresses at any depth, so an untraced address cannot slip past."""
    doc = {
        "benchmarks": [{"url": "https://a.example/1", "sources": [{"url": "https://b.example/2"}]}],
        "allegations": [{"sources": [{"title": "t", "url": "https://c.example/3"}]}],
    }
    assert record_urls(doc) == {"https://a.example/1", "https://b.example/2", "https://c.example/3"}
    text = {"notes": "see (https://d.example/4).", "related_urls": ["https://e.example/5"]}
    assert urls_in(text) == {"https://d.example/4", "https://e.example/5"}


def test_expected_companies_exist(trace: dict[str, Any]) -> None:
    ids = {p.stem for p in COMPANY_FILES}
    assert LEADERBOARD_IDS <= ids, f"missing company files: {sorted(LEADERBOARD_IDS - ids)}"
    # every automaker the trace's leaderboard scores has a file, under the id the trace gives it
    mapping = trace["company_ids"]
    assert set(mapping) == set(trace["leaderboard"]["automakers"])
    assert set(mapping.values()) <= ids


def test_trace_is_self_contained(trace: dict[str, Any]) -> None:
    assert trace["listing_page"] == "https://leadthecharge.org/news-resources/resource-library/"
    seqs = [item["seq"] for item in trace["items"]]
    assert seqs and len(seqs) == len(set(seqs))
    left = {entry["seq"] for entry in trace["left_out"]}
    assert not left & set(seqs), "an item cannot be both used and left out"


@pytest.mark.parametrize("path", COMPANY_FILES, ids=[p.stem for p in COMPANY_FILES])
def test_company_file_shape(path: Path) -> None:
    doc = load(path)
    assert ID_RE.match(path.stem)
    assert isinstance(doc, dict) and isinstance(doc.get("name"), str) and doc["name"].strip()
    for kind in ("allegations", "commitments", "policies"):
        ids = [rec["id"] for rec in doc.get(kind) or []]
        assert len(ids) == len(set(ids)), f"duplicate {kind} ids in {path.name}"
        assert all(ID_RE.match(i) for i in ids)


@pytest.mark.parametrize("path", COMPANY_FILES, ids=[p.stem for p in COMPANY_FILES])
def test_every_record_has_a_source(path: Path) -> None:
    doc = load(path)
    for kind in ("allegations", "commitments", "policies"):
        for rec in doc.get(kind) or []:
            sources = rec.get("sources")
            assert isinstance(sources, list) and sources, f"{path.name}: {kind} {rec.get('id')} has no source"
            for src in sources:
                assert isinstance(src.get("url"), str) and src["url"].startswith(("http://", "https://"))
                assert isinstance(src.get("title"), str) and src["title"].strip()


@pytest.mark.parametrize("path", COMPANY_FILES, ids=[p.stem for p in COMPANY_FILES])
def test_every_address_is_traced(path: Path, trace_urls: set[str]) -> None:
    used = record_urls(load(path))
    assert used, f"{path.name} cites no address at all"
    untraced = sorted(used - trace_urls)
    assert not untraced, f"{path.name}: addresses not in a trace file under docs/sources/: {untraced}"


@pytest.mark.parametrize("path", COMPANY_FILES, ids=[p.stem for p in COMPANY_FILES])
def test_past_agms_are_the_collected_ones(path: Path, collected: dict[str, Any]) -> None:
    """Every past AGM in a company file is a collected fact: its date and address, as the trace states them."""
    facts = {(str(m["date"]), m["url"]) for m in (collected["agms"].get(path.stem) or {}).get("past", [])}
    recorded = {(str(m["date"]), s["url"]) for m in load(path).get("agms") or [] for s in m["sources"]}
    assert recorded == facts, f"{path.name}: agms differ from docs/sources/collected-2026-12.yaml"


@pytest.mark.parametrize("path", COMPANY_FILES, ids=[p.stem for p in COMPANY_FILES])
def test_legal_name_is_the_collected_one(path: Path, collected: dict[str, Any]) -> None:
    """A legal name in a company file is the one collected under identity:, with the page, publisher and phrase
    that state it, and that page is not one the trace rejects; no collected name means no legal_name."""
    entry = collected["identity"].get(path.stem) or {}
    recorded = load(path).get("legal_name")
    assert recorded == entry.get("legal_name"), f"{path.name}: legal_name differs from collected-2026-12.yaml"
    if recorded is not None:
        assert str(entry.get("url", "")).startswith(("http://", "https://")), f"{path.stem}: legal name without address"
        assert entry.get("publisher") and entry.get("phrase"), f"{path.stem}: legal name without publisher or phrase"
        rejected = {r["url"] for r in collected["rejected"]}
        assert entry["url"] not in rejected, f"{path.stem}: legal name from a rejected page"


@pytest.mark.parametrize("path", COMPANY_FILES, ids=[p.stem for p in COMPANY_FILES])
def test_benchmarks_match_trace(path: Path, trace: dict[str, Any]) -> None:
    doc = load(path)
    by_id = {cid: name for name, cid in trace["company_ids"].items()}
    benchmarks = [b for b in doc.get("benchmarks") or [] if b.get("name") == "Lead the Charge Leaderboard"]
    if path.stem not in by_id:
        assert not benchmarks, f"{path.name} has Leaderboard figures but the trace scores no such automaker"
        return
    entries = trace["leaderboard"]["automakers"][by_id[path.stem]]
    editions = trace["leaderboard"]["editions"]
    years = [b["year"] for b in benchmarks]
    assert len(years) == len(set(years)), f"{path.name}: a Leaderboard year appears twice"
    for b in benchmarks:
        entry = entries.get(str(b["year"]))
        assert entry is not None, f"{path.name}: no trace entry for {b['year']}"
        assert b.get("rank") == entry["rank"], f"{path.name} {b['year']}: rank differs from the trace"
        assert b.get("score_pct") == entry["total_score_pct"], f"{path.name} {b['year']}: score differs from the trace"
        assert b.get("of") == editions[str(b["year"])]["automakers_assessed"]
    # nothing the trace states is dropped: every non-null rank or score appears in the file
    for year, entry in entries.items():
        if isinstance(entry, dict) and (entry.get("rank") is not None or entry.get("total_score_pct") is not None):
            assert int(year) in years, f"{path.name}: Leaderboard {year} figures missing"


@pytest.mark.parametrize("path", COMPANY_FILES, ids=[p.stem for p in COMPANY_FILES])
def test_country_matches_trace(path: Path, trace: dict[str, Any]) -> None:
    doc = load(path)
    entry = trace["countries"].get(path.stem)
    assert entry is not None and entry.get("basis"), f"{path.stem}: no country basis in the trace"
    assert doc.get("country") == entry["country"]


COLLECTED_PATH = ROOT / "docs" / "sources" / "collected-2026-12.yaml"


def test_policy_records_trace_to_collected_findings() -> None:
    """Each shipped policy is named by a collected finding (record:), and each finding says what became of it."""
    collected = load(COLLECTED_PATH)["policies"]
    named: set[tuple[str, str]] = set()
    for company_id, findings in collected.items():
        for f in findings:
            assert ("record" in f) != ("left_out" in f), f"{company_id}: {f['finding']}: record: or left_out:, not both"
            if "record" in f:
                named.add((company_id, f["record"].split(" ")[0]))
    shipped = {(p.stem, rec["id"]) for p in COMPANY_FILES for rec in load(p).get("policies") or []}
    assert shipped == named
    # issue 18's bar
    assert len({company_id for company_id, _ in shipped}) >= 10
