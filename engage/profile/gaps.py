"""A profile's gaps: what an investor should ask about, each with the risk behind it as its priority."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from operator import itemgetter

from ..dates import PartialDate
from ..records import Company
from ..taxonomy import Taxonomy
from .model import OPEN_STATUSES, AreaScore, Gap, ScoredRecord, new_gap
from .rules import day_span, is_overdue, months_before, primary_area, saturate
from .weights import Weights
from .wording import STATUS_WORDS, VERIFICATION_WORDS, count_words, month_year, prose_dates, quotable

#: The order of gaps of equal priority: the most pressing kind first.
GAP_ORDER = {
    k: i
    for i, k in enumerate(("no-response", "missed", "no-commitment", "overdue", "allegation", "unverified", "stale"))
}


def build_gaps(
    company: Company,
    taxonomy: Taxonomy,
    as_of: dt.date,
    w: Weights,
    areas: tuple[AreaScore, ...],
    scored: Sequence[ScoredRecord],
) -> tuple[Gap, ...]:
    """Return the profile's gaps, highest priority first (priority = the risk behind the gap, 0-100)."""
    keys = taxonomy.keys
    position = {k: i for i, k in reversed(list(enumerate(keys)))}  # keys.index, as a lookup
    shorts = {a.key: a.short for a in reversed(taxonomy.areas)}  # taxonomy.area(key).short
    by_area = {a.key: a for a in areas}
    points = {(s.kind, s.record_id): s for s in scored}
    gaps: list[tuple[tuple[float, int, int, int], Gap]] = []

    def add(kind: str, area: str, record_id: str | None, priority: float, text: str, order: int) -> None:
        # round(min(100.0, max(0.0, priority)), 2), without the calls (0.0 also for -0.0, as max gives)
        priority = round(0.0 if priority <= 0.0 else 100.0 if priority >= 100.0 else priority, 2)
        sort_key = (-priority, GAP_ORDER[kind], position.get(area, 99), order)
        gaps.append((sort_key, new_gap(kind, area, record_id, priority, prose_dates(text))))

    exposure_scale = w.exposure_scale
    for i, a in enumerate(company.allegations):
        s = points.get(("allegation", a.id))
        if s is None or a.status not in OPEN_STATUSES:
            continue
        area = a.areas[0] if a.areas[0] in position else primary_area(a.areas, keys)
        standalone = saturate(s.points, exposure_scale)
        what = f'"{quotable(a.title)}" ({a.severity}, {STATUS_WORDS[a.status]}, {month_year(a.date)})'
        if a.company_response is None:
            add("no-response", area, a.id, standalone, f"No company response on record to {what}.", i)
        else:
            add("allegation", area, a.id, 0.8 * standalone, f"Open allegation with a response on record: {what}.", i)
    for i, c in enumerate(company.commitments):
        s = points.get(("commitment", c.id))
        if s is None:
            continue
        area = c.areas[0] if c.areas[0] in position else primary_area(c.areas, keys)
        if c.status in ("missed", "withdrawn"):
            worst = max((by_area[k].exposure for k in c.areas if k in by_area), default=0.0)
            prio = max(saturate(s.points, exposure_scale), worst)
            add("missed", area, c.id, prio, f'Commitment "{quotable(c.title)}" is {c.status}.', i)
        elif is_overdue(c, as_of):
            worst = max((by_area[k].exposure for k in c.areas if k in by_area), default=0.0)
            prio = max(saturate(w.penalty["overdue"], exposure_scale), worst)
            add(
                "overdue",
                area,
                c.id,
                prio,
                f'Commitment "{quotable(c.title)}" targeted {c.target_year} and is still {STATUS_WORDS[c.status]}.',
                i,
            )
        elif c.verification in ("none", "self-reported"):
            worst = max((by_area[k].exposure for k in c.areas if k in by_area), default=0.0)
            add(
                "unverified",
                area,
                c.id,
                max(5.0, 0.5 * worst),
                f'Commitment "{quotable(c.title)}" is {VERIFICATION_WORDS[c.verification]}.',
                i,
            )
    cutoff = months_before(as_of, w.stale_months).toordinal()
    for j, score in enumerate(areas):
        if (
            score.exposure >= w.gap_min_exposure
            and not any(c.role == "credit" and c.points >= w.credible_min for c in score.contributions)
            and any(c.record_kind == "allegation" and c.role == "exposure" for c in score.contributions)
        ):
            add(
                "no-commitment",
                score.key,
                None,
                score.net,
                f"{shorts[score.key]}: unmanaged risk {score.net:.1f} with "
                f"{count_words(score.allegations, 'allegation')} and no credible commitment.",
                j,
            )
        # PartialDate.last_day(), as an ordinal from the memo of spans.
        if score.newest_source is not None and day_span(score.newest_source)[1] < cutoff:
            add(
                "stale",
                score.key,
                None,
                max(5.0, 0.5 * score.exposure),
                f"{shorts[score.key]}: no source since {month_year(score.newest_source)}, "
                f"more than {w.stale_months} months before {month_year(PartialDate.from_date(as_of))}.",
                j,
            )
    gaps.sort(key=itemgetter(0))
    return tuple(g for _, g in gaps)
