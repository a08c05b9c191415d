"""Run ORM code from async code on a small, bounded pool of threads.

Django's own `sync_to_async` gives every request its own thread, and that thread keeps its
database connection until the response ends: with long-lived streams, one connection per open
stream. Here a fixed number of threads (`DB_THREADS`) do all the database work of the chat
path, and each call hands its connection back (to the PostgreSQL pool, or closes the SQLite
file) when it returns, so connections scale with work being done, not with streams open.
"""

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import connections

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=settings.DB_THREADS, thread_name_prefix="db")


def _call_then_release(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    try:
        return func(*args, **kwargs)
    finally:
        connections.close_all()


async def run_db(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`await run_db(f, ...)`: f(...) on a database thread, with the caller's context vars."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, _call_then_release, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)
