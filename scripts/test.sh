#!/usr/bin/env bash
# The whole test suite: on SQLite always, then on PostgreSQL when one is reachable (the tests
# that use a database, but the browser tests).
# With CI=true a missing PostgreSQL, Redis or Chromium is an error, not a skip.
# TEST_WORKERS (default 2) test processes share the work (pytest-xdist), a test file each at a
# time so that a module's servers and browser start once; TEST_WORKERS=0 runs in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
PARALLEL=(-n "${TEST_WORKERS:-2}" --dist loadfile)

postgres_reachable() {
  "$BIN/python" - "$TEST_POSTGRES_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL unreachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

echo "== Lint (ruff) =="
"$BIN/ruff" check .

echo "== Test suite on SQLite =="
env -u DATABASE_URL "$BIN/pytest" "${PARALLEL[@]}" "$@"

echo "== Test suite on PostgreSQL ($TEST_POSTGRES_URL) =="
if postgres_reachable; then
  # The tests that use a database, but the browser tests: those test the page, and the server
  # under it is tested on both databases by the rest; a test that uses no database would run
  # the same code again. Exit 5: the arguments chose no such test.
  DATABASE_URL="$TEST_POSTGRES_URL" "$BIN/pytest" "${PARALLEL[@]}" -m "not browser" \
    --database-tests-only "$@" || [ $? -eq 5 ]
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true: PostgreSQL is required." >&2
  exit 1
else
  echo "Skipped: PostgreSQL is not reachable (set TEST_POSTGRES_URL). CI runs it." >&2
fi
