"""The worker pool: warm workers fed a few tasks ahead, retired when their memory grows, stopped on Ctrl-C or SIGTERM.

Workers end with the batch however it ends: each holds the read end of a pipe only the
batch writes to (``WorkerPool.alive``), and exits when that pipe closes, which the kernel
does when the batch exits or is killed. The fork server follows once its last worker is
gone (every worker holds its end of the server's own pipe), and the resource tracker after it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .kinds import DocumentKind, RenderContext
from .plan import Plan, PlanItem
from .results import BatchSummary, CompanyResult
from .worker import init_worker, one_line, render_task, task_for

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future, ProcessPoolExecutor

#: A worker whose resident memory passes this is retired (the pool is replaced between tasks).
#: WeasyPrint's native caches grow about 1 MB a document and each retirement costs a drain
#: and a cold start, so the mark sits under issue 8's 300 MB ceiling but not far below: a
#: worker's peak is this plus one company's documents (about 5 MB on 14-page briefs).
RECYCLE_MB = 275.0
#: After Ctrl-C or SIGTERM, documents already being rendered get this long to finish before workers are stopped.
INTERRUPT_GRACE_SECONDS = 2.0
#: The signals that stop a run (and are held back while the manifest is written).
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """Raised in the batch by SIGTERM (docker stop, systemd, a cancelled CI job): stops the run as Ctrl-C does."""


def _make_proxy(data: dict[str, Any]) -> MappingProxyType[str, Any]:
    """Wrap a mapping that arrived in a worker read-only again."""
    return MappingProxyType(data)


def _reduce_proxy(proxy: MappingProxyType[str, Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """Send a read-only mapping as a plain copy."""
    return _make_proxy, (dict(proxy),)


def _register_pickling() -> None:
    """Teach multiprocessing (only it, not pickle at large) to send read-only mappings to workers.

    Profiles and weights keep their factors in ``MappingProxyType``, which pickle refuses;
    a copy of the mapping, wrapped again on arrival, is what a worker needs.
    """
    # multiprocessing loads only when a pool starts: an up-to-date run never starts one.
    from multiprocessing.reduction import ForkingPickler

    ForkingPickler.register(MappingProxyType, _reduce_proxy)


def _mp_context() -> Any:
    """Return the start method: forkserver (workers fork from a clean server with WeasyPrint preloaded).

    fork would copy the parent's threads and memory (all profiles) into every worker;
    spawn re-imports WeasyPrint in every worker. forkserver does neither.
    """
    import multiprocessing  # loaded only when a pool starts: an up-to-date run never starts one

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class WorkerPool:
    """A ProcessPoolExecutor replaced wholesale when a worker's memory passes RECYCLE_MB.

    Python 3.11's ``max_tasks_per_child`` can deadlock with queued work (CPython gh-115634),
    so workers are retired here instead: stop feeding the pool, let it drain, start a new one.
    """

    def __init__(
        self,
        jobs: int,
        context: RenderContext,
        kinds: Mapping[str, DocumentKind],
        renderer_factory: Callable[[Path | None], Any] | None,
        preload: Sequence[str],
    ) -> None:
        self.jobs = jobs
        self.initargs = (context, dict(kinds), renderer_factory)
        self.preload = list(preload)
        self.executor: ProcessPoolExecutor | None = None
        self.generations = 0
        self._workers: dict[int, Any] = {}
        #: The pipe whose closing tells workers the batch is gone: (read end for workers, write end kept here).
        self._alive: tuple[Any, Any] | None = None

    def get(self) -> ProcessPoolExecutor:
        """Return the running executor, starting a new generation of workers when there is none."""
        if self.executor is None:
            from concurrent.futures import ProcessPoolExecutor  # loads multiprocessing: only when a pool starts

            _register_pickling()
            ctx = _mp_context()
            if self.preload and ctx.get_start_method() == "forkserver":
                ctx.set_forkserver_preload(self.preload)
            if self._alive is None:
                # Only this process ever holds the write end (its descriptors are not inherited, and
                # forkserver and spawn workers receive only what is pickled for them).
                self._alive = ctx.Pipe(duplex=False)
            initargs = (*self.initargs, True, self._alive[0], os.getpid())
            self.executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=ctx, initializer=init_worker, initargs=initargs
            )
            self.generations += 1
        return self.executor

    def close(self) -> None:
        """Close the liveness pipe: any worker still running exits by itself (call after ``terminate``/``discard``)."""
        if self._alive is not None:
            for end in self._alive:
                with contextlib.suppress(OSError):
                    end.close()
            self._alive = None

    def retire(self) -> None:
        """Let the current workers finish and stop them; the next ``get`` starts fresh ones."""
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
        self._workers = {}

    def discard(self) -> None:
        """Drop a broken executor without waiting on it."""
        if self.executor is not None:
            self._snapshot()
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None

    def _snapshot(self) -> list[Any]:
        """Return the workers of the current executor, remembered across its shutdown.

        No public API lists them; ``_processes`` is stable from 3.8 through 3.13, but
        ``shutdown()`` sets it to None, so it must be read before.
        """
        if self.executor is not None:
            for pid, process in (getattr(self.executor, "_processes", None) or {}).items():
                self._workers[pid] = process
        return list(self._workers.values())

    def cancel_queued(self) -> None:
        """Cancel the tasks not yet started; running ones go on (terminate() stops them)."""
        if self.executor is not None:
            self._snapshot()
            self.executor.shutdown(wait=False, cancel_futures=True)

    def terminate(self) -> None:
        """Stop every worker now (SIGTERM; a worker writes no file, so it simply exits)."""
        processes = self._snapshot()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self._workers = {}
        for p in processes:
            with contextlib.suppress(Exception):
                p.terminate()
        deadline = time.monotonic() + 2.0
        for p in processes:
            with contextlib.suppress(Exception):
                p.join(max(0.0, deadline - time.monotonic()))
                if p.is_alive():
                    p.kill()
        self.executor = None


def sweep_temporaries(folders: Iterable[Path]) -> list[Path]:
    """Remove write_atomic's leftovers (``.<name>.<random>.tmp``) in ``folders``; return what was removed."""
    removed = []
    for folder in set(folders):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file():
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed.append(p)
    return removed


def default_jobs(jobs: int | None, work: int) -> int:
    """Return how many workers to start: ``jobs`` (default the CPU count), never more than the work, at least one."""
    n = jobs if jobs is not None and jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(n, work)) if work else 1


@contextlib.contextmanager
def sigterm_interrupts(received: list[int]) -> Iterator[None]:
    """Make SIGTERM stop the run as Ctrl-C does (raise ``Terminated``, noted in ``received``), then restore the handler.

    Without it SIGTERM kills the batch outright: no summary, no manifest, a leaked semaphore.
    Signal handlers belong to the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        received.append(signum)
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def interrupts_deferred(caught: list[int] | None = None) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while the manifest is written (half a write would lose the run's record).

    The signals that arrived meanwhile are appended to ``caught``; the run is ending anyway.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = [] if caught is None else caught
    previous = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_pool(
    pool: WorkerPool,
    plan: Plan,
    work: Sequence[PlanItem],
    finish: Callable[[CompanyResult], None],
    touched: set[Path],
    summary: BatchSummary,
) -> None:
    """Feed the pool a few tasks ahead of the workers, retire it when memory grows, stop on Ctrl-C or SIGTERM.

    When a worker dies (a crash in a C library, the out-of-memory killer), every task in
    flight fails with it and nobody knows which one did it: each is retried once, alone in
    a fresh pool, so only the culprit is reported as failed.
    """
    # concurrent.futures and multiprocessing load only when there is work for a pool.
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool  # brings multiprocessing: the same reason

    pending = deque(work)
    in_flight: dict[Future[CompanyResult], PlanItem] = {}
    suspects: set[str] = set()
    retiring = False
    ahead = pool.jobs * 2  # one queued task per worker keeps it busy while a result travels back

    def submit(item: PlanItem) -> None:
        touched.add(plan.out_dir / item.company_id)
        task = task_for(plan, item)
        try:
            future = pool.get().submit(render_task, task)
        except BrokenProcessPool:  # broke before any of its futures told us
            pool.discard()
            future = pool.get().submit(render_task, task)
        in_flight[future] = item

    try:
        while pending or in_flight:
            while pending and not retiring and len(in_flight) < ahead:
                if any(i.company_id in suspects for i in in_flight.values()):
                    break  # a suspect runs alone
                if pending[0].company_id in suspects and in_flight:
                    break
                submit(pending.popleft())
            completed, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            broken = False
            for future in completed:
                item = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if item.company_id not in suspects:
                        suspects.add(item.company_id)
                        pending.appendleft(item)
                        continue
                    result = CompanyResult(
                        item.company_id,
                        error="the worker process died while rendering it (a crash or out of memory)",
                        error_kind="render",
                    )
                except Exception as exc:  # a result that could not travel back (pickling)
                    result = CompanyResult(item.company_id, error=one_line(exc), error_kind="render")
                suspects.discard(item.company_id)
                finish(result)
                if result.rss_mb > RECYCLE_MB:
                    retiring = True
            if broken:
                pool.discard()
            if retiring and not in_flight:
                pool.retire()
                retiring = False
    except KeyboardInterrupt:
        summary.interrupted = True
        _drain(pool, in_flight, finish)


def _drain(
    pool: WorkerPool, in_flight: dict[Future[CompanyResult], PlanItem], finish: Callable[[CompanyResult], None]
) -> None:
    """After Ctrl-C or SIGTERM: cancel queued tasks, give running ones a moment to finish, then stop the workers."""
    from concurrent.futures import wait  # loaded already: a pool was running

    pool.cancel_queued()
    running = [f for f in in_flight if not f.cancelled()]
    try:
        completed, _ = wait(running, timeout=INTERRUPT_GRACE_SECONDS)
        for future in completed:
            if future.cancelled() or future.exception() is not None:
                continue
            finish(future.result())
    except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM: stop now
        pass
    pool.terminate()
