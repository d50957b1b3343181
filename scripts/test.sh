#!/usr/bin/env bash
# Run every check: lint, architecture rules, types, the test suite on SQLite and on PostgreSQL.
# PostgreSQL: VOICEBOX_TEST_PG (default postgresql+asyncpg://postgres@127.0.0.1:5432/test);
# set VOICEBOX_TEST_PG=skip to run on SQLite only (CI never skips).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

.venv/bin/ruff check .
.venv/bin/lint-imports
.venv/bin/mypy  # [tool.mypy] in pyproject.toml: all of src/voicebox, strict on engine/language/telephony/media

if [ -f web/package.json ] && command -v npm >/dev/null 2>&1; then
  echo "== web console: TypeScript types against the live OpenAPI, ESLint, Vitest"
  (cd web && npm run --silent check:api && npm run --silent lint && npm test --silent)
elif [ "${CI:-}" = "true" ]; then
  echo "npm is required in CI (the web console's checks)" >&2; exit 1
fi

echo "== tests on SQLite"
.venv/bin/pytest "$@"

pg=${VOICEBOX_TEST_PG:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}
if [ "$pg" = "skip" ] && [ "${CI:-}" != "true" ]; then
  echo "== PostgreSQL skipped (VOICEBOX_TEST_PG=skip)"
else
  echo "== tests on PostgreSQL"
  VOICEBOX_TEST_DATABASE_URL="$pg" .venv/bin/pytest "$@"
fi
