"""Lua scripts run from the event loop on a connection of their own: one round trip a call.

A command through redis-py's asyncio client costs about 300 Python calls besides its round
trip (the pool's lock and condition, its metrics hooks, the retry wrapper, a task per socket
write for the write's timeout (`asyncio.wait_for` on Python 3.11), and ~13 calls an argument
to pack it), a pipeline more: on the chat path that was most of what Redis added to a text
event, and a third of a millisecond of a turn's CPU for registering its run alone
(docs/PERFORMANCE.md). A `Script` call goes straight on the loop's script connection, packed
by hiredis in C, under one timeout.

Calls are pipelined: each is written as it comes, and one reader task hands the replies, in
order, to their calls, so a hundred runs registering at once cost about one round trip, not a
hundred one after another (each a pass of a busy event loop). A call that gives up (it was
cancelled) leaves its reply to be read and dropped. A call whose time ran out, or a write or
a read that failed, drops the connection and fails every call waiting on it; the next call
connects again. Failures come out as redis-py's errors (`RedisError`), whatever the socket
said.
"""

import asyncio
import hashlib
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any

import hiredis
import redis.asyncio as redis
from redis.exceptions import ConnectionError, NoScriptError, ResponseError

from transport.client import COMMAND_TIMEOUT_S, CONNECT_TIMEOUT_S, redis_client

Argument = int | str | bytes


class _ScriptConnection:
    """An event loop's connection for scripts (see the module's docstring)."""

    def __init__(self, pool: redis.ConnectionPool) -> None:
        # The pool's way of connecting (its URL and options), but no socket timeout: the
        # call's own timeout covers connecting, writing and reading at once.
        options = pool.connection_kwargs | {"socket_timeout": None, "health_check_interval": 0}
        self._connection = pool.connection_class(**options)
        self._connecting = asyncio.Lock()
        # The calls written and not answered yet, oldest first: one deque per connection made,
        # so a reader of a dropped connection fails only its own calls.
        self._waiting: deque[asyncio.Future] = deque()
        self._reader: asyncio.Task | None = None

    async def call(self, script: "Script", keys: Sequence[str], args: Sequence[Argument]) -> Any:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S + COMMAND_TIMEOUT_S):
                try:
                    return await self._round_trip("EVALSHA", script.sha, keys, args)
                except NoScriptError:  # a restarted Redis: EVAL caches the script again
                    return await self._round_trip("EVAL", script.source, keys, args)
        except TimeoutError:
            await self._drop(self._waiting)
            raise

    async def _round_trip(
        self, command: str, script: str, keys: Sequence[str], args: Sequence[Argument]
    ) -> Any:
        packed = hiredis.pack_command((command, script, len(keys), *keys, *args))
        if not self._connection.is_connected:
            async with self._connecting:
                if not self._connection.is_connected:
                    await self._connection.connect()
        reply = asyncio.get_running_loop().create_future()
        waiting = self._waiting
        # No await between this append and the write below: replies come in this order.
        waiting.append(reply)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(waiting))
        try:
            await self._connection.send_packed_command(packed, check_health=False)
        except BaseException:
            await self._drop(waiting)  # redis-py closed it: what was written is lost
            raise
        return await reply

    async def _read(self, waiting: deque[asyncio.Future]) -> None:
        """Hand each reply to the oldest call waiting, while there are calls waiting."""
        while waiting:
            try:
                reply = await self._connection.read_response()
            except ResponseError as error:  # an error reply: its call's, not the connection's
                reply = error
            except BaseException as exc:
                await self._drop(waiting, exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                return
            call = waiting.popleft()
            if call.done():
                continue  # given up: the reply is dropped
            if isinstance(reply, Exception):
                call.set_exception(reply)
            else:
                call.set_result(reply)

    async def _drop(self, waiting: deque[asyncio.Future], cause: BaseException | None = None):
        """Fail the calls waiting on the connection `waiting` belongs to, and close it, if it
        is still the current one. Nobody connects again before its reader is gone (redis-py
        closes the connection when a read is interrupted: it would close the new one)."""
        if waiting is not self._waiting:
            return  # already dropped: another connection serves the calls now
        self._waiting = deque()
        failure = ConnectionError(f"the script connection was dropped ({cause!r})")
        while waiting:
            call = waiting.popleft()
            if not call.done():
                call.set_exception(failure)
        reader, self._reader = self._reader, None
        async with self._connecting:
            await self._connection.disconnect(nowait=True)
            if reader is not None and reader is not asyncio.current_task():
                reader.cancel()
                await asyncio.wait([reader])


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
