"""Records -> points as of a date: each allegation's exposure, each commitment's credit or penalty, with why.

``Scorer`` scores the records of a workspace's companies under one set of weights at one
date, remembering the factors and note fragments records share; ``RecordFacts`` holds a
record's date ordinals and publisher keys, computed once per profile for the as-of score,
the history steps and the newest-source dates alike.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Mapping
from types import MappingProxyType

from ..asof import known_sources
from ..records import Allegation, Commitment, ExposureAdjustment, Policy, Source
from .model import OPEN_STATUSES, ScoredRecord
from .rules import (
    DAY_SPANS,
    DAYS_PER_MONTH,
    day_span,
    history_steps,
    is_overdue,
    is_quantified,
    recency_factor,
    round2,
)
from .weights import Weights

# Recency by age in whole days, per (full_months, half_life_months, floor): a memo of a pure function.
_RECENCY_MEMOS: dict[tuple[float, float, float], dict[int, float]] = {}

_PUBLISHER_KEYS: dict[str, str] = {}


def _publisher_key(publisher: str | None, url: str | None) -> str:
    """Return publisher_key(publisher, url), memoised by publisher name."""
    if publisher:
        key = _PUBLISHER_KEYS.get(publisher)
        if key is None:
            key = publisher_key(publisher, url)
            if not publisher.isspace():  # a blank name falls back to the url: not memoisable by name
                _PUBLISHER_KEYS[publisher] = key
        return key
    return publisher_key(publisher, url)


def publisher_key(publisher: str | None, url: str | None) -> str:
    """Return the independence key of a source: its publisher, else its web domain."""
    if publisher and not publisher.isspace():
        return " ".join(publisher.casefold().split())
    if url:
        host = urllib.parse.urlsplit(url).hostname or ""
        return host.removeprefix("www.") or url
    return "(unattributed)"


class RecordFacts:
    """A record's date ordinals and publisher keys, computed once per profile.

    The as-of score, the 24 monthly history steps, the newest-source dates and the questions
    all need the same ordinals and publisher keys; computing them once per record (rather
    than in each of those passes) removes most of the date arithmetic of a workspace.

    ``start`` is the first day the record is known (``engage.asof``'s rule): its date's first day,
    or its first source's when every source is dated later. Of its dated developments (its date, an
    allegation's ``updated`` date, its dated sources) ``settled`` is the latest first day (from
    then on every development is known) and ``last`` the latest last day. ``keys`` counts an
    allegation's independent publishers. ``newest`` is the newest source date (in PartialDate's
    order; the record's date for an undated source, or with no source), ``newest_key`` its
    (year, month, day). What a record needs only while its developments are still appearing
    (each one's days, each source's) is worked out on demand by the methods.
    """

    __slots__ = ("_devs", "_pubs", "allegation", "keys", "last", "newest", "newest_key", "record", "settled", "start")

    def __init__(self, r: Allegation | Commitment | Policy, allegation: bool) -> None:
        # day_span(d), with the memo looked up here: a record has a few dates, a workspace many records.
        spans = DAY_SPANS
        d = r.date
        own_key = (d.year, d.month, d.day)
        start, last = spans.get(own_key) or day_span(d)
        settled = start
        if allegation:
            upd = r.updated  # type: ignore[union-attr]
            if upd:
                first, end = day_span(upd)
                settled = max(settled, first)
                last = max(last, end)
        newest, newest_key = None, None
        # The first day a source is known: an undated source always is (engage.asof's rule).
        reported = None if r.sources else start
        for src in r.sources:
            dated = src.date
            if dated:
                key = (dated.year, dated.month, dated.day)
                first, end = spans.get(key) or day_span(dated)
                if first > settled:
                    settled = first
                if end > last:
                    last = end
                if reported is None or first < reported:
                    reported = first
            else:
                dated, key = r.date, own_key
                reported = start
            if newest_key is None or key > newest_key:
                newest, newest_key = dated, key
        self.record = r
        self.allegation = allegation
        # Known from its date's first day once one of its sources is (known_at's record rule): a
        # record dated January but first reported in March counts from March, in every pass.
        self.start = start if reported is None or reported <= start else reported
        self.settled = settled
        self.last = last
        self.newest = newest or r.date
        self.newest_key = newest_key or own_key
        self.keys = len(set(self.publishers())) if allegation else 0
        # devs() and pubs(), worked out once when first asked (the history and the trend cause both ask).
        self._devs: list[tuple[int, int]] | None = None
        self._pubs: list[tuple[int, str]] | None = None

    def devs(self) -> list[tuple[int, int]]:
        """Return the (first, last) ordinals of the dated developments, sorted (computed once; do not change it)."""
        if self._devs is not None:
            return self._devs
        r = self.record
        devs = [day_span(r.date)]
        if self.allegation and r.updated:  # type: ignore[union-attr]
            devs.append(day_span(r.updated))  # type: ignore[union-attr]
        devs += [day_span(s.date) for s in r.sources if s.date]
        devs.sort()
        self._devs = devs
        return devs

    def src_firsts(self) -> list[int]:
        """Return the first ordinal of each source's date (the record's date for an undated source), in source order."""
        start = self.start
        return [day_span(s.date)[0] if s.date else start for s in self.record.sources]

    def publishers(self) -> list[str]:
        """Return each source's publisher key, in source order."""
        known = _PUBLISHER_KEYS
        return [
            (x.publisher and known.get(x.publisher)) or _publisher_key(x.publisher, x.url) for x in self.record.sources
        ]

    def pubs(self) -> list[tuple[int, str]]:
        """Return the sorted (first ordinal, publisher key) of each source (computed once; do not change it)."""
        if self._pubs is None:
            self._pubs = sorted(zip(self.src_firsts(), self.publishers(), strict=True))
        return self._pubs

    def anchor(self, step: int) -> int:
        """Return the latest dated development on or before ``step``, aged from min(its last day, step).

        max(min(last, step)) over the developments so far = min(max(last), step).
        """
        if self.settled <= step:
            return min(self.last, step)
        return min(max(lo for f, lo in self.devs() if f <= step), step)

    def sources_known(self, step: int) -> int:
        """Return the number of independent sources dated on or before ``step`` (at least 1)."""
        if self.settled <= step:
            return max(1, self.keys)
        return max(1, len({k for f, k in self.pubs() if f <= step}))


def corroboration(n: int, w: Weights) -> float:
    """Return the corroboration factor of ``n`` independent sources: one step per extra source, capped."""
    return min(w.corroboration_max, 1.0 + w.corroboration_step * (n - 1))


def response_factor(a: Allegation, w: Weights) -> float:
    """Return the no-response factor of an open allegation the company has not answered, else 1."""
    return w.no_response if a.company_response is None and a.status in OPEN_STATUSES else 1.0


class Scorer:
    """Scores records as of one date under one set of weights, remembering what records share.

    A workspace's records share few severities, statuses, dates, source counts and commitment
    terms: each factor and note fragment is worked out once per distinct value (and date)
    rather than once per record. The parts are the same text and numbers either way.
    """

    __slots__ = (
        "_ages",
        "_baselines",
        "_by_age",
        "_corroborations",
        "_credits",
        "_heads",
        "_penalties",
        "_policies",
        "as_of",
        "rows",
        "step",
        "w",
    )

    def __init__(self, as_of: dt.date, w: Weights) -> None:
        self.as_of = as_of
        self.step = as_of.toordinal()
        self.w = w
        # Recency by age in whole days (shared by every compile with the same recency weights),
        # and ``rows``: recency_row by the day a latest development ended.
        self._by_age = _RECENCY_MEMOS.setdefault(
            (w.recency_full_months, w.recency_half_life_months, w.recency_floor), {}
        )
        self.rows: dict[int, list[float]] = {}
        self._heads: dict[tuple[str, str, bool], tuple[float, float, float, float, str]] = {}
        self._ages: dict[int, tuple[float, float, float, str]] = {}
        self._corroborations: dict[int, tuple[float, str]] = {}
        self._credits: dict[tuple[bool, int | None, bool, str, str], tuple[float, Mapping[str, float], str]] = {}
        self._penalties: dict[tuple[str, int], tuple[float, Mapping[str, float], str]] = {}
        self._policies: dict[str, tuple[float, Mapping[str, float], str]] = {}
        self._baselines: dict[tuple[str, float], ScoredRecord | None] = {}

    def recency(self, age_days: int) -> float:
        """Return the recency weight of a development ``age_days`` old (recency_factor, by whole days)."""
        r = self._by_age.get(age_days)
        if r is None:
            w = self.w
            over = age_days / DAYS_PER_MONTH - w.recency_full_months
            r = 1.0 if over <= 0 else max(w.recency_floor, 0.5 ** (over / w.recency_half_life_months))
            self._by_age[age_days] = r
        return r

    def recency_row(self, last: int) -> list[float]:
        """Return the recency at each history step (newest first) of the latest development, ended on day ``last``.

        Records share their dates: the row is worked out once per day (an age of 0 before it ends).
        """
        row = self.rows.get(last)
        if row is None:
            _, ords, _, _ = history_steps(self.as_of, self.w.peak_months)
            recency = self.recency
            row = self.rows[last] = [recency(s - last if last < s else 0) for s in ords]
        return row

    def _head(self, a: Allegation) -> tuple[float, float, float, float, str]:
        """Return (severity, status, response, their product, the note's opening) of an allegation."""
        key = (a.severity, a.status, a.company_response is None)
        head = self._heads.get(key)
        if head is None:
            w = self.w
            sev = w.severity[a.severity]
            status = w.allegation_status[a.status]
            response = response_factor(a, w)
            text = f"{a.severity} ({_g(sev)}) x {a.status} ({_g(status)})" + (
                f" x no company response ({_g(response)})" if response != 1.0 else ""
            )
            head = self._heads[key] = (sev, status, response, sev * status * response, text)
        return head

    def _age(self, anchor: int) -> tuple[float, float, float, str]:
        """Return (recency, it and the age in months rounded as factors, the note's part) for a latest development."""
        aged = self._ages.get(anchor)
        if aged is None:
            age = (self.step - anchor) / DAYS_PER_MONTH
            recency = recency_factor(age, self.w)
            latest = dt.date.fromordinal(anchor)
            text = f" x recency {recency:.2f} (latest development {latest.isoformat()}, {age:.0f} months before)"
            aged = self._ages[anchor] = (recency, round(recency, 4), round(age, 2), text)
        return aged

    def _corroboration(self, n: int) -> tuple[float, str]:
        """Return (corroboration, the note's closing) for ``n`` independent sources."""
        corr = self._corroborations.get(n)
        if corr is None:
            factor = corroboration(n, self.w)
            text = f" x {n} independent source{'s' if n != 1 else ''} ({_g(factor)})"
            corr = self._corroborations[n] = (factor, text)
        return corr

    def allegation(self, a: Allegation, facts: RecordFacts) -> ScoredRecord | None:
        """Return the allegation's points as of the date, or None when it is not yet known then (``facts.start``)."""
        step = self.step
        if facts.start > step:
            return None
        sev, status, response, base, head = self._head(a)
        if facts.settled <= step:  # every development and source is known by the date
            last = facts.last
            recency, recency_4, age_2, when = self._age(last if last < step else step)
            n = facts.keys or 1
        else:
            recency, recency_4, age_2, when = self._age(facts.anchor(step))
            n = facts.sources_known(step)
        corr, tail = self._corroboration(n)
        points = round(base * recency * corr + 0.0, 2) + 0.0  # round2, inlined
        factors = {
            "severity": sev,
            "status": status,
            "response": response,
            "recency": recency_4,
            "age_months": age_2,
            "independent_sources": float(n),
            "corroboration": corr,
        }
        return ScoredRecord(
            a.id,
            "allegation",
            "exposure",
            a.title,
            a.areas,
            MappingProxyType(factors),
            points,
            head + when + tail,
            round(points * 100),
            a.sources if facts.settled <= step else known_sources(a.sources, self.as_of),
        )

    def commitment(self, c: Commitment, facts: RecordFacts) -> ScoredRecord | None:
        """Return the commitment's credit or penalty as of the date, or None when it is not yet known then."""
        step = self.step
        if facts.start > step:
            return None
        overdue = is_overdue(c, self.as_of)
        if c.status in ("missed", "withdrawn") or (overdue and c.status == "announced"):
            # Still overdue today: no decay; a missed or withdrawn one decays from its latest development.
            key = ("overdue", c.target_year or 0) if c.status == "announced" else (c.status, facts.anchor(step))
            penalty = self._penalties.get(key)
            if penalty is None:
                penalty = self._penalties[key] = self._penalty(c, key)
            points, factors, note = penalty
            role = "penalty"
        else:
            terms = (is_quantified(c), c.target_year, overdue, c.verification, c.status)
            credit = self._credits.get(terms)
            if credit is None:
                credit = self._credits[terms] = self._credit(c, overdue)
            points, factors, note = credit
            role = "credit"
        sources = c.sources if facts.settled <= step else known_sources(c.sources, self.as_of)
        cents = round(points * 100)
        return ScoredRecord(c.id, "commitment", role, c.title, c.areas, factors, points, note, cents, sources)

    def policy(self, p: Policy) -> ScoredRecord:
        """Return a known policy's management points: by its status (none-found: 0, the area assessed)."""
        held = self._policies.get(p.status)
        if held is None:
            points = self.w.policy_status[p.status]
            words = (
                "no such policy found (0): the area is assessed"
                if p.status == "none-found"
                else (f"policy {p.status} ({_g(points)})")
            )
            held = self._policies[p.status] = (points, MappingProxyType({"status": points}), words)
        points, factors, note = held
        return ScoredRecord(
            p.id, "policy", "credit", p.title, p.areas, factors, points, note, round(points * 100), p.sources
        )

    def baseline(
        self, key: str, short: str, sector: float, adjustment: ExposureAdjustment | None
    ) -> ScoredRecord | None:
        """Return an area's inherent exposure: the sector baseline, scaled by the company's adjustment (None when 0).

        Without an adjustment every company shares one record per area (never changed once built).
        """
        if adjustment is None:
            memo = self._baselines.get((key, sector), False)
            if memo is False:
                memo = self._baselines[key, sector] = self._baseline(key, short, sector, None)
            return memo  # type: ignore[return-value]
        return self._baseline(key, short, sector, adjustment)

    def _baseline(
        self, key: str, short: str, sector: float, adjustment: ExposureAdjustment | None
    ) -> ScoredRecord | None:
        factor = adjustment.factor if adjustment is not None else 1.0
        points = round2(sector * factor)
        if points <= 0:
            return None
        note = f"sector baseline for {short} ({_g(sector)} points)"
        sources: tuple[Source, ...] = ()
        if adjustment is not None:
            note += f" x company adjustment {_g(factor)} ({adjustment.reason.rstrip('.')})"
            sources = adjustment.sources
        factors = MappingProxyType({"baseline": sector, "adjustment": factor})
        title = f"Sector baseline: {short}"
        return ScoredRecord(
            key, "baseline", "exposure", title, (key,), factors, points, note, round(points * 100), sources
        )

    def _penalty(self, c: Commitment, key: tuple[str, int]) -> tuple[float, Mapping[str, float], str]:
        w = self.w
        kind = key[0]
        base = w.penalty[kind]
        if kind == "overdue":
            recency, age = 1.0, 0.0
        else:
            age = (self.step - key[1]) / DAYS_PER_MONTH
            recency = recency_factor(age, w)
        why = {
            "missed": "missed",
            "withdrawn": "withdrawn",
            "overdue": f"target year {c.target_year} passed and still only announced",
        }[kind]
        note = f"negative signal: {why} ({_g(base)} points) x recency {recency:.2f}"
        factors = {"penalty": base, "recency": round(recency, 4), "age_months": round(age, 2)}
        return round2(base * recency), MappingProxyType(factors), note

    def _credit(self, c: Commitment, overdue: bool) -> tuple[float, Mapping[str, float], str]:
        w = self.w
        quantified = w.quantified if is_quantified(c) else 0.0
        time_bound = w.time_bound if c.target_year is not None and not overdue else 0.0
        verification = w.verification[c.verification]
        status = w.commitment_status[c.status]
        points = round2(w.commitment_base + quantified + time_bound + verification + status)
        parts = [f"commitment ({_g(w.commitment_base)})"]
        parts.append(f"quantified ({_g(quantified)})" if quantified else "not quantified (0)")
        if overdue:
            parts.append(f"target year {c.target_year} passed (0)")
        else:
            parts.append(f"time-bound {c.target_year} ({_g(time_bound)})" if time_bound else "no target year (0)")
        parts.append(f"verification {c.verification} ({_g(verification)})")
        parts.append(f"{c.status} ({_g(status)})")
        factors = {
            "base": w.commitment_base,
            "quantified": quantified,
            "time_bound": time_bound,
            "verification": verification,
            "status": status,
        }
        return points, MappingProxyType(factors), " + ".join(parts)


def _g(x: float) -> str:
    return f"{x:g}"
