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

From a thread (the database threads: rate limits, admission, the live appends after a
commit), `Script.call_blocking` runs the script the same way on the thread's own blocking
connection: half the CPU of a call through redis-py's blocking client (30 µs against 61 on
the benchmark machine, most of the rest the system calls). A connection found broken is
replaced and the call made once more; a call that timed out is not (it may have run).
"""

import asyncio
import hashlib
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any

import hiredis
import redis.asyncio as redis
from redis.connection import AbstractConnection as BlockingConnection
from redis.exceptions import ConnectionError, NoScriptError, ResponseError

from transport.client import COMMAND_TIMEOUT_S, CONNECT_TIMEOUT_S, redis_client, sync_redis

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
        hand_over = True  # to a reader task, if calls still wait when this read ends
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
        except GeneratorExit:  # closed with its loop: no loop to read on, nobody waits
            hand_over = False
            raise
        except Exception as exc:  # the connection failed: every call on it does
            await self._drop(link, exc)
        finally:
            link.reading = False
            if hand_over and link.waiting and link is self._link:  # a task reads for them
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


class _ThreadConnections(threading.local):
    def __init__(self) -> None:
        # the blocking client's pool → this thread's connection (a new pool: REDIS_URL changed)
        self.of_pool: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_thread_connections = _ThreadConnections()


def _thread_connection() -> BlockingConnection:
    pool = sync_redis().connection_pool
    connection = _thread_connections.of_pool.get(pool)
    if connection is None:
        connection = pool.connection_class(**pool.connection_kwargs)
        _thread_connections.of_pool[pool] = connection
    return connection


def _blocking_round_trip(
    connection: BlockingConnection, command: str, script: str, keys: Sequence, args: Sequence
) -> Any:
    connection.send_packed_command(
        [hiredis.pack_command((command, script, len(keys), *keys, *args))], check_health=False
    )
    return connection.read_response()


class Script:
    """A Lua script, called as `await script(keys, args)` on the running loop's script
    connection, or `script.call_blocking(keys, args)` from a thread; its reply as Redis gives
    it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, keys: Sequence[str], args: Sequence[Argument]) -> Any:
        try:
            return await _script_connection().call(self, keys, args)
        except (OSError, TimeoutError) as exc:  # the socket's or the call's own timeout
            raise ConnectionError(f"Redis script call failed: {exc!r}") from exc

    def call_blocking(self, keys: Sequence[str], args: Sequence[Argument]) -> Any:
        """The same from a thread, blocking, on the thread's own connection."""
        connection = _thread_connection()
        try:
            return self._blocking_call(connection, keys, args)
        except ConnectionError:  # broken (an idle connection a restarted Redis forgot): again
            connection.disconnect()
            return self._blocking_call(connection, keys, args)

    def _blocking_call(
        self, connection: BlockingConnection, keys: Sequence[str], args: Sequence[Argument]
    ) -> Any:
        try:
            return _blocking_round_trip(connection, "EVALSHA", self.sha, keys, args)
        except NoScriptError:  # a restarted Redis: EVAL caches the script again
            return _blocking_round_trip(connection, "EVAL", self.source, keys, args)
