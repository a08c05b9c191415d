"""The process-wide Redis clients, from `REDIS_URL`: one redis.asyncio connection pool per
event loop, shared by everything in this process that talks to Redis from the loop, and one
blocking client (`sync_redis`) for code on threads (their Lua scripts: `transport.scripts`).

A connection found broken is replaced and the command retried once, so a Redis restart costs
no request an error once it is back. The pool is small and blocks past POOL_CONNECTIONS: a
command waits for a connection (each is held for one round trip; the event loop pipelines
the rest) rather than opening more, so a worker's connections stay constant however many
runs and listeners it serves: 9 a worker, with the stream reader's and the script connection
(transport/scripts.py).
redis-py's default pool (100, not blocking) failed with "Too many connections" under a burst
of 250 runs a worker (docs/PERFORMANCE.md).
"""

import asyncio
import functools
import os
import weakref

import redis.asyncio as redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis import Redis as SyncRedis
from redis import __version__ as redis_py_version
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.driver_info import DriverInfo
from redis.exceptions import ConnectionError

POOL_CONNECTIONS = 7  # pooled Redis connections per worker (one listens for run cancels)
POOL_WAIT_S = 60  # the longest a command waits for one (a loop busy with 500 streams is slow)
CONNECT_TIMEOUT_S = 5.0
COMMAND_TIMEOUT_S = 5.0  # no command the app sends blocks on the server (XREAD BLOCK: reader.py)
HEALTH_CHECK_S = 30  # a connection idle this long is checked (PING) before it is used
# What CLIENT SETINFO says, given: redis-py otherwise reads its version from the installed
# package's metadata for every connection it makes (about 2500 Python calls each).
DRIVER_INFO = DriverInfo(lib_version=redis_py_version)

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.Redis] = (
    weakref.WeakKeyDictionary()
)


def connection_options() -> dict:
    """How every connection of this process is made (the reader's too, with its own
    socket timeout)."""
    return {
        "client_name": client_name(),
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "socket_timeout": COMMAND_TIMEOUT_S,
        "health_check_interval": HEALTH_CHECK_S,
        "driver_info": DRIVER_INFO,
        # Only a connection error is retried: a command that timed out may have been applied.
        "retry": Retry(NoBackoff(), 1, supported_errors=(ConnectionError,)),
        "retry_on_error": [ConnectionError],
    }


def client_name() -> str:
    """What this process's connections are called in Redis's CLIENT LIST."""
    return f"taskstream-{os.getpid()}"


def redis_client() -> redis.Redis:
    """The client of the running event loop (connections belong to one loop)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        pool = redis.BlockingConnectionPool.from_url(
            settings.REDIS_URL,
            max_connections=POOL_CONNECTIONS,
            timeout=POOL_WAIT_S,
            **connection_options(),
        )
        client = redis.Redis(connection_pool=pool)
        _clients[loop] = client
    return client


@functools.cache
def sync_redis() -> SyncRedis:
    """The blocking client, for code on threads (a slot given back when a turn did not open;
    the threads' scripts run on connections of their own made like this client's,
    `transport.scripts.Script.call_blocking`). redis-py's pool is thread-safe."""
    return SyncRedis.from_url(
        settings.REDIS_URL,
        socket_timeout=COMMAND_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
    )


@receiver(setting_changed)
def _forget_clients_on_settings_change(*, setting: str, **kwargs) -> None:
    if setting == "REDIS_URL":
        _clients.clear()
        sync_redis.cache_clear()
