"""Waiting for a condition instead of for a time: tests poll until what they expect holds, with
deadlines generous enough for a loaded machine (a busy 2-core runner is many times slower than
a quiet one), so they fail only when the condition never comes."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Long enough for a machine several times slower than a quiet one; a passing test never waits
# this long, it returns as soon as the condition holds.
DEADLINE_S = 60.0
# A Python process that starts Django, DRF and the agent SDK (manage.py, a worker): seconds on a
# quiet machine, many more on a loaded one; a hang guard, not a measure.
PROCESS_DEADLINE_S = 300.0


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float = DEADLINE_S,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
) -> T:
    """Poll `condition` until it returns something truthy and return that; after `timeout`
    seconds fail the test with `message` (or a callable giving it: the state at the end)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            detail = message() if callable(message) else message
            raise AssertionError(f"not within {timeout:g} s: {detail or condition}")
        time.sleep(interval)
