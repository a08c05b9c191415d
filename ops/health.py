"""Readiness: can this worker serve a chat turn right now?

Each check answers "ok" or says that it failed; a failing check names at most the exception's
class, never its message or what it found, such as which migrations are unapplied (the
endpoint needs no credentials, and a connection error can name hosts and users), and logs the
details instead.
"""

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from config.db_threads import run_db
from ops import shutdown
from transport.client import redis_client

logger = logging.getLogger("ops.health")

OK = "ok"
CHECK_TIMEOUT_S = 3.0

Check = Callable[[], Awaitable[str]]


@functools.cache
def _migrations_on_disk() -> frozenset[tuple[str, str]]:
    """The project's migrations (after squashing), read from disk once per process."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _unapplied_migrations() -> list[str]:
    """One query on the database threads' pool, the one the chat path uses: the migrations
    recorded in the database, against the ones on disk."""
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in _migrations_on_disk() - applied.keys())


async def check_database_and_migrations() -> dict[str, str]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            unapplied = await run_db(_unapplied_migrations)
    except Exception as exc:
        logger.warning("readiness: database check failed: %r", exc)
        return {"database": _failed(exc), "migrations": "not checked"}
    if unapplied:
        # Which ones is for the operator's log, not for a public endpoint.
        logger.warning("readiness: unapplied migrations: %s", ", ".join(unapplied))
        return {"database": OK, "migrations": "failed: unapplied"}
    return {"database": OK, "migrations": OK}


async def check_redis() -> str:
    """A PING through the client the app itself uses (transport.client), so the answer is
    about the connections runs and limits use, not a fresh one of its own."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await redis_client().ping()
    except Exception as exc:
        logger.warning("readiness: Redis check failed: %r", exc)
        return _failed(exc)
    return OK


async def readiness() -> dict[str, str]:
    """Every check's answer by name; the worker is ready when all are "ok"."""
    checks: list[Awaitable] = [check_database_and_migrations()]
    if settings.REDIS_URL:
        checks.append(check_redis())
    database, *rest = await asyncio.gather(*checks)
    results = dict(database)
    if rest:
        results["redis"] = rest[0]
    if shutdown.draining():
        results["shutdown"] = "draining: this worker takes no new runs"
    return results


def _failed(exc: BaseException) -> str:
    return f"failed: {'timeout' if isinstance(exc, TimeoutError) else type(exc).__name__}"
