"""Lua scripts run from the event loop on a connection of their own: one round trip a call.

A command through redis-py's asyncio client costs about 300 Python calls besides its round
trip (the pool's lock and condition, its metrics hooks, the retry wrapper, a task per socket
write for the write's timeout (`asyncio.wait_for` on Python 3.11), and ~13 calls an argument
to pack it), a pipeline more: on the chat path that was most of what Redis added to a text
event, and a third of a millisecond of a turn's CPU for registering its run alone
(docs/PERFORMANCE.md). A `Script` call goes straight on the loop's script connection, packed
by hiredis in C, under one timeout.

Calls are pipelined: each is written as it comes, and the replies are handed, in order, to
their calls, so a hundred runs registering at once cost about one round trip, not a hundred
one after another (each a pass of a busy event loop). The call that finds nobody reading reads
itself, for itself and the calls before it (a call alone, the usual case, costs no task); calls
still waiting when it has its reply get a reader task. A call that gives up (cancelled) leaves
its reply to be read and dropped. A call whose time ran out, or a write or a read that failed,
drops the connection and fails every call waiting on it; the next call connects anew, on a new
connection object, so a late read of the old one can never reach the new one. Failures come
out as redis-py's errors (`RedisError`), whatever the socket said.
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


class _Link:
    """One connection made, and the calls written on it and not answered yet, oldest first."""

    def __init__(self, pool: redis.ConnectionPool) -> None:
        # The pool's way of connecting (its URL and options), but no socket timeout: the
        # call's own timeout covers connecting, writing and reading at once.
        options = pool.connection_kwargs | {"socket_timeout": None, "health_check_interval": 0}
        self.connection = pool.connection_class(**options)
        self.waiting: deque[asyncio.Future] = deque()
        self.reading = False  # a call or a task reads its replies
        # Connected and through the handshake (HELLO, CLIENT SETNAME, SELECT): redis-py calls
        # itself connected before that, and a call written during it would take its replies.
        self.ready = False


class _ScriptConnection:
    """An event loop's connection for scripts (see the module's docstring)."""

    def __init__(self, pool: redis.ConnectionPool) -> None:
        self._pool = pool
        self._link = _Link(pool)
        self._connecting = asyncio.Lock()
        self._readers: set[asyncio.Task] = set()

    async def call(self, script: "Script", keys: Sequence[str], args: Sequence[Argument]) -> Any:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S + COMMAND_TIMEOUT_S):
                try:
                    return await self._round_trip("EVALSHA", script.sha, keys, args)
                except NoScriptError:  # a restarted Redis: EVAL caches the script again
                    return await self._round_trip("EVAL", script.source, keys, args)
        except TimeoutError:
            await self._drop(self._link)
            raise

    async def _connected(self) -> _Link:
        """The current link, once ready (one call connects it, the others wait for that)."""
        while not (link := self._link).ready:
            async with self._connecting:
                if link is self._link and not link.ready:
                    await link.connection.connect()
                    link.ready = True
            if link is not self._link:  # dropped while it connected
                await link.connection.disconnect(nowait=True)
        return link

    async def _round_trip(
        self, command: str, script: str, keys: Sequence[str], args: Sequence[Argument]
    ) -> Any:
        packed = hiredis.pack_command((command, script, len(keys), *keys, *args))
        link = await self._connected()
        reply = asyncio.get_running_loop().create_future()
        # No await between this append and the write below: replies come in this order.
        link.waiting.append(reply)
        try:
            await link.connection.send_packed_command(packed, check_health=False)
        except BaseException:
            await self._drop(link)  # redis-py closed it: what was written is lost
            raise
        if not link.reading:
            await self._read(link, until=reply)
        return await reply

    async def _read(self, link: _Link, until: asyncio.Future | None = None) -> None:
        """Hand each reply to the oldest call waiting: until `until` is answered (a call
        reading for itself and those before it), else while calls wait (a reader task)."""
        link.reading = True
        try:
            while link.waiting and (until is None or not until.done()):
                try:
                    # Not closed when interrupted: a cancelled read leaves nothing half read.
                    reply = await link.connection.read_response(disconnect_on_error=False)
                except ResponseError as error:  # an error reply: its call's alone
                    reply = error
                call = link.waiting.popleft()
                if call.done():
                    continue  # given up: the reply is dropped
                if isinstance(reply, Exception):
                    call.set_exception(reply)
                else:
                    call.set_result(reply)
        except asyncio.CancelledError:
            if until is not None:
                until.cancel()  # given up: its reply will be dropped
            raise
        except Exception as exc:  # the connection failed: every call on it does
            await self._drop(link, exc)
        finally:
            link.reading = False
            if link.waiting and link is self._link:  # calls still wait: a task reads for them
                link.reading = True
                reader = asyncio.create_task(self._read(link))
                self._readers.add(reader)
                reader.add_done_callback(self._readers.discard)

    async def _drop(self, link: _Link, cause: BaseException | None = None) -> None:
        """Fail the calls waiting on `link` and close it, if it is still the current one; the
        next call connects on a new one."""
        if link is not self._link:
            return  # already dropped
        self._link = _Link(self._pool)
        reason = f"the script connection was dropped ({cause!r})"
        while link.waiting:
            call = link.waiting.popleft()
            if not call.done():
                call.set_exception(ConnectionError(reason))  # one each: each is raised apart
        await link.connection.disconnect(nowait=True)


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
