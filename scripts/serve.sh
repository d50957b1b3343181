#!/usr/bin/env bash
# Start VoiceBox on its embedded defaults (SQLite in ./var, simulator, offline speech).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/voicebox serve "$@"
