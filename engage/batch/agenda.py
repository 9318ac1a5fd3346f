"""``agenda``: upcoming AGMs with the state of each company's documents (up to date, stale, missing...).

``agenda`` lists the companies with an AGM in the window, or the companies named (``ids``):
``engage.api.Workspace.agenda`` names those whose engagement is overdue or due an escalation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engagement.state import NO_LOG, EngagementState
from ..errors import UsageError
from ..workspace import Workspace
from .kinds import DEFAULT_KINDS, KINDS, DocumentKind
from .manifest import read_manifest
from .options import BatchOptions, Selection
from .plan import Plan, plan_batch, why_stale


@dataclass(frozen=True)
class AgendaRow:
    """One upcoming AGM and the state of the company's documents."""

    company_id: str
    name: str
    agm: dt.date | None
    days_away: int | None
    band: str | None
    state: str  # 'up to date' | 'stale' | 'missing' | 'failed last time' | 'invalid record'
    detail: str
    documents_as_of: dt.date | None
    agm_expected: bool = False  # ``agm`` is estimated from past AGMs, not announced
    engagement: EngagementState = NO_LOG  # where the engagement stands at the as-of date
    engagement_error: str | None = None  # the engagement log has errors (run engage check)
    listed_for: str = "agm"  # 'agm': its AGM is in the window; 'engagement': overdue or an escalation due

    def engagement_dict(self) -> dict[str, Any]:
        """Return the row's "engagement": state, last_letter, respond_by, next_step (state null: invalid log)."""
        if self.engagement_error is not None:
            keys = ("state", "last_letter", "respond_by", "next_step", "next_deadline")
            return {**dict.fromkeys(keys), "error": self.engagement_error}
        return self.engagement.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values (what `engage agenda --json` prints)."""
        return {
            "company": self.company_id,
            "name": self.name,
            "agm": self.agm.isoformat() if self.agm else None,
            "agm_expected": self.agm_expected,
            "days_away": self.days_away,
            "band": self.band,
            "state": self.state,
            "detail": self.detail,
            "documents_as_of": self.documents_as_of.isoformat() if self.documents_as_of else None,
            "engagement": self.engagement_dict(),
            "listed_for": self.listed_for,
        }


def agenda(
    ws: Workspace,
    as_of: dt.date,
    within_days: int,
    *,
    out_dir: Path | None = None,
    kinds: Sequence[str] = DEFAULT_KINDS,
    registry: Mapping[str, DocumentKind] | None = None,
    ids: Sequence[str] = (),
) -> list[AgendaRow]:
    """Return the AGMs from ``as_of`` to ``within_days`` later, soonest first, with their documents' state.

    With ``ids``, the rows are those companies', whenever their AGM (the window is not used).

    An AGM is the announced one, else the one expected from past AGMs (``agm_expected``), as
    ``engage.agm.next_agm`` decides.

    A document is up to date when re-rendering it with the as-of date it was made for would
    give the same bytes (its fingerprint still matches); stale when an input changed since;
    missing when it was never made (or its file is gone); failed when the last attempt failed.
    """
    if within_days < 0:
        raise UsageError("--within must not be negative")
    out = (out_dir or ws.default_out).resolve()
    manifest = read_manifest(out)
    selection = Selection(ids=tuple(ids)) if ids else Selection(agm_within=within_days)
    options = BatchOptions(as_of=as_of, selection=selection, kinds=tuple(kinds), out_dir=out, index=False)
    registry = registry or KINDS
    plan = plan_batch(ws, options, kinds=registry, judge_only=True)
    # Fingerprints depend on the as-of date; judge each document against the date it was made for.
    rows = []
    replans: dict[str, Plan] = {}
    for item in sorted(plan.items, key=lambda i: (i.agm or dt.date.max, i.name.casefold(), i.company_id)):
        days = (item.agm - as_of).days if item.agm else None
        entry = manifest["companies"].get(item.company_id) or {}
        if item.error is not None:
            rows.append(AgendaRow(item.company_id, item.name, item.agm, days, None, "invalid record", item.error, None))
            continue
        docs = entry.get("documents") or {}
        failed = [k for k in kinds if (docs.get(k) or {}).get("status") == "failed"]
        # Never made, or a file it made is gone (a file that is there but changed is stale).
        missing = [
            k
            for k in kinds
            if not (outputs := (docs.get(k) or {}).get("outputs")) or not all((out / rel).is_file() for rel in outputs)
        ]
        made_for = sorted({d.get("as_of") for d in docs.values() if d.get("as_of")})
        doc_as_of = dt.date.fromisoformat(made_for[-1]) if made_for else None
        if failed:
            message = docs[failed[0]].get("error", {}).get("message", "")
            state, detail = "failed last time", f"{failed[0]}: {message}"
        elif missing:
            state, detail = "missing", ", ".join(missing)
        else:
            stale = []
            for k in kinds:
                doc_date = docs[k].get("as_of")
                if not doc_date:
                    stale.append(f"{k}: not recorded")
                    continue
                if doc_date not in replans:
                    replans[doc_date] = (
                        plan
                        if doc_date == as_of.isoformat()
                        else plan_batch(
                            ws,
                            dataclasses.replace(
                                options, as_of=dt.date.fromisoformat(doc_date), selection=Selection(all=True)
                            ),
                            kinds=registry,
                            judge_only=True,
                        )
                    )
                replanned = next((i for i in replans[doc_date].items if i.company_id == item.company_id), None)
                planned = next((d for d in replanned.documents if d.kind == k), None) if replanned else None
                if planned is None:
                    stale.append(f"{k}: not recorded")
                    continue
                reason = why_stale(
                    docs[k], {**planned.parts, "options": docs[k]["parts"].get("options", "")}, out, False
                )
                if reason is not None:
                    stale.append(f"{k}: {reason}")
            if stale:
                state, detail = "stale", "; ".join(stale)
            else:
                state, detail = "up to date", ""
        rows.append(
            AgendaRow(
                item.company_id, item.name, item.agm, days, item.band, state, detail, doc_as_of, item.agm_expected
            )
        )
    return rows
