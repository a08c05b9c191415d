#!/usr/bin/env bash
# The tests that read the date, run with the clock moved to the moments where zones change
# date, weeks and months turn, and clocks change (libfaketime: `apt-get install faketime`).
# A test that passes at the time of day it was written and fails at another shows up here, not
# in a CI run that happens to start at 08:09 UTC.
#   scripts/clock-sweep.sh                       # every moment below, the tests below
#   scripts/clock-sweep.sh 2027-01-01T12:00:00Z tests/chat/test_chat_times_offline.py
# The offset is relative (every process, servers too, agrees on the time); monotonic clocks
# are left alone. Tests that sleep in subprocesses (workers, run persistence) stay out: under
# libfaketime their sleeps fail, whatever the date.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "faketime is not installed: apt-get install faketime" >&2; exit 2; }
MOMENTS=(
  2026-12-07T00:30:00Z  # a Monday just after UTC's midnight
  2026-12-07T08:30:00Z  # Kiritimati and Los Angeles on one date
  2026-12-07T10:30:00Z  # Kiritimati on the next day
  2026-12-10T23:30:00Z  # Berlin on the next day
  2026-12-31T23:30:00Z  # a new year in Europe
  2027-01-01T12:00:00Z  # the 1st of a month everywhere
  2027-03-14T09:30:00Z  # the US clock change
  2027-03-28T00:30:00Z  # the EU clock change
)
if [ $# -gt 0 ]; then MOMENTS=("$1"); shift; fi
if [ $# -gt 0 ]; then
  TESTS=("$@")
else
  mapfile -t TESTS < <(grep -rlE "local_today|date\.today|timezone\.now\(\)|datetime\.now|today|tomorrow" \
    tests --include='test_*.py' | grep -vE "tests/(browser|bench|loadcheck|ops)/|test_workers\.py|test_run_persistence\.py" | sort)
fi
failed=0
for moment in "${MOMENTS[@]}"; do
  offset=$(( $(date -u -d "$moment" +%s) - $(date +%s) ))
  echo "== $moment ($(( offset >= 0 ? offset : -offset )) s $([ $offset -ge 0 ] && echo ahead || echo behind)) =="
  FAKETIME_DONT_FAKE_MONOTONIC=1 env -u DATABASE_URL faketime -f "$([ $offset -ge 0 ] && echo +)$offset" \
    .venv/bin/pytest -n "${TEST_WORKERS:-2}" --dist loadfile -q -p no:cacheprovider "${TESTS[@]}" | tail -n 3 \
    || failed=1
done
exit $failed
