"""A second reader's findings on the asks (Volkswagen, Tesla, GAC, Honda as of 2026-12-01), read back from the letters.

Each test reads the Markdown letter (or the PDF, for layout) and fails on what the reader
found: a gap claimed where the company holds something, remedy asked where the company is
only linked, a strike treated as forced labour, a deal to verify, a raw record label pasted
into a question, filler sentences, one area under two names.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from engage.api import Workspace
from engage.documents.letter import ANNEX_HEADING

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 12, 1)
READ_BACK = ("volkswagen", "tesla", "gac", "honda")


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return Workspace.open(ROOT)


@pytest.fixture(scope="module")
def letters(ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("letters")
    docs = {}
    for cid in READ_BACK:
        ws.letter(cid, as_of=AS_OF, formats=["md"], out=out)
        docs[cid] = (out / cid / "letter.md").read_text(encoding="utf-8")
    return docs


def _asks(md: str) -> list[str]:
    body = md.split(f"## {ANNEX_HEADING}")[0].split("## Sources")[0]
    return [" ".join(m.group(1).replace("**", "").split()) for m in re.finditer(r"^\d+\. (.+)$", body, re.M)]


def _annex(md: str) -> str:
    return md.split(f"## {ANNEX_HEADING}")[1].split("## Sources")[0] if f"## {ANNEX_HEADING}" in md else ""


@pytest.mark.parametrize("cid", READ_BACK)
def test_no_gap_is_claimed_where_the_company_holds_a_policy_or_commitment(ws: Workspace, letters, cid: str) -> None:  # type: ignore[no-untyped-def]
    profile = ws.profile(cid, as_of=AS_OF)
    shorts = {a.key: a.short for a in ws.taxonomy.areas}
    held = {shorts[a.key].replace(" DD", " due diligence").lower() for a in profile.areas if a.mitigation > 0}
    for ask in _asks(letters[cid]):
        assert "We find no policy or credible commitment" not in ask, (cid, ask)
        m = re.search(r"The records we hold include no policy or commitment by .+? for (.+?)\.", ask)
        if m is None:
            continue
        named = {w.strip().lower() for w in re.split(r", | and ", m.group(1))}
        assert not named & held, (cid, named & held, ask)
        if "We recognise" in ask:
            assert ask.index("We recognise") < m.start(), (cid, ask)  # what exists is acknowledged first


def test_volkswagen_and_tesla_gaps_leave_out_the_areas_their_policies_cover(letters) -> None:  # type: ignore[no-untyped-def]
    vw = next(a for a in _asks(letters["volkswagen"]) if "deforestation policy" in a)
    assert not re.search(r"(no policy or|no policy or credible) commitment[^.]*environmental due diligence", vw), vw
    tesla = next(a for a in _asks(letters["tesla"]) if "free, prior and informed consent of Indigenous" in a)
    assert not re.search(r"no policy or (credible )?commitment[^.]*FPIC", tesla), tesla
