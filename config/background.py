"""Work done off the request path: a small pool of threads running jobs after the request's
transaction commits, so a reply never waits for (nor its timing reveals) the work, e.g.
looking up an address and sending a mail over SMTP (accounts/mail.py).

A job's failure is logged with the job's name and the exception's type only: an exception's
message may carry what the job was given (an address). Each job closes its database
connections when it ends (a PostgreSQL one goes back to the pool).
"""

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import ParamSpec

from django.db import connections, transaction

P = ParamSpec("P")
BACKGROUND_THREADS = 2
logger = logging.getLogger("config.background")

_pending: set[Future] = set()
_pending_lock = threading.Lock()


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=BACKGROUND_THREADS, thread_name_prefix="background")


def _run(job: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> None:
    try:
        job(*args, **kwargs)
    except Exception as exc:
        logger.error("background job %s failed: %s", job.__qualname__, type(exc).__name__)
        logger.debug("background job %s failed", job.__qualname__, exc_info=True)
    finally:
        connections.close_all()


def _submit(job: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> None:
    future = _executor().submit(_run, job, *args, **kwargs)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def run_after_commit(job: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run `job(*args, **kwargs)` on a background thread once the current transaction
    commits (at once outside a transaction; never if it rolls back)."""
    transaction.on_commit(lambda: _submit(job, *args, **kwargs))


def background_jobs_wait(timeout_s: float) -> bool:
    """Wait until every job submitted so far has ended; False if some are still running after
    `timeout_s` (tests wait for a mail that way; a shutdown could too)."""
    with _pending_lock:
        pending = list(_pending)
    _, not_done = wait(pending, timeout=timeout_s)
    return not not_done
