#!/usr/bin/env bash
# Set up (with the test tools) and run everything CI runs: lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check engage tests benchmarks
.venv/bin/mypy engage
.venv/bin/python -m pytest "$@"
