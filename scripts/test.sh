#!/usr/bin/env bash
# Run every check: lint, architecture rules, types, the test suite on SQLite and on PostgreSQL.
# PostgreSQL: VOICEBOX_TEST_PG (default postgresql+asyncpg://postgres@127.0.0.1:5432/test);
# set VOICEBOX_TEST_PG=skip to run on SQLite only (CI never skips).
#
# Three pytest processes run side by side, beside the lint and type checks: the SQLite pass in two
# parts (the tests on the database, the rest: VOICEBOX_TEST_PART in tests/conftest.py) and the
# PostgreSQL pass (database tests only). Each has its own scratch database, temp folders and block
# of loopback ports (tests/ports.py); each one's output is kept and printed whole at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

logs=$(mktemp -d)
pids=()
stop_passes() {  # a check failed first: stop the passes still running (each pytest, then its shell)
  local pid
  for pid in "${pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
}
trap 'stop_passes; rm -rf "$logs"' EXIT

# pass NAME PORT_BLOCK [ENV=VALUE…] -- PYTEST_ARGS…: pytest in the background with its output in
# $logs/NAME.log, its exit code in $logs/NAME.rc and its wall time in $logs/NAME.time.
pass() {
  local name=$1 block=$2; shift 2
  local env=(); while [ "$1" != "--" ]; do env+=("$1"); shift; done; shift
  (
    start=$(date +%s) rc=0
    env -u VOICEBOX_TEST_DATABASE_URL -u VOICEBOX_TEST_PART VOICEBOX_TEST_PORT_BLOCK="$block" \
      "${env[@]}" .venv/bin/pytest "$@" >"$logs/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$logs/$name.rc"
    echo "$(( $(date +%s) - start ))" >"$logs/$name.time"
  ) &
  pids+=($!)
}

# report NAME TITLE: print a finished pass's log under a header; false if it failed. Exit 5 (no
# test selected) passes: `scripts/test.sh tests/x.py` may hold no test for some part.
report() {
  local rc verdict; rc=$(cat "$logs/$1.rc")
  case $rc in 0) verdict=passed ;; 5) verdict="no test selected" ;; *) verdict="FAILED, exit $rc" ;; esac
  echo "== tests $2 ($(cat "$logs/$1.time") s): $verdict"
  cat "$logs/$1.log"
  [ "$rc" = 0 ] || [ "$rc" = 5 ]
}

names=(sqlite-database sqlite-rest) titles=("on SQLite, those on the database" "on SQLite, the rest")
echo "== tests: started in the background (their output follows the checks)"
pass sqlite-database 0 VOICEBOX_TEST_PART=database -- "$@"
pass sqlite-rest 1 VOICEBOX_TEST_PART=rest -- "$@"
pg=${VOICEBOX_TEST_PG:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}
if [ "$pg" = "skip" ] && [ "${CI:-}" != "true" ]; then
  echo "== PostgreSQL skipped (VOICEBOX_TEST_PG=skip)"
else
  pass postgresql 2 VOICEBOX_TEST_DATABASE_URL="$pg" -- "$@"
  names+=(postgresql) titles+=("on PostgreSQL")
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

wait "${pids[@]}" || true
pids=()
failed=""
for i in "${!names[@]}"; do
  report "${names[$i]}" "${titles[$i]}" || failed="$failed; ${titles[$i]}"
done
if [ -n "$failed" ]; then
  echo "== FAILED: tests ${failed#; } (see the log above)" >&2
  exit 1
fi
