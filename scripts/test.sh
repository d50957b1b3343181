#!/usr/bin/env bash
# Run every check: lint, architecture rules, types, the test suite on SQLite and on PostgreSQL.
# PostgreSQL: VOICEBOX_TEST_PG (default postgresql+asyncpg://postgres@127.0.0.1:5432/test);
# set VOICEBOX_TEST_PG=skip to run on SQLite only (CI never skips).
#
# The PostgreSQL pass runs beside the checks and the SQLite pass (two pytest processes at once):
# each has its own scratch database, temp folders and block of loopback ports (tests/ports.py,
# VOICEBOX_TEST_PORT_BLOCK). Each pass's output is kept and printed whole once it is done.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

logs=$(mktemp -d)
pg_pid=""
stop_pg() {  # a check failed first: stop the PostgreSQL pass (its pytest, then its shell)
  [ -z "$pg_pid" ] && return
  pkill -TERM -P "$pg_pid" 2>/dev/null || true
  kill "$pg_pid" 2>/dev/null || true
}
trap 'stop_pg; rm -rf "$logs"' EXIT

# pass NAME PORT_BLOCK [ENV=VALUE…] -- PYTEST_ARGS…: pytest with its output in $logs/NAME.log,
# its exit code in $logs/NAME.rc and its wall time in $logs/NAME.time.
pass() {
  local name=$1 block=$2 start rc=0; shift 2
  local env=(); while [ "$1" != "--" ]; do env+=("$1"); shift; done; shift
  start=$(date +%s)
  env VOICEBOX_TEST_PORT_BLOCK="$block" "${env[@]}" .venv/bin/pytest "$@" >"$logs/$name.log" 2>&1 || rc=$?
  echo "$rc" >"$logs/$name.rc"
  echo "$(( $(date +%s) - start ))" >"$logs/$name.time"
}

# report NAME TITLE: print a finished pass's log under a header; false if it failed.
report() {
  local rc; rc=$(cat "$logs/$1.rc")
  echo "== tests on $2 ($(cat "$logs/$1.time") s): $([ "$rc" = 0 ] && echo passed || echo "FAILED, exit $rc")"
  cat "$logs/$1.log"
  [ "$rc" = 0 ]
}

pg=${VOICEBOX_TEST_PG:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}
if [ "$pg" = "skip" ] && [ "${CI:-}" != "true" ]; then
  pg=""
else
  echo "== tests on PostgreSQL: started (its output follows the SQLite pass)"
  pass postgresql 1 VOICEBOX_TEST_DATABASE_URL="$pg" -- "$@" &
  pg_pid=$!
fi

.venv/bin/ruff check .
.venv/bin/lint-imports
.venv/bin/mypy  # [tool.mypy] in pyproject.toml: all of src/voicebox, strict on engine/language/telephony/media

if [ -f web/package.json ] && command -v npm >/dev/null 2>&1; then
  echo "== web console: TypeScript types against the live OpenAPI, ESLint, Vitest"
  (cd web && npm run --silent check:api && npm run --silent lint && npm test --silent)
elif [ "${CI:-}" = "true" ]; then
  echo "npm is required in CI (the web console's checks)" >&2; exit 1
fi

pass sqlite 0 -- "$@"
failed=""
report sqlite SQLite || failed="$failed SQLite"
if [ -n "$pg" ]; then
  wait "$pg_pid" || true
  pg_pid=""
  report postgresql PostgreSQL || failed="$failed PostgreSQL"
else
  echo "== PostgreSQL skipped (VOICEBOX_TEST_PG=skip)"
fi
if [ -n "$failed" ]; then
  echo "== FAILED:$failed (see that pass's log above)" >&2
  exit 1
fi
