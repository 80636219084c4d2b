#!/usr/bin/env bash
# Install what the tests need (system packages included) into .venv, then lint, type-check
# and run the whole test suite on two workers (pytest-xdist; many tests wait on audio in real
# time or on child processes). Extra arguments go to pytest (`-n 0`: one process).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-packages.sh --test
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

.venv/bin/ruff check voicecoach tests benchmarks
.venv/bin/ruff format --check voicecoach tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider -n 2 "$@"
