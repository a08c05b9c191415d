"""Lua scripts run from the event loop on a connection of their own: one round trip a call.

A command through redis-py's asyncio client costs about 300 Python calls besides its round
trip (the pool's lock and condition, its metrics hooks, the retry wrapper, a task per socket
write for the write's timeout (`asyncio.wait_for` on Python 3.11), and ~13 calls an argument
to pack it), a pipeline more: on the chat path that was most of what Redis added to a text
event, and a third of a millisecond of a turn's CPU for registering its run alone
(docs/PERFORMANCE.md). A `Script` call goes straight on the loop's script connection, packed
by hiredis in C, under one timeout.

The connection takes one call at a time (a lock). A call interrupted while it writes or reads
(its timeout, a cancel) drops the connection (redis-py's connection does that itself: the
reply may still come), and the next call connects again. Failures come out as redis-py's
errors (`RedisError`), whatever the socket said.
"""

import asyncio
import hashlib
import weakref
from collections.abc import Sequence
from typing import Any

import hiredis
import redis.asyncio as redis
from redis.exceptions import ConnectionError, NoScriptError

from transport.client import COMMAND_TIMEOUT_S, CONNECT_TIMEOUT_S, redis_client

Argument = int | str | bytes


class _ScriptConnection:
    """An event loop's connection for scripts (see the module's docstring)."""

    def __init__(self, pool: redis.ConnectionPool) -> None:
        # The pool's way of connecting (its URL and options), but no socket timeout: the
        # call's own timeout covers connecting, writing and reading at once.
        options = pool.connection_kwargs | {"socket_timeout": None, "health_check_interval": 0}
        self._connection = pool.connection_class(**options)
        self._lock = asyncio.Lock()

    async def call(self, script: "Script", keys: Sequence[str], args: Sequence[Argument]) -> Any:
        async with self._lock, asyncio.timeout(CONNECT_TIMEOUT_S + COMMAND_TIMEOUT_S):
            try:
                return await self._round_trip("EVALSHA", script.sha, keys, args)
            except NoScriptError:  # a restarted Redis: EVAL caches the script again
                return await self._round_trip("EVAL", script.source, keys, args)

    async def _round_trip(
        self, command: str, script: str, keys: Sequence[str], args: Sequence[Argument]
    ) -> Any:
        packed = hiredis.pack_command((command, script, len(keys), *keys, *args))
        await self._connection.send_packed_command(packed)
        return await self._connection.read_response()


_connections: weakref.WeakKeyDictionary[redis.Redis, _ScriptConnection] = (
    weakref.WeakKeyDictionary()
)


def _script_connection() -> _ScriptConnection:
    """The script connection of this event loop's client (a new one when REDIS_URL changes)."""
    client = redis_client()
    connection = _connections.get(client)
    if connection is None:
        connection = _connections[client] = _ScriptConnection(client.connection_pool)
    return connection


class Script:
    """A Lua script, called as `await script(keys, args)` on the running loop's script
    connection; its reply as Redis gives it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, keys: Sequence[str], args: Sequence[Argument]) -> Any:
        try:
            return await _script_connection().call(self, keys, args)
        except (OSError, TimeoutError) as exc:  # the socket's or the call's own timeout
            raise ConnectionError(f"Redis script call failed: {exc!r}") from exc
