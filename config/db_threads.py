"""Run ORM code from async code on a small, bounded pool of database threads.

Django's own `sync_to_async` gives every request its own thread, and that thread keeps its
database connection until the response ends: with long-lived streams, one connection per open
stream. Here a fixed number of threads (`DB_THREADS`) do all the database work of the chat
path, so connections scale with the pool, not with streams open.

Each thread keeps its connection open between calls. Closing it after every call made each
call reconnect: for SQLite a new file handle, the WAL/synchronous PRAGMAs and Django's function
registration, about 15% of a streamed turn's server CPU (docs/PERFORMANCE.md). A connection is
closed when a call left it broken (an error, and it no longer answers) or with a transaction
still open, and reopened by the next call. With PostgreSQL each thread holds one connection of
the process's psycopg pool (keep `DB_THREADS` below `DB_POOL_MAX_SIZE`).

A connection can die under a thread (a database restart). Such a call is retried once, on a
fresh connection, when it failed before any statement succeeded (so it wrote nothing);
PostgreSQL's pool checks a connection before handing it out (config/settings.py), so the
retry gets a live one.

SQLite takes one writer at a time, and a writer that finds the lock taken waits in SQLite's
busy handler, which polls with sleeps of up to 100 ms: under a burst of streams that, not
the work, was most of a turn's latency. So with SQLite the calls of one process take turns
on a lock here instead, and SQLite's busy timeout is left to writers in other processes.
"""

import asyncio
import contextlib
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=settings.DB_THREADS, thread_name_prefix="db")


def _close_if_unusable() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        if connection.get_autocommit() != connection.settings_dict["AUTOCOMMIT"]:
            connection.close()  # left mid-transaction: never hand that to the next call
        elif connection.errors_occurred:
            if connection.is_usable():
                connection.errors_occurred = False
            else:
                connection.close()


@functools.cache
def _one_at_a_time() -> contextlib.AbstractContextManager:
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return threading.Lock()
    return contextlib.nullcontext()


def is_connection_failure(exc: BaseException) -> bool:
    """True for an error that says the database could not be reached or the connection is
    gone, not one about the statement or the data (Django wraps the driver's errors, a
    pool's timeout included)."""
    return isinstance(exc, OperationalError | InterfaceError)


class _StatementCounter:
    """Counts the statements that succeeded during a call (a Django execute wrapper)."""

    def __init__(self) -> None:
        self.succeeded = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        self.succeeded += 1
        return result


def _call_retrying_dead_connection(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    counter = _StatementCounter()
    # Not Django's `execute_wrapper()` context manager: it pops the *last* wrapper on exit, and
    # a wrapper added meanwhile (a connection_created receiver that counts statements, as the
    # tests' and bench/turn_cost.py's do) would be dropped instead of this one.
    wrappers = connections["default"].execute_wrappers
    wrappers.append(counter)
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        if counter.succeeded or not is_connection_failure(exc):
            raise
    finally:
        wrappers.remove(counter)
    for connection in connections.all(initialized_only=True):
        connection.close()  # dead: the next call connects afresh (a checked pool connection)
    return func(*args, **kwargs)


def _call_then_check(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    with _one_at_a_time():
        try:
            return _call_retrying_dead_connection(func, *args, **kwargs)
        finally:
            _close_if_unusable()


async def run_db(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`await run_db(f, ...)`: f(...) on a database thread, with the caller's context vars."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, _call_then_check, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


def close_connections() -> None:
    """Close every database thread's connections (each reopens on its next call).

    For tests and shutdown: a database can be dropped only once nobody holds a connection
    to it. Blocking; call it from outside the pool. Each thread closes its own connections
    (Django's connections belong to their thread): one job per thread, held at a barrier so
    no thread takes two.
    """
    if _executor.cache_info().currsize == 0:
        return  # no database thread was ever started
    executor = _executor()
    threads = executor._max_workers
    barrier = threading.Barrier(threads)

    def close_own() -> None:
        connections.close_all()
        barrier.wait(timeout=30)

    for job in [executor.submit(close_own) for _ in range(threads)]:
        job.result()
