"""Graceful shutdown: on SIGTERM a worker drains before uvicorn stops it.

1. At once: `draining()` turns true, so `/readyz` answers 503 and new runs are refused with
   503 `shutting_down` (a load balancer sends them to another worker).
2. For up to SHUTDOWN_GRACE_S the runs executing in this process go on and finish normally.
3. The rest are ended cleanly: saved `interrupted`, their listeners (on any worker) get
   `error` {code: "interrupted"} at once, not after a lease expires.
4. Then uvicorn's own shutdown runs (the SIGTERM handler it installed): it stops listening,
   finishes the open responses and exits.

A second SIGTERM skips the wait. Only the main thread can take over a signal; a server run
in a thread (the test suite's) keeps uvicorn's behaviour.
"""

import asyncio
import logging
import signal
import threading
from collections.abc import Callable

from django.conf import settings

from chat.runs.execution import LocalRun, local_runs
from live.streams import close_local_streams

logger = logging.getLogger("ops.shutdown")

# How long ended runs may take to save their reply and publish their last event.
END_TIMEOUT_S = 5.0

_state = {"draining": False}
_drains: set[asyncio.Task] = set()


def draining() -> bool:
    """True from the moment this worker received SIGTERM."""
    return _state["draining"]


def take_over_sigterm() -> None:
    """Install the drain as this process's SIGTERM handler (at ASGI lifespan startup)."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    server_exit = signal.getsignal(signal.SIGTERM)

    def stop_server() -> None:
        if callable(server_exit):
            server_exit(signal.SIGTERM, None)
        else:  # no server handler to hand over to: die of the signal as if never caught
            signal.signal(signal.SIGTERM, server_exit or signal.SIG_DFL)
            signal.raise_signal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: object) -> None:
        if _state["draining"]:
            loop.call_soon_threadsafe(stop_server)
            return
        _state["draining"] = True
        loop.call_soon_threadsafe(_start_drain, stop_server)

    signal.signal(signal.SIGTERM, on_sigterm)


def _start_drain(then: Callable[[], None]) -> None:
    task = asyncio.get_running_loop().create_task(drain(then))
    _drains.add(task)
    task.add_done_callback(_drains.discard)


async def drain(then: Callable[[], None]) -> None:
    grace_s = settings.SHUTDOWN_GRACE_S
    logger.info("SIGTERM: draining, %d run(s) in flight, grace %g s", len(local_runs()), grace_s)
    try:
        await wait_for_local_runs(grace_s)
        await end_local_runs()
    finally:
        # Open live streams would hold uvicorn's shutdown: their clients reconnect elsewhere.
        close_local_streams()
        then()


async def wait_for_local_runs(grace_s: float) -> None:
    """Until every run executing here has ended, or `grace_s` has passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_s
    while (tasks := _tasks(local_runs())) and (left_s := deadline - loop.time()) > 0:
        await asyncio.wait(tasks, timeout=left_s)


async def end_local_runs() -> None:
    """End every run still executing here as `interrupted` and wait for their saves."""
    runs = local_runs()
    if not runs:
        return
    logger.warning("ending %d run(s) as interrupted", len(runs))
    for run in runs:
        run.stop.request_interrupt()
    if tasks := _tasks(runs):
        await asyncio.wait(tasks, timeout=END_TIMEOUT_S)


def _tasks(runs: list[LocalRun]) -> set[asyncio.Task]:
    return {run.task for run in runs if run.task is not None and not run.task.done()}
