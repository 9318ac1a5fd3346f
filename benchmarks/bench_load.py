"""Benchmark: how fast records load and validate (records per second, median of runs).

Run: .venv/bin/python -m benchmarks.bench_load [--companies 300] [--records 40] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from engage.records import find_company_files, load_companies
from engage.taxonomy import load_taxonomy

from .synthetic import write_workspace


def main() -> None:
    """Print the median time and records per second for loading a synthetic workspace."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--companies", type=int, default=300)
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_workspace(Path(tmp), args.companies, args.records)
        paths = find_company_files(root / "companies")
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            companies, problems = load_companies(paths, taxonomy, root)
            times.append(time.perf_counter() - start)
        assert not problems, problems[:3]
        n_records = sum(len(c.allegations) + len(c.commitments) for c in companies)
        median = statistics.median(times)
        print(
            f"load+validate {len(companies)} companies, {n_records} records: "
            f"median {median:.3f} s of {args.runs} runs (min {min(times):.3f}, max {max(times):.3f}); "
            f"{n_records / median:,.0f} records/s"
        )


if __name__ == "__main__":
    main()
