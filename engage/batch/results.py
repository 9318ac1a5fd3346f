"""What a batch run reports: files written, each company's outcome, progress events and the summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .plan import Plan


@dataclass(frozen=True)
class OutputFile:
    """A file a worker wrote, relative to the output folder."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class DocumentResult:
    """How one document went: its files, or the error (kind 'data' or 'render').

    A worker only renders: ``contents`` carries the bytes of each output back to the parent,
    which writes them (under the run's lock) and drops them. A worker never writes, so a
    worker outliving its parent for a moment cannot touch the output folder.
    """

    kind: str
    outputs: tuple[OutputFile, ...] = ()
    error: str | None = None
    error_kind: str | None = None
    seconds: float = 0.0
    contents: tuple[bytes, ...] = field(default=(), repr=False, compare=False)
    #: What the sender should know about a written document (a character printed as a box...).
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Return True when the document was written."""
        return self.error is None


@dataclass(frozen=True)
class CompanyResult:
    """How one company went, with the worker's memory after the task (VmRSS, VmHWM in MB)."""

    company_id: str
    documents: tuple[DocumentResult, ...] = ()
    error: str | None = None  # a company-level failure: invalid record, or a worker that died
    error_kind: str | None = None  # 'data' | 'render'
    seconds: float = 0.0
    pid: int = 0
    rss_mb: float = 0.0
    peak_mb: float = 0.0

    @property
    def ok(self) -> bool:
        """Return True when every document was written."""
        return self.error is None and all(d.ok for d in self.documents)

    @property
    def reason(self) -> str | None:
        """Return the first failure in words, or None."""
        if self.error is not None:
            return self.error
        for d in self.documents:
            if d.error is not None:
                return f"{d.kind}: {d.error}"
        return None

    @property
    def failure_kind(self) -> str | None:
        """Return 'render' if any failure was a render failure, 'data' if only data failures, else None."""
        kinds = {self.error_kind} if self.error is not None else set()
        kinds |= {d.error_kind for d in self.documents if d.error is not None}
        if not kinds:
            return None
        return "render" if "render" in kinds else "data"


@dataclass(frozen=True)
class BatchEvent:
    """Something the CLI may show: 'planned', 'done' (a company), 'index', 'interrupting' (message: by what)."""

    kind: str
    total: int = 0
    done: int = 0
    result: CompanyResult | None = None
    plan: Plan | None = None
    message: str = ""


@dataclass
class BatchSummary:
    """The outcome of a run; ``exit_code`` is 0, 1 (data errors only), 3 (a render failed), 130 or 143."""

    plan: Plan
    results: list[CompanyResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    interrupted: bool = False
    terminated: bool = False  # interrupted by SIGTERM rather than Ctrl-C
    seconds: float = 0.0
    worker_peak_mb: float | None = None
    index_files: tuple[str, ...] = ()
    index_error: str | None = None
    manifest_path: Path | None = None
    not_started: list[str] = field(default_factory=list)
    workers: int = 0

    @property
    def rendered(self) -> list[CompanyResult]:
        """Return the companies whose documents were all written."""
        return [r for r in self.results if r.ok]

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """Return (company, warning) about the documents written, in the order done; once per company.

        A warning that starts with the file it is about ("brief.pdf: ...") and is the same for
        another file of the company ("letter.pdf: ...", the same character printed as a box)
        is said once, naming both files.
        """
        merged: dict[tuple[str, str], list[str]] = {}
        for r in self.results:
            for d in r.documents:
                for w in d.warnings if d.ok else ():
                    name, sep, rest = w.partition(": ")
                    is_file = bool(sep) and "." in name and " " not in name
                    merged.setdefault((r.company_id, rest if is_file else w), []).append(name if is_file else "")
        return [
            (company, f"{', '.join(dict.fromkeys(files))}: {text}" if all(files) else text)
            for (company, text), files in merged.items()
        ]

    @property
    def failed(self) -> list[CompanyResult]:
        """Return the companies that failed (invalid record or a failed document)."""
        return [r for r in self.results if not r.ok]

    @property
    def files_written(self) -> int:
        """Return how many files the rendered companies' documents wrote."""
        return sum(len(d.outputs) for r in self.rendered for d in r.documents)

    @property
    def failure_kinds(self) -> Counter[str | None]:
        """Return how many companies failed for bad data ('data') and how many in rendering ('render')."""
        return Counter(r.failure_kind for r in self.failed)

    def failure_groups(self, shown: int = 3) -> list[tuple[str, str]]:
        """Return (companies, reason) rows; companies failing for one reason share a row ('a, b, c and 4 more')."""
        by_reason: dict[str, list[str]] = {}
        for r in self.failed:
            by_reason.setdefault(r.reason or "failed", []).append(r.company_id)
        rows = []
        for reason, ids in by_reason.items():
            label = ", ".join(ids) if len(ids) <= shown else f"{', '.join(ids[:shown])} and {len(ids) - shown} more"
            rows.append((label, reason))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as plain JSON values (``engage batch --json``)."""
        return {
            "exit_code": self.exit_code,
            "interrupted": self.interrupted,
            "terminated": self.terminated,
            "counts": {
                "rendered": len(self.rendered),
                "skipped": len(self.skipped),
                "failed": len(self.failed),
                "not_done": len(self.not_started),
                "files": self.files_written,
            },
            "rendered": [
                {
                    "company": r.company_id,
                    "files": [o.path for d in r.documents for o in d.outputs],
                    "seconds": round(r.seconds, 3),
                }
                for r in self.rendered
            ],
            "failed": [
                {
                    "company": r.company_id,
                    "kind": r.failure_kind,
                    "reason": r.reason,
                    "files": [o.path for d in r.documents if d.ok for o in d.outputs],
                }
                for r in self.failed
            ],
            "warnings": [{"company": company, "message": message} for company, message in self.warnings],
            "skipped": list(self.skipped),
            "not_done": list(self.not_started),
            "index": {"files": list(self.index_files), "error": self.index_error},
            "manifest": str(self.manifest_path) if self.manifest_path else None,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "worker_peak_mb": round(self.worker_peak_mb, 1) if self.worker_peak_mb is not None else None,
        }

    @property
    def exit_code(self) -> int:
        """Return 143 if stopped by SIGTERM, 130 by Ctrl-C, 3 if a render failed, 1 if only data was bad, else 0."""
        if self.interrupted:
            return 143 if self.terminated else 130
        kinds = {r.failure_kind for r in self.failed}
        if "render" in kinds or self.index_error:
            return 3
        return 1 if kinds else 0
