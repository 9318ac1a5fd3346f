"""A batch run: render the plan's stale documents in the pool, keep the manifest and the index.

One company's failure never stops the others; Ctrl-C and SIGTERM stop promptly and the
manifest keeps what finished. Workers only render: this process writes every file, under the
run's lock, so nothing reaches the output folder once the run is over. The summary decides
the exit code.
"""

from __future__ import annotations

import dataclasses
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import RenderError
from ..output import write_atomic
from .fingerprint import sha256_hex
from .index import build_index, index_fingerprint
from .manifest import manifest_lock, now_iso, outputs_intact, write_manifest
from .plan import Plan, PlanItem
from .pool import WorkerPool, default_jobs, interrupts_deferred, run_pool, sigterm_interrupts, sweep_temporaries
from .results import BatchEvent, BatchSummary, CompanyResult, DocumentResult, OutputFile
from .worker import index_task, init_worker, render_task, task_for


def _default_renderer(templates_dir: Path | None) -> Any:
    """Return engage's PDF renderer (fonts and stylesheets set up once), made in each worker."""
    # WeasyPrint loads in the workers that render, never in the planning parent.
    from ..documents.pdf import Renderer

    return Renderer(templates_dir)


def run_batch(
    plan: Plan,
    *,
    on_event: Callable[[BatchEvent], None] | None = None,
    renderer_factory: Callable[[Path | None], Any] | None = None,
    clock: Callable[[], float] = time.time,
    in_process: bool = False,
) -> BatchSummary:
    """Render the plan's stale documents, update the manifest and the index; return the summary.

    Raises only for problems that concern the whole run (the output folder cannot be
    written, another run holds it). KeyboardInterrupt is absorbed: the summary then says
    ``interrupted``, the manifest holds what finished and no temporary file is left. While
    the run holds its lock, SIGTERM (in the main thread) does the same as Ctrl-C and the
    summary also says ``terminated``.
    ``in_process`` renders in this process (tests, debugging) instead of a pool.
    ``renderer_factory`` makes each worker's renderer (default: engage.documents.pdf.Renderer); it is
    called only when a chosen document kind or the index needs one.
    """
    emit = on_event or (lambda event: None)
    started = time.perf_counter()
    summary = BatchSummary(plan)
    if plan.fast:
        summary.skipped = [i.company_id for i in plan.items]
        emit(BatchEvent("planned", total=0, plan=plan))
        summary.seconds = time.perf_counter() - started
        return summary

    options, out_dir, manifest = plan.options, plan.out_dir, plan.manifest
    items = {i.company_id: i for i in plan.items}
    work = plan.to_render
    invalid = [i for i in plan.items if i.action == "fail"]
    summary.skipped = [i.company_id for i in plan.items if i.action == "skip"]
    total = len(work) + len(invalid)
    emit(BatchEvent("planned", total=total, plan=plan))
    assert plan.context is not None
    factory: Callable[[Path | None], Any] | None = renderer_factory or _default_renderer
    if not (plan.writes_index or any(k.needs_renderer for k in plan.kinds.values())):
        factory = None
    pool = WorkerPool(default_jobs(options.jobs, len(work)), plan.context, plan.kinds, factory, _preload(factory))
    summary.workers = 0 if in_process or not work else pool.jobs
    touched: set[Path] = {out_dir}
    peaks: list[float] = []
    at = now_iso(clock)
    for item in plan.items:
        if item.action == "skip":
            _record(manifest, item, None, plan, at)

    def finish(result: CompanyResult) -> None:
        result = _write_outputs(out_dir, result)
        summary.results.append(result)
        if result.peak_mb:
            peaks.append(result.peak_mb)
        _record(manifest, items[result.company_id], result, plan, now_iso(clock))
        emit(BatchEvent("done", total=total, done=len(summary.results), result=result))

    signals: list[int] = []
    with manifest_lock(out_dir, options.shard), sigterm_interrupts(signals):
        try:
            for item in invalid:
                finish(CompanyResult(item.company_id, error=item.error, error_kind="data"))
            if in_process:
                init_worker(plan.context, plan.kinds, factory, own_signals=False)
                for item in work:
                    touched.add(out_dir / item.company_id)
                    finish(render_task(task_for(plan, item)))
            else:
                run_pool(pool, plan, work, finish, touched, summary)
            if plan.writes_index and not summary.interrupted:
                emit(BatchEvent("index", total=total, done=len(summary.results)))
                _write_index(plan, manifest, pool, summary, in_process, clock)
        except KeyboardInterrupt:
            summary.interrupted = True
            emit(BatchEvent("interrupting", message="terminated" if signal.SIGTERM in signals else "interrupted"))
            pool.terminate()
        finally:
            with interrupts_deferred(signals):
                pool.discard()
                pool.close()
                summary.terminated = summary.interrupted and signal.SIGTERM in signals
                sweep_temporaries(touched)
                finished = {r.company_id for r in summary.results}
                summary.not_started = [i.company_id for i in work if i.company_id not in finished]
                if not summary.interrupted:
                    _record_run(manifest, plan, now_iso(clock))
                summary.worker_peak_mb = max(peaks) if peaks else None
                if summary.worker_peak_mb is not None:
                    manifest["worker_peak_mb"] = round(summary.worker_peak_mb, 1)
                summary.manifest_path = write_manifest(out_dir, _own_entries(manifest, plan), options.shard)
    summary.seconds = time.perf_counter() - started
    return summary


def _preload(factory: Callable[[Path | None], Any] | None) -> list[str]:
    """Return the modules the fork server loads once, so each new worker starts with them imported."""
    if factory is not _default_renderer:
        return ["engage.batch"]
    return [
        "engage.batch",
        "weasyprint",
        "engage.documents.pdf",
        "engage.documents.brief_writer",
        "engage.documents.letter_files",
        "jinja2",
    ]


def _write_outputs(out_dir: Path, result: CompanyResult) -> CompanyResult:
    """Write the files a worker rendered; return the result without their bytes (a failed write fails its document)."""
    documents = []
    for doc in result.documents:
        if doc.contents:
            try:
                for output, data in zip(doc.outputs, doc.contents, strict=True):
                    write_atomic(out_dir / output.path, data)
            except RenderError as exc:
                doc = DocumentResult(doc.kind, error=str(exc), error_kind="render", seconds=doc.seconds)
        documents.append(dataclasses.replace(doc, contents=()))
    return dataclasses.replace(result, documents=tuple(documents))


def _record_run(manifest: dict[str, Any], plan: Plan, at: str) -> None:
    """Keep the run's record for the fast path: its input digest and the fingerprints it left per company."""
    manifest.setdefault("runs", {})[plan.options.run_key()] = {
        "inputs": plan.inputs.digest,
        "companies": {
            item.company_id: {
                k: d.get("fingerprint")
                for k, d in (manifest["companies"].get(item.company_id, {}).get("documents") or {}).items()
                if k in plan.kinds
            }
            for item in plan.items
        },
        "at": at,
    }


def _record(manifest: dict[str, Any], item: PlanItem, result: CompanyResult | None, plan: Plan, at: str) -> None:
    """Update the manifest entry of one company from its plan item and (when rendered) its result."""
    companies = manifest.setdefault("companies", {})
    old = companies.get(item.company_id) or {}
    entry: dict[str, Any] = {
        "name": item.name,
        "agm": item.agm.isoformat() if item.agm else None,
        "agm_expected": item.agm_expected,  # the fast path of the next run shows it labelled as an estimate
        "band": item.band,
        "net": item.net,
        "updated": at,
        "error": None,
        "documents": dict(old.get("documents") or {}),
    }
    if item.error is not None:
        entry["error"] = {"kind": "data", "message": item.error}
        entry["band"] = entry["net"] = None
        companies[item.company_id] = entry
        return
    results = {d.kind: d for d in result.documents} if result is not None else {}
    for doc in item.documents:
        if doc.action == "skip":
            entry["documents"][doc.kind] = {**entry["documents"].get(doc.kind, {}), "parts": dict(doc.parts)}
            continue
        outcome = results.get(doc.kind)
        if outcome is not None and outcome.ok:
            entry["documents"][doc.kind] = {
                "status": "ok",
                "fingerprint": doc.fingerprint,
                "parts": dict(doc.parts),
                "as_of": plan.options.as_of.isoformat(),
                "outputs": {o.path: {"sha256": o.sha256, "size": o.size} for o in outcome.outputs},
                "seconds": round(outcome.seconds, 3),
                "at": at,
            }
        elif result is not None:
            previous = entry["documents"].get(doc.kind, {})
            message = outcome.error if outcome is not None else result.error
            kind = outcome.error_kind if outcome is not None else result.error_kind
            entry["documents"][doc.kind] = {
                "status": "failed",
                "error": {"kind": kind, "message": message},
                "as_of": previous.get("as_of"),
                "outputs": previous.get("outputs", {}),  # the old good files survive a failed render
                "parts": previous.get("parts", {}),
                "at": at,
            }
    if result is not None:
        entry["seconds"] = round(result.seconds, 3)
        entry["worker_peak_mb"] = round(result.peak_mb, 1)
    companies[item.company_id] = entry


def _own_entries(manifest: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Return the manifest to write: all of it, or for a shard only its own companies (shard files stay disjoint)."""
    if plan.options.shard is None:
        return manifest
    own = {i.company_id for i in plan.items}
    key = plan.options.run_key()
    return {
        **manifest,
        "companies": {cid: e for cid, e in manifest["companies"].items() if cid in own},
        "runs": {k: v for k, v in (manifest.get("runs") or {}).items() if k == key},
        "index": manifest.get("index") if plan.writes_index else None,
    }


def _write_index(
    plan: Plan,
    manifest: dict[str, Any],
    pool: WorkerPool,
    summary: BatchSummary,
    in_process: bool,
    clock: Callable[[], float],
) -> None:
    """Render the index when its content changed (or its files went missing), in a warm worker."""
    view = build_index(plan, manifest)
    fingerprint = index_fingerprint(view, plan)
    old = manifest.get("index") or {}
    if (
        not plan.options.force
        and old.get("fingerprint") == fingerprint
        and outputs_intact(plan.out_dir, old.get("outputs") or {})
    ):
        return
    if in_process:
        files, error = index_task(view)
    else:
        files, error = pool.get().submit(index_task, view).result()
    outputs = []
    try:
        for name, data in files.items():
            write_atomic(plan.out_dir / name, data)
            outputs.append(OutputFile(name, sha256_hex(data), len(data)))
    except RenderError as exc:
        error = error or str(exc)
    if error is not None:
        summary.index_error = error
        return
    summary.index_files = tuple(o.path for o in outputs)
    manifest["index"] = {
        "fingerprint": fingerprint,
        "outputs": {o.path: {"sha256": o.sha256, "size": o.size} for o in outputs},
        "at": now_iso(clock),
    }
