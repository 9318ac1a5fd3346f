"""What a batch run is asked to do: the selection of companies, the options, and shards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .fingerprint import digest_json

_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Selection:
    """Which companies a run is about: explicit ids, all of them, or those with an AGM in a window."""

    ids: tuple[str, ...] = ()
    all: bool = False
    agm_within: int | None = None  # days after the as-of date
    agm_before: dt.date | None = None

    def check(self) -> None:
        """Raise UsageError unless exactly one way of selecting is given."""
        ways = sum([bool(self.ids), self.all, self.agm_within is not None, self.agm_before is not None])
        if ways == 0:
            raise UsageError("name companies, or pass --all, --agm-within DAYS or --agm-before DATE")
        if ways > 1:
            raise UsageError("choose one of: company ids, --all, --agm-within, --agm-before")
        if self.agm_within is not None and self.agm_within < 0:
            raise UsageError("--agm-within must not be negative")

    def window(self, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
        """Return the AGM window (first and last day, inclusive) or None when not selecting by AGM."""
        if self.agm_within is not None:
            return as_of, as_of + dt.timedelta(days=self.agm_within)
        if self.agm_before is not None:
            return as_of, self.agm_before
        return None

    def describe(self, as_of: dt.date) -> str:
        """Return the selection in words, for messages."""
        window = self.window(as_of)
        if window is not None:
            return f"AGM between {window[0].isoformat()} and {window[1].isoformat()}"
        if self.all:
            return "all companies"
        return ", ".join(self.ids)


@dataclass(frozen=True)
class BatchOptions:
    """Everything a batch run is asked to do; the options that change output enter fingerprints."""

    as_of: dt.date
    selection: Selection
    kinds: tuple[str, ...] = ("brief", "letter")
    out_dir: Path | None = None  # default <workspace>/briefs
    jobs: int | None = None  # default os.cpu_count()
    force: bool = False
    shard: tuple[int, int] | None = None  # (K, N), 1-based
    paper: str = "a4"
    letter_formats: tuple[str, ...] | None = None  # default engage.yaml letter.formats, else pdf
    stage: str | None = None  # default engage.yaml letter.stage, else first
    respond_by: dt.date | None = None
    signatories_file: Path | None = None
    index: bool = True

    def check(self) -> None:
        """Raise UsageError for options no run can use: a deadline not after the letter date, a bad selection."""
        if self.respond_by is not None and self.respond_by <= self.as_of:
            raise UsageError(
                f"--respond-by {self.respond_by.isoformat()} is not after the letter date "
                f"{self.as_of.isoformat()} (--as-of)"
            )
        self.selection.check()

    def run_key(self) -> str:
        """Return a hash of the options that decide what a run selects and writes (not jobs or force)."""
        return digest_json(
            {
                "as_of": self.as_of.isoformat(),
                "selection": dataclasses.asdict(self.selection),
                "kinds": list(self.kinds),
                "shard": list(self.shard) if self.shard else None,
                "paper": self.paper,
                "letter_formats": list(self.letter_formats) if self.letter_formats is not None else None,
                "stage": self.stage,
                "respond_by": self.respond_by.isoformat() if self.respond_by else None,
                "signatories_file": str(self.signatories_file) if self.signatories_file else None,
                "index": self.index,
            }
        )


def parse_shard(text: str) -> tuple[int, int]:
    """Return (K, N) from 'K/N' with 1 <= K <= N; raises UsageError."""
    match = _SHARD_RE.match(text)
    if not match:
        raise UsageError(f"'{text}' is not a shard; expected K/N, for example 2/4")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"shard {k}/{n} does not exist; K runs from 1 to N")
    return k, n


def shard_of(ids: Sequence[str], shard: tuple[int, int] | None) -> list[str]:
    """Return the ids of shard K of N: every N-th id of the sorted selection, starting at the K-th.

    Round-robin over the sorted ids balances the shards to within one company and gives
    every machine the same answer for the same selection and as-of date.
    """
    ordered = sorted(ids)
    if shard is None:
        return ordered
    k, n = shard
    return ordered[k - 1 :: n]
