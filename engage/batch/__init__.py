"""Many companies at once: plan what is stale, render it in a pool of warm workers, keep a manifest.

A batch run is three steps, each a plain function so the CLI stays a thin shell:
``plan_batch`` (``plan``) selects companies and judges each document by its fingerprint;
``run_batch`` (``run``) renders the stale ones in a pool of warm workers (``pool``,
``worker``), keeps the manifest (``manifest``) and the index (``index``); ``agenda``
(``agenda``) lists upcoming AGMs with the state of each company's documents.

Nothing here imports click or rich; WeasyPrint, Jinja2 and the renderers are imported only
in the worker processes (and in the index task).
"""

from __future__ import annotations

from ..documents.dashboard import DashboardRow, DashboardView, IndexLink
from .agenda import AgendaRow, agenda
from .fingerprint import Inputs, engine_digest, engine_files, hash_inputs
from .index import build_index, render_index, write_dashboard
from .kinds import DEFAULT_KINDS, KINDS, DocumentKind, RenderContext, render_brief, render_letter
from .manifest import MANIFEST_NAME, MANIFEST_SCHEMA, lock_name, manifest_name, merge_manifests, read_manifest
from .options import BatchOptions, Selection, parse_shard, shard_of
from .plan import Plan, PlanItem, PlannedDocument, plan_batch
from .pool import RECYCLE_MB
from .results import BatchEvent, BatchSummary, CompanyResult, DocumentResult, OutputFile
from .run import run_batch

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "MANIFEST_NAME",
    "MANIFEST_SCHEMA",
    "RECYCLE_MB",
    "AgendaRow",
    "BatchEvent",
    "BatchOptions",
    "BatchSummary",
    "CompanyResult",
    "DashboardRow",
    "DashboardView",
    "DocumentKind",
    "DocumentResult",
    "IndexLink",
    "Inputs",
    "OutputFile",
    "Plan",
    "PlanItem",
    "PlannedDocument",
    "RenderContext",
    "Selection",
    "agenda",
    "build_index",
    "engine_digest",
    "engine_files",
    "hash_inputs",
    "lock_name",
    "manifest_name",
    "merge_manifests",
    "parse_shard",
    "plan_batch",
    "read_manifest",
    "render_brief",
    "render_index",
    "render_letter",
    "run_batch",
    "shard_of",
    "write_dashboard",
]
