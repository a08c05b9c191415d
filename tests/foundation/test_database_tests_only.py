"""`--database-tests-only` (scripts/test.sh's PostgreSQL pass) keeps exactly the tests that use
a database: through pytest-django's fixtures, or marked `database_under_test`."""

import subprocess
import sys
from pathlib import Path

from tests.waiting import PROCESS_DEADLINE_S

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    "tests/todos/test_recurrence.py",  # rules only: no database
    "tests/api/test_tasks.py",  # the API on the test database (`db`)
    "tests/runs/test_across_workers.py",  # workers on the test database (`django_db_setup`)
    "tests/loadcheck/test_loadcheck.py",  # `database_under_test`
]


def _collected(*options: str) -> set[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist"]
    done = subprocess.run(
        [*command, *options, *FILES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PROCESS_DEADLINE_S,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {line for line in done.stdout.splitlines() if "::" in line}


def test_only_the_tests_that_use_a_database_are_kept():
    every = _collected()
    kept = _collected("--database-tests-only")

    files_kept = {test.split("::")[0] for test in kept}
    assert files_kept == set(FILES[1:])
    for name in FILES[1:]:
        assert {test for test in every if test.startswith(name)} <= kept
    assert all(test.startswith(FILES[0]) for test in every - kept)
