"""Tests for engage.batch: selection, fingerprints, the fast path, manifests, failures, the pool, the agenda.

Most tests use the fake document kinds of tests/batch_fakes.py (no WeasyPrint) and render in
process; a few run the real pool. Real PDFs are rendered once, in test_batch_cli.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from batch_fakes import FAKE_KINDS, fake_renderer

from engage import __version__
from engage.batch import (
    MANIFEST_SCHEMA,
    BatchOptions,
    BatchSummary,
    IndexLink,
    Plan,
    Selection,
    agenda,
    build_index,
    engine_files,
    merge_manifests,
    parse_shard,
    plan_batch,
    pool,
    read_manifest,
    render_index,
    run_batch,
    shard_of,
)
from engage.batch.manifest import manifest_lock
from engage.batch.pool import sweep_temporaries
from engage.errors import RenderError, UsageError
from engage.workspace import Workspace, find_workspace

AS_OF = dt.date(2026, 11, 1)
SETTINGS = """\
organisation: {name: Example Stewardship}
signatories:
  - {name: Alex Example, title: Head of Stewardship}
"""


def company_yaml(name: str, agm: str | None = None, severity: str = "high", allegations: int = 2) -> str:
    """Return a small valid record."""
    lines = [f"name: {name}", "country: DE"]
    if agm:
        lines.append(f"agm: {agm}")
    lines.append("allegations:")
    for i in range(allegations):
        lines.append(
            f"  - {{id: a{i}, title: Allegation {i}, date: 2025-0{i + 1}, areas: [minerals], severity: {severity}, "
            f"status: alleged, sources: [{{title: Report {i}, url: 'https://example.org/{i}', date: 2025-0{i + 1}}}]}}"
        )
    return "\n".join(lines) + "\n"


COMPANIES = {
    "alpha": company_yaml("Alpha Motors", "2026-12-01"),
    "beta": company_yaml("Beta Cars", "2026-11-20", severity="low"),
    "gamma": company_yaml("Gamma Auto", "2027-05-01", severity="medium"),
    "delta": company_yaml("Delta Vehicles"),
}


def write_workspace(root: Path) -> Path:
    """Write four small companies (three with an AGM) and signatories under ``root``; return it."""
    (root / "companies").mkdir()
    for cid, text in COMPANIES.items():
        (root / "companies" / f"{cid}.yaml").write_text(text, encoding="utf-8")
    (root / "engage.yaml").write_text(SETTINGS, encoding="utf-8")
    return root


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """Return a workspace of four small companies (three with an AGM) and signatories."""
    return find_workspace(write_workspace(tmp_path))


def write(ws: Workspace, cid: str, text: str) -> None:
    ws.company_path(cid).write_text(text, encoding="utf-8")


def plan(ws: Workspace, **options: object) -> Plan:
    opts: dict[str, object] = {"as_of": AS_OF, "selection": Selection(all=True)}
    opts.update(options)
    return plan_batch(ws, BatchOptions(**opts), kinds=FAKE_KINDS)  # type: ignore[arg-type]


def run(p: Plan, **kwargs: object) -> BatchSummary:
    kwargs.setdefault("in_process", True)
    return run_batch(p, renderer_factory=fake_renderer, **kwargs)  # type: ignore[arg-type]


def actions(p: Plan) -> dict[str, dict[str, str]]:
    """Return {company: {kind: 'render: reason' | 'skip'}}."""
    out: dict[str, dict[str, str]] = {}
    for item in p.items:
        if item.error is not None:
            out[item.company_id] = {"*": "fail"}
            continue
        out[item.company_id] = {
            d.kind: (f"render: {d.reason}" if d.action == "render" else "skip") for d in item.documents
        }
    return out


def rendering(p: Plan) -> set[tuple[str, str]]:
    return {(i.company_id, d.kind) for i in p.items for d in i.documents if d.action == "render"}


def manifest(ws: Workspace) -> dict:  # type: ignore[type-arg]
    return json.loads((ws.default_out / "manifest.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- selection


def test_parse_shard_accepts_k_of_n_and_refuses_the_impossible() -> None:
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard(" 1 / 1 ") == (1, 1)
    for bad in ("0/3", "4/3", "1/0", "a/b", "3"):
        with pytest.raises(UsageError):
            parse_shard(bad)


def test_shards_partition_the_sorted_selection_evenly() -> None:
    ids = [f"c{i:02d}" for i in range(11)][::-1]
    shards = [shard_of(ids, (k, 3)) for k in (1, 2, 3)]
    assert sorted(c for s in shards for c in s) == sorted(ids)
    assert [len(s) for s in shards] == [4, 4, 3]
    assert shards[0] == ["c00", "c03", "c06", "c09"]
    assert shard_of(ids, (2, 3)) == shards[1]  # same answer on every machine


def test_selection_needs_exactly_one_way() -> None:
    with pytest.raises(UsageError, match="name companies, or pass --all"):
        Selection().check()
    with pytest.raises(UsageError, match="choose one of"):
        Selection(ids=("alpha",), all=True).check()


def test_agm_window_selects_upcoming_meetings_only(ws: Workspace) -> None:
    p = plan(ws, selection=Selection(agm_within=30))
    assert [i.company_id for i in p.items] == ["alpha", "beta"]
    p = plan(ws, selection=Selection(agm_before=dt.date(2027, 6, 30)))
    assert [i.company_id for i in p.items] == ["alpha", "beta", "gamma"]
    # An AGM already past is not selected.
    p = plan(ws, selection=Selection(agm_within=30), as_of=dt.date(2026, 11, 25))
    assert [i.company_id for i in p.items] == ["alpha"]


def test_unknown_company_id_is_a_usage_error_with_a_suggestion(ws: Workspace) -> None:
    with pytest.raises(UsageError, match="did you mean 'alpha'"):
        plan(ws, selection=Selection(ids=("alpah",)))


def test_invalid_record_is_selected_by_its_readable_agm(ws: Workspace) -> None:
    write(ws, "beta", COMPANIES["beta"].replace("severity: low", "severity: lowish"))
    write(ws, "delta", "name: Delta\ncountry: DE\nagm: 2030-01-01\nallegations: [oops\n")
    p = plan(ws, selection=Selection(agm_within=30))
    # beta is invalid but its AGM is readable and in the window; delta's file does not parse at all.
    assert actions(p) == {
        "alpha": {"brief": "render: new", "letter": "render: new"},
        "beta": {"*": "fail"},
        "delta": {"*": "fail"},
    }
    beta = next(i for i in p.items if i.company_id == "beta")
    assert beta.agm == dt.date(2026, 11, 20)
    assert "companies/beta.yaml:" in (beta.error or "") and "severity" in (beta.error or "")


# --------------------------------------------------------------------------- fingerprints


def test_first_run_renders_everything_and_the_second_nothing(ws: Workspace) -> None:
    p = plan(ws)
    assert rendering(p) == {(c, k) for c in COMPANIES for k in ("brief", "letter")}
    assert {d.reason for i in p.items for d in i.documents} == {"new"}
    summary = run(p)
    assert summary.exit_code == 0 and not summary.failed and len(summary.rendered) == 4
    assert (ws.default_out / "alpha" / "brief.pdf").read_bytes().startswith(b"%PDF-fake brief alpha")
    recorded = manifest(ws)["companies"]["alpha"]["documents"]["brief"]
    assert recorded["status"] == "ok" and recorded["as_of"] == AS_OF.isoformat()
    assert set(recorded["outputs"]) == {"alpha/brief.pdf"}

    again = plan(ws)
    assert again.fast and rendering(again) == set()
    second = run(again)
    assert second.exit_code == 0 and second.skipped == sorted(COMPANIES) and not second.results


def test_editing_one_record_renders_only_what_it_changes(ws: Workspace) -> None:
    run(plan(ws))
    # A new name changes alpha's documents but no score: nobody else's documents move.
    write(ws, "alpha", COMPANIES["alpha"].replace("Alpha Motors", "Alpha Motors Group"))
    p = plan(ws)
    assert not p.fast
    assert rendering(p) == {("alpha", "brief"), ("alpha", "letter")}
    assert actions(p)["alpha"]["brief"] == "render: record changed"
    run(p)
    # A heavier allegation moves alpha's score and therefore the peer ranks and medians in
    # every brief; letters use only the company's own questions and stay.
    write(ws, "alpha", company_yaml("Alpha Motors Group", "2026-12-01", severity="severe", allegations=2))
    p = plan(ws)
    assert ("alpha", "letter") in rendering(p) and ("alpha", "brief") in rendering(p)
    others = {(c, k) for c, k in rendering(p) if c != "alpha"}
    assert others and all(k == "brief" for _, k in others)
    assert {actions(p)[c][k] for c, k in others} == {"render: peer ranks or peer practice changed"}


def test_shared_inputs_and_options_name_their_reason(ws: Workspace) -> None:
    run(plan(ws))
    (ws.root / "engage.yaml").write_text(SETTINGS + "prepared_by: Research team\n", encoding="utf-8")
    assert {d.reason for i in plan(ws).items for d in i.documents} == {"engage.yaml changed"}
    run(plan(ws))
    (ws.root / "templates").mkdir()
    (ws.root / "templates" / "brief.css").write_text("h1 { color: red; }\n", encoding="utf-8")
    assert {d.reason for i in plan(ws).items for d in i.documents} == {"templates/ changed"}
    run(plan(ws))
    p = plan(ws, paper="letter")
    assert rendering(p) == {(c, "brief") for c in COMPANIES}
    assert actions(p)["alpha"]["brief"] == "render: options changed"
    p = plan(ws, as_of=AS_OF + dt.timedelta(days=1))
    assert all(d.reason.startswith("as-of date changed") for i in p.items for d in i.documents)
    assert rendering(plan(ws, force=True)) == {(c, k) for c in COMPANIES for k in ("brief", "letter")}


def test_fast_path_is_not_fooled_by_a_run_with_other_options(ws: Workspace) -> None:
    run(plan(ws))
    run(plan(ws, paper="letter"))  # replaces every brief
    p = plan(ws)
    assert not p.fast
    assert rendering(p) == {(c, "brief") for c in COMPANIES}


def test_missing_or_modified_output_is_rendered_again(ws: Workspace) -> None:
    run(plan(ws))
    (ws.default_out / "alpha" / "brief.pdf").unlink()
    (ws.default_out / "beta" / "letter.md").write_bytes(b"edited by hand")
    p = plan(ws)
    assert not p.fast
    assert rendering(p) == {("alpha", "brief"), ("beta", "letter")}
    assert actions(p)["beta"]["letter"] == "render: output missing or modified"


def test_unreadable_manifest_counts_as_none(ws: Workspace) -> None:
    ws.default_out.mkdir()
    (ws.default_out / "manifest.json").write_text("{not json", encoding="utf-8")
    assert {d.reason for i in plan(ws).items for d in i.documents} == {"new"}
    assert run(plan(ws)).exit_code == 0
    assert manifest(ws)["schema"] == MANIFEST_SCHEMA


# --------------------------------------------------------------------------- failures


def test_invalid_record_fails_alone_with_its_first_problem(ws: Workspace) -> None:
    write(ws, "beta", COMPANIES["beta"].replace("severity: low", "severity: lowish"))
    summary = run(plan(ws))
    assert summary.exit_code == 1
    assert [r.company_id for r in summary.failed] == ["beta"]
    assert summary.failed[0].failure_kind == "data"
    assert "companies/beta.yaml:" in (summary.failed[0].reason or "")
    assert {r.company_id for r in summary.rendered} == {"alpha", "gamma", "delta"}
    entry = manifest(ws)["companies"]["beta"]
    assert entry["error"]["kind"] == "data" and "severity" in entry["error"]["message"]
    # Still failing next time (no fast path over a failure), and fine once fixed.
    assert not plan(ws).fast and run(plan(ws)).exit_code == 1
    write(ws, "beta", COMPANIES["beta"])
    # Back among the peers: every brief's ranks change; the others' letters do not.
    assert rendering(plan(ws)) == {("beta", "letter")} | {(c, "brief") for c in COMPANIES}


@pytest.mark.parametrize("marker", ["render-fail", "base-fail"])
def test_failed_render_keeps_the_old_file_and_the_others_go_on(ws: Workspace, marker: str) -> None:
    run(plan(ws))
    old = (ws.default_out / "gamma" / "brief.pdf").read_bytes()
    write(ws, "gamma", COMPANIES["gamma"].replace("Gamma Auto", f"Gamma Auto {marker}"))
    write(ws, "alpha", COMPANIES["alpha"].replace("Alpha Motors", "Alpha Motors Group"))
    summary = run(plan(ws))
    assert summary.exit_code == 3
    assert [r.company_id for r in summary.failed] == ["gamma"]
    assert summary.failed[0].failure_kind == "render"
    assert "brief: " in (summary.failed[0].reason or "")
    assert (ws.default_out / "gamma" / "brief.pdf").read_bytes() == old
    assert (ws.default_out / "alpha" / "brief.pdf").read_bytes().startswith(b"%PDF-fake brief alpha Alpha Motors Group")
    doc = manifest(ws)["companies"]["gamma"]["documents"]["brief"]
    assert doc["status"] == "failed" and doc["outputs"]  # the old good file stays recorded
    assert actions(plan(ws))["gamma"]["brief"] == "render: failed last time"


def test_letters_without_signatories_fail_the_run_once(ws: Workspace) -> None:
    (ws.root / "engage.yaml").write_text("organisation: {name: Example}\n", encoding="utf-8")
    from engage.errors import DataError

    with pytest.raises(DataError, match="no signatories"):
        plan_batch(ws, BatchOptions(as_of=AS_OF, selection=Selection(all=True)))
    # Briefs alone need none.
    assert plan_batch(ws, BatchOptions(as_of=AS_OF, selection=Selection(all=True), kinds=("brief",))).items


def test_a_second_writer_is_refused(ws: Workspace) -> None:
    p = plan(ws)
    with manifest_lock(p.out_dir, None), pytest.raises(RenderError, match="another engage batch") as caught:
        run(p)
    assert caught.value.exit_code == 3  # not a usage error: the same command works once the other run ends


def test_temporary_files_are_swept(tmp_path: Path) -> None:
    (tmp_path / ".brief.pdf.abc123.tmp").write_bytes(b"half")
    (tmp_path / "brief.pdf").write_bytes(b"whole")
    removed = sweep_temporaries([tmp_path])
    assert [p.name for p in removed] == [".brief.pdf.abc123.tmp"]
    assert [p.name for p in tmp_path.iterdir()] == ["brief.pdf"]


# --------------------------------------------------------------------------- shards and manifests


def test_shard_manifests_are_disjoint_and_read_as_one(ws: Workspace) -> None:
    first = run(plan(ws, shard=(1, 2)))
    second = run(plan(ws, shard=(2, 2)))
    assert [i.company_id for i in first.plan.items] == ["alpha", "delta"]
    assert [i.company_id for i in second.plan.items] == ["beta", "gamma"]
    out = ws.default_out
    one = json.loads((out / "manifest.shard-1-of-2.json").read_text())
    two = json.loads((out / "manifest.shard-2-of-2.json").read_text())
    assert set(one["companies"]) == {"alpha", "delta"} and set(two["companies"]) == {"beta", "gamma"}
    assert first.index_files and not second.index_files  # shard 1 keeps the index
    assert not (out / "manifest.json").exists()
    assert set(read_manifest(out)["companies"]) == set(COMPANIES)
    # An unsharded run sees the shards' work as done.
    assert rendering(plan(ws)) == set()
    path, merged = merge_manifests(out)
    assert path.name == "manifest.json" and len(merged) == 2
    assert sorted(p.name for p in out.glob("manifest*.json")) == ["manifest.json"]
    assert set(manifest(ws)["companies"]) == set(COMPANIES)


def test_newest_entry_wins_when_manifests_disagree(ws: Workspace) -> None:
    run(plan(ws, shard=(1, 1)))
    write(ws, "alpha", COMPANIES["alpha"].replace("Alpha Motors", "Alpha Motors Group"))
    run(plan(ws, selection=Selection(ids=("alpha",))))  # newer, in manifest.json
    merged = read_manifest(ws.default_out)
    assert merged["companies"]["alpha"]["name"] == "Alpha Motors Group"
    assert rendering(plan(ws)) == set()


# --------------------------------------------------------------------------- index


def test_index_lists_companies_riskiest_first_with_relative_links_and_escapes(ws: Workspace) -> None:
    write(ws, "delta", company_yaml("Delta <script>alert(1)</script> & Co", severity="severe"))
    summary = run(plan(ws))
    assert summary.index_files == ("index.html", "index.pdf")
    html = (ws.default_out / "index.html").read_text(encoding="utf-8")
    profiles = plan(ws, force=True).profiles
    riskiest = sorted(profiles, key=lambda cid: -profiles[cid].overall.net)
    order = [html.index(f'id="company-{c}"') for c in riskiest]
    assert order == sorted(order)  # the table without its script: riskiest first
    assert 'href="alpha/brief.pdf"' in html and 'href="alpha/letter.md"' in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert (ws.default_out / "index.pdf").read_bytes().startswith(b"%PDF-fake index")
    # Unchanged index: not rendered again.
    write(ws, "alpha", COMPANIES["alpha"].replace("Alpha Motors", "Alpha Motors Group"))
    assert run(plan(ws)).index_files == ("index.html", "index.pdf")  # the name is in the index
    write(ws, "alpha", COMPANIES["alpha"].replace("Alpha Motors", "Alpha Motors Group") + "# comment\n")
    assert run(plan(ws)).index_files == ()


def test_index_view_groups_and_due_for_action(ws: Workspace) -> None:
    write(ws, "delta", "name: Delta Vehicles\ncountry: DE\n")
    p = plan(ws, as_of=dt.date(2026, 11, 25))
    run(plan(ws))
    view = build_index(p, read_manifest(ws.default_out))
    assert [r.company_id for r in view.not_rated] == ["delta"]
    assert {r.company_id for r in view.rated} == {"alpha", "beta", "gamma"}
    nets = [r.net for r in view.rated]
    assert nets == sorted(nets, reverse=True)  # type: ignore[type-var]
    alpha = next(r for r in view.rated if r.company_id == "alpha")
    assert alpha.days_away == 6 and alpha.band and alpha.due == ("AGM in 6 days",)
    assert [r.company_id for r in view.due] == ["alpha"]  # beta's AGM has passed, gamma's is months away
    assert len(alpha.areas) == 13 and alpha.rank is not None and alpha.of == 3


# --------------------------------------------------------------------------- the pool


@pytest.mark.slow
def test_pool_renders_in_worker_processes(ws: Workspace) -> None:
    summary = run(plan(ws, jobs=2), in_process=False)
    assert summary.exit_code == 0 and len(summary.rendered) == 4
    pids = {r.pid for r in summary.rendered}
    assert pids and 0 not in pids and all(r.peak_mb > 0 for r in summary.rendered)
    assert summary.worker_peak_mb == max(r.peak_mb for r in summary.rendered)
    assert manifest(ws)["worker_peak_mb"] > 0
    assert not list(ws.default_out.rglob("*.tmp"))


def test_a_crashing_company_fails_alone_and_the_others_finish(ws: Workspace) -> None:
    write(ws, "beta", COMPANIES["beta"].replace("Beta Cars", "Beta Cars crash"))
    summary = run(plan(ws, jobs=2), in_process=False)
    assert [r.company_id for r in summary.failed] == ["beta"]
    assert "worker process died" in (summary.failed[0].reason or "")
    assert {r.company_id for r in summary.rendered} == {"alpha", "gamma", "delta"}
    assert summary.exit_code == 3


def test_workers_are_recycled_when_memory_grows(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "RECYCLE_MB", 0.0)
    summary = run(plan(ws, jobs=1, index=False), in_process=False)
    assert summary.exit_code == 0
    assert len({r.pid for r in summary.results}) >= 2  # a fresh worker after every two companies


# --------------------------------------------------------------------------- agenda


def test_agenda_states(ws: Workspace) -> None:
    rows = agenda(ws, AS_OF, 200, registry=FAKE_KINDS)
    assert [(r.company_id, r.state) for r in rows] == [("beta", "missing"), ("alpha", "missing"), ("gamma", "missing")]
    run(plan(ws))
    rows = agenda(ws, AS_OF, 200, registry=FAKE_KINDS)
    assert {r.state for r in rows} == {"up to date"}
    assert rows[0].days_away == 19 and rows[0].documents_as_of == AS_OF and rows[0].band
    # Judged against the date they were made for: a later agenda still calls them up to date.
    assert {r.state for r in agenda(ws, AS_OF + dt.timedelta(days=7), 200, registry=FAKE_KINDS)} == {"up to date"}
    (ws.default_out / "alpha" / "brief.pdf").unlink()  # a file that is gone is missing, not stale
    assert {r.company_id: r.state for r in agenda(ws, AS_OF, 200, registry=FAKE_KINDS)}["alpha"] == "missing"
    run(plan(ws))
    write(ws, "alpha", COMPANIES["alpha"].replace("Alpha Motors", "Alpha Motors Group"))
    write(ws, "gamma", COMPANIES["gamma"].replace("Gamma Auto", "Gamma Auto render-fail"))
    run(plan(ws, selection=Selection(ids=("gamma",))))
    write(ws, "beta", COMPANIES["beta"].replace("severity: low", "severity: lowish"))
    rows = {r.company_id: r for r in agenda(ws, AS_OF, 200, registry=FAKE_KINDS)}
    assert rows["alpha"].state == "stale" and "record changed" in rows["alpha"].detail
    assert rows["gamma"].state == "failed last time" and "boom" in rows["gamma"].detail
    assert rows["beta"].state == "invalid record"


# --------------------------------------------------------------------------- the index, reviewed


class CapturingRenderer:
    """Keeps the HTML the index PDF is made from."""

    def __init__(self) -> None:
        self.html = ""

    def render(self, html: str, **kwargs: object) -> object:
        self.html = html
        return SimpleNamespace(pdf=b"%PDF-captured")


def index_html(p: Plan) -> tuple[str, str]:
    """Return (standalone index.html, the HTML the PDF is made from) of a finished run."""
    view = build_index(p, read_manifest(p.out_dir))
    renderer = CapturingRenderer()
    assert p.context is not None
    out = render_index(view, p.context, renderer)
    return out["index.html"].decode("utf-8"), renderer.html


def test_index_links_the_documents_relatively_in_the_html_and_the_pdf(ws: Workspace) -> None:
    run(plan(ws))
    html, for_pdf = index_html(plan(ws, force=True))
    for page in (html, for_pdf):  # the PDF keeps them relative (test_dashboard reads them back from a PDF)
        assert 'href="alpha/brief.pdf" title="Brief (PDF)">Brief</a>' in page
        assert 'href="alpha/letter.md" title="Letter (text)">Text</a>' in page
    assert "the links point into the folder that holds this index" in for_pdf
    assert "<script" not in for_pdf and "<script>" in html


def test_index_gives_the_reader_no_instruction_for_the_records_keeper(ws: Workspace) -> None:
    for cid in ("alpha", "beta", "gamma"):
        write(ws, cid, COMPANIES[cid].replace("agm: ", "# agm: "))
    run(plan(ws))
    html, for_pdf = index_html(plan(ws, force=True))
    for page in (html, for_pdf):
        assert "YYYY-MM-DD" not in page and "to a company's record" not in page
        row = page.split('id="company-alpha"')[1].split("</tr>")[0]
        assert '<td class="agm" data-v="">–</td>' in row


@pytest.mark.slow
def test_index_pdf_has_one_header_and_one_footer_per_page() -> None:
    """Sixty companies: two pages at least, landscape, the table header repeated, the footer on every page."""
    import random

    from profile_factories import synthetic_company
    from pypdf import PdfReader

    from engage.documents.dashboard import build_dashboard, dashboard_row
    from engage.documents.pdf import Renderer
    from engage.profile import compile_profiles, load_weights
    from engage.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(None)
    companies = [synthetic_company(random.Random(i), i, 6) for i in range(60)]
    profiles = compile_profiles(companies, taxonomy, AS_OF, load_weights(None))
    rows = [
        dashboard_row(
            c.id, c.name, profiles[c.id], as_of=AS_OF, links=(IndexLink("Letter (PDF)", f"{c.id}/letter.pdf"),)
        )
        for c in companies
    ]
    view = build_dashboard(rows, taxonomy, AS_OF, lang="en-GB", author="Example Stewardship")
    context = SimpleNamespace(templates_dir=None, paper="a4")
    pdf = render_index(view, context, Renderer())["index.pdf"]  # type: ignore[arg-type]
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # landscape
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    assert "Portfolio dashboard · 1 November 2026" not in pages[0]  # the kicker says it, upper case
    for number, text in enumerate(pages, start=1):
        assert text.count(f"engage {__version__} · as of 2026-11-01") == 1, f"page {number}"
        assert "Overall" in text and "Engagement" in text, f"page {number}: the table header is repeated"
    for text in pages[1:]:
        assert "Portfolio dashboard · 1 November 2026" in text  # the running header
    assert any(f"{companies[-1].name}" in " ".join(text.split()) for text in pages)


def test_the_lock_file_stays_and_says_what_it_is(ws: Workspace) -> None:
    run(plan(ws))
    lock = ws.default_out / ".manifest.json.lock"
    text = lock.read_text(encoding="utf-8")
    assert text.startswith("engage batch lock for manifest.json")
    assert "safe to delete when no batch is running" in text
    run(plan(ws, shard=(2, 2)))
    assert (
        (ws.default_out / ".manifest.shard-2-of-2.json.lock")
        .read_text()
        .startswith("engage batch lock for manifest.shard-2-of-2.json")
    )
    run(plan(ws, force=True))  # a second run reuses it
    assert lock.read_text(encoding="utf-8") == text


def test_a_company_with_nothing_on_record_is_not_rated_in_the_index(ws: Workspace) -> None:
    write(ws, "delta", "name: Delta Vehicles\ncountry: DE\n")
    run(plan(ws))
    rendered = plan(ws, force=True)
    html, for_pdf = index_html(rendered)
    for page in (html, for_pdf):
        row = page.split('id="company-delta"')[1].split("</tr>")[0]
        assert "not rated" in row and "heat-low" not in row and ">0.0<" not in row
    for p in (rendered, plan(ws)):  # and from the manifest on the fast path (agenda shows it)
        assert next(i for i in p.items if i.company_id == "delta").band == "not-rated"


# --------------------------------------------------------------------------- what the CLI reads


def test_engine_fingerprint_covers_every_module_of_the_package() -> None:
    """An engine change anywhere (subpackages included) must re-render: the package is walked, not listed."""
    package = Path(engine_files.__code__.co_filename).resolve().parent.parent
    expected = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "__pycache__" not in p.parts and p.relative_to(package).parts[0] != "cli"
    }
    names = {name for name, _ in engine_files()}
    assert expected <= names
    assert {"batch/plan.py", "batch/worker.py", "batch/__init__.py"} <= names
    assert not any(name.startswith("cli/") for name in names)  # the CLI chooses options, not bytes
    assert any(name.startswith("resources/") and not name.endswith(".py") for name in names)


def test_options_refuse_a_deadline_not_after_the_letter_date_before_the_selection(ws: Workspace) -> None:
    bad = BatchOptions(as_of=AS_OF, selection=Selection(), respond_by=AS_OF)
    with pytest.raises(UsageError, match="--respond-by 2026-11-01 is not after the letter date 2026-11-01"):
        plan_batch(ws, bad, kinds=FAKE_KINDS)


def test_the_summary_groups_failures_and_counts_files(ws: Workspace) -> None:
    for cid in ("alpha", "beta", "gamma", "delta"):
        write(ws, cid, company_yaml(f"{cid.title()} render-fail"))
    summary = run(plan(ws))
    assert summary.failure_groups() == [
        ("alpha, beta, delta and 1 more", "brief: template error in brief.html.j2: boom")
    ]
    assert summary.failure_kinds == {"render": 4}
    assert summary.files_written == 0 and summary.exit_code == 3
    write(ws, "alpha", company_yaml("Alpha Motors"))
    one = run(plan(ws, selection=Selection(ids=("alpha",))))
    assert one.files_written == 2 and one.failure_groups() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_whose_parent_is_the_batch_asks_to_die_with_it() -> None:
    probe = (
        "import ctypes, os, sys\n"
        "from engage.batch.worker import _die_with_parent\n"
        "_die_with_parent(int(sys.argv[1]))\n"
        "sig = ctypes.c_int()\n"
        "ctypes.CDLL(None).prctl(2, ctypes.byref(sig), 0, 0, 0)  # PR_GET_PDEATHSIG\n"
        "print(sig.value)\n"
    )
    # Its parent is the batch (spawn): SIGKILL when the batch dies. Under forkserver the parent
    # is the fork server, whose death says nothing about the batch: no signal is asked for.
    for parent, expected in ((os.getpid(), "9"), (1, "0")):
        done = subprocess.run([sys.executable, "-c", probe, str(parent)], capture_output=True, text=True)
        assert (done.returncode, done.stdout.strip()) == (0, expected), done.stderr


def test_sigterm_and_ctrl_c_have_their_own_exit_codes(ws: Workspace) -> None:
    p = plan(ws)
    assert BatchSummary(p, interrupted=True).exit_code == 130
    assert BatchSummary(p, interrupted=True, terminated=True).exit_code == 143
    assert BatchSummary(p, interrupted=True, terminated=True).to_dict()["terminated"] is True


def test_plan_counts_and_agenda_rows_as_json(ws: Workspace) -> None:
    write(ws, "delta", "name: [broken\n")
    p = plan(ws)
    assert p.counts == {"render": 3, "fail": 1}
    run(p)
    assert plan(ws).counts["skip"] == 3
    rows = agenda(ws, AS_OF, 60, registry=FAKE_KINDS)
    # delta's AGM cannot be read from its broken record: it is reported, not left out.
    assert [r.to_dict()["company"] for r in rows] == ["beta", "alpha", "delta"]
    assert rows[0].to_dict() == {
        "company": "beta",
        "name": "Beta Cars",
        "agm": "2026-11-20",
        "agm_expected": False,
        "days_away": 19,
        "band": rows[0].band,
        "state": "up to date",
        "detail": "",
        "documents_as_of": "2026-11-01",
        "engagement": {
            "state": "none",
            "last_letter": None,
            "respond_by": None,
            "next_step": None,
            "next_deadline": None,
        },
        "listed_for": "agm",
    }
