"""What is known at a date: the one rule that decides which records, developments and sources count.

Every part of engage that looks at a company "as of" a date (the profile and its history, the
brief, the letter, the regulations table, the questions) asks this module, so a brief and a
letter made for the same date cite the same sources for the same record.

The rule:

- a **source** is known when it is undated or published on or before the as-of date (a partial
  date counts from its first day: a source dated ``2024-07`` is known from 1 July 2024);
- a **record** (allegation, commitment or policy) is known when its own date is on or before the as-of
  date and at least one of its sources is known (a record only reported later was not known
  then); a record with no source at all counts from its date;
- an allegation's ``updated`` development is known from its first day, else it is dropped;
- a **benchmark** edition is known from its year;
- a **past AGM** is known from its day, once one of its sources is known;
- an **exposure adjustment** is known once one of its sources is known.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from .records import Allegation, Benchmark, Commitment, Company, ExposureAdjustment, PastAgm, Policy, Source

_R = TypeVar("_R", Allegation, Commitment, Policy)


def source_known(source: Source, as_of: dt.date) -> bool:
    """Return whether ``source`` was published on or before ``as_of`` (undated sources are known)."""
    d = source.date
    # d.first_day() <= as_of, as a tuple comparison: no date object per source.
    return d is None or (d.year, d.month or 1, d.day or 1) <= (as_of.year, as_of.month, as_of.day)


def known_sources(sources: Sequence[Source], as_of: dt.date) -> tuple[Source, ...]:
    """Return the sources of ``sources`` known at ``as_of``, in their order."""
    return tuple(s for s in sources if source_known(s, as_of))


def record_known(record: Allegation | Commitment | Policy, as_of: dt.date) -> bool:
    """Return whether ``record`` is known at ``as_of``: dated on or before it, with a known source."""
    d, cut = record.date, (as_of.year, as_of.month, as_of.day)
    if (d.year, d.month or 1, d.day or 1) > cut:
        return False
    return not record.sources or any(
        (sd := s.date) is None or (sd.year, sd.month or 1, sd.day or 1) <= cut for s in record.sources
    )


def agm_known(agm: PastAgm, as_of: dt.date) -> bool:
    """Return whether a past AGM is known at ``as_of``: held on or before it, with a source known then."""
    return agm.date <= as_of and any(source_known(s, as_of) for s in agm.sources)


def adjustment_known(adjustment: ExposureAdjustment, as_of: dt.date) -> bool:
    """Return whether an exposure adjustment is known at ``as_of``: one of its sources is known then."""
    return any(source_known(s, as_of) for s in adjustment.sources)


def _record_at(record: _R, as_of: dt.date) -> _R:
    """Return ``record`` with only what is known at ``as_of`` (the same object when nothing is dropped)."""
    sources = known_sources(record.sources, as_of)
    changes: dict[str, object] = {}
    if len(sources) != len(record.sources):
        changes["sources"] = sources
    updated = getattr(record, "updated", None)
    if updated is not None and updated.first_day() > as_of:
        changes["updated"] = None
    return dataclasses.replace(record, **changes) if changes else record  # type: ignore[arg-type]


def _benchmark_at(b: Benchmark, as_of: dt.date) -> Benchmark:
    sources = known_sources(b.sources, as_of)
    return b if len(sources) == len(b.sources) else dataclasses.replace(b, sources=sources)


def known_at(company: Company, as_of: dt.date) -> Company:
    """Return ``company`` as known at ``as_of``: only the records, developments and sources known then.

    The result is a ``Company`` like any other (records keep their order and file lines), so
    whatever reads it needs no date filter of its own. Unchanged records are the same objects;
    when nothing is dropped the company itself is returned.
    """
    cut = (as_of.year, as_of.month, as_of.day)
    allegations = _known_records(company.allegations, cut, as_of)
    commitments = _known_records(company.commitments, cut, as_of)
    policies = _known_records(company.policies, cut, as_of)
    benchmarks = tuple(_benchmark_at(b, as_of) for b in company.benchmarks if b.year <= as_of.year)
    agms = tuple(m for m in company.agms if agm_known(m, as_of))
    adjustments = tuple(x for x in company.exposure_adjustments if adjustment_known(x, as_of))
    if (
        _same(allegations, company.allegations)
        and _same(commitments, company.commitments)
        and _same(policies, company.policies)
        and _same(benchmarks, company.benchmarks)
        and _same(agms, company.agms)
        and _same(adjustments, company.exposure_adjustments)
    ):
        return company
    return dataclasses.replace(
        company,
        allegations=allegations,
        commitments=commitments,
        policies=policies,
        benchmarks=benchmarks,
        agms=agms,
        exposure_adjustments=adjustments,
    )


def _known_records(records: tuple[_R, ...], cut: tuple[int, int, int], as_of: dt.date) -> tuple[_R, ...]:
    """Return the records known at ``as_of`` (``cut`` is its (year, month, day)), each as known then.

    ``record_known`` and ``_record_at`` in one pass over each record's sources, with the dates
    compared as (year, month or 1, day or 1) tuples: the first day a partial date can mean.
    A record with nothing to drop is returned itself.
    """
    out: list[_R] = []
    for r in records:
        d = r.date
        if (d.year, d.month or 1, d.day or 1) > cut:
            continue
        sources = r.sources
        known = [s for s in sources if (sd := s.date) is None or (sd.year, sd.month or 1, sd.day or 1) <= cut]
        if len(known) == len(sources):
            updated = getattr(r, "updated", None)
            if updated is None or (updated.year, updated.month or 1, updated.day or 1) <= cut:
                out.append(r)
                continue
        elif not known:
            continue  # only reported after the as-of date: not known then
        out.append(_record_at(r, as_of))
    return tuple(out)


def _same(new: tuple[object, ...], old: tuple[object, ...]) -> bool:
    return len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))
