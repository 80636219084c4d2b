#!/usr/bin/env bash
# Install voicecoach from this checkout into .venv and run the demo session.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-packages.sh
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The build backend's notes on editable installs are for developers, not for setup.
PYTHONWARNINGS=ignore::UserWarning .venv/bin/python -m pip install --quiet -e .
echo
VOICECOACH_BIN=.venv/bin/voicecoach scripts/offer-model.sh || true
echo
echo "Installed. The demo runs a whole session on sample answers (no microphone needed):"
echo
.venv/bin/voicecoach demo
echo
echo "Next: .venv/bin/voicecoach session    (or activate with: source .venv/bin/activate)"
