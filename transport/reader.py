"""One Redis reader per worker: every stream this process follows, read with ONE blocking
XREAD on a connection of its own, and fanned out in process to the subscribers of each.

Redis connections per worker stay constant however many listeners follow however many
streams. A subscriber that joins wakes the reader (CLIENT UNBLOCK from a pooled connection),
so its stream is in the very next XREAD; a subscriber that leaves is dropped at the next one.
The XREAD blocks READ_BLOCK_MS, well under its connection's socket timeout, so a silent
stream never looks like a dead connection. When Redis fails, every subscriber of that read
gets StreamsUnavailable; later subscribers get a new connection.
"""

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator

import redis.asyncio as redis
from django.conf import settings
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from transport.base import Entry, StreamsUnavailable
from transport.client import COMMAND_TIMEOUT_S, connection_options, redis_client
from transport.stream_ids import entry_of, stream_id

logger = logging.getLogger("transport")

READ_BLOCK_MS = 1000  # the longest a joining subscriber waits if its wake-up is missed
READ_COUNT = 1000  # entries per stream per read
RETRY_AFTER_FAILURE_S = 0.5
UNBLOCK_ATTEMPTS = 50  # a wake-up sent before the XREAD reached Redis is sent again


class Subscription:
    """One subscriber's entries not yet taken, and its wait for more."""

    __slots__ = ("_failure", "_pending", "_waiter", "after", "key")

    def __init__(self, key: str, after: int) -> None:
        self.key = key
        self.after = after  # the last position handed to this subscriber
        self._pending: list[Entry] = []
        self._waiter: asyncio.Future[None] | None = None
        self._failure: Exception | None = None

    def deliver(self, entries: list[Entry], *, read_after: int) -> None:
        """Entries read after position `read_after`: only a continuation of what this
        subscriber has (one that joined behind that read gets its own at the next)."""
        if self.after < read_after:
            return
        fresh = [entry for entry in entries if entry.position > self.after]
        if not fresh:
            return
        self.after = fresh[-1].position
        self._pending.extend(fresh)
        self._wake()

    def fail(self, failure: Exception) -> None:
        self._failure = failure
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next_batch(self, idle_s: float) -> list[Entry]:
        """What arrived since the last call, or `[]` after `idle_s` without anything."""
        if not self._pending and self._failure is None:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(idle_s):
                    await self._waiter
            except TimeoutError:
                pass
            finally:
                self._waiter = None
        if self._pending:
            batch, self._pending = self._pending, []
            return batch
        if self._failure is not None:
            raise StreamsUnavailable(str(self._failure)) from self._failure
        return []


class StreamReader:
    """The reader of one event loop (connections belong to one loop)."""

    def __init__(self) -> None:
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._task: asyncio.Task | None = None
        self._connection: redis.Redis | None = None
        self._connection_id: int | None = None
        self._reading = False  # an XREAD is in flight
        self._changed = False  # a subscriber joined since that XREAD was sent
        self._waking: asyncio.Task | None = None

    @property
    def followed(self) -> int:
        """How many streams the reader follows now."""
        return len(self._subscriptions)

    def add(self, subscription: Subscription) -> None:
        self._subscriptions.setdefault(subscription.key, set()).add(subscription)
        self._changed = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        elif self._reading and self._waking is None:
            self._waking = asyncio.create_task(self._wake())

    def remove(self, subscription: Subscription) -> None:
        subscribers = self._subscriptions.get(subscription.key)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[subscription.key]

    async def _connect(self) -> redis.Redis:
        if self._connection is None:
            options = connection_options() | {
                # Longer than the XREAD's block: silence is not a broken connection.
                "socket_timeout": READ_BLOCK_MS / 1000 + COMMAND_TIMEOUT_S,
                "retry": Retry(NoBackoff(), 0),
                "health_check_interval": 0,
            }
            connection = redis.Redis.from_url(
                settings.REDIS_URL, single_connection_client=True, **options
            )
            try:
                self._connection_id = await connection.client_id()
            except BaseException:
                await connection.aclose()
                raise
            self._connection = connection
        return self._connection

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.aclose()

    async def _run(self) -> None:
        try:
            while self._subscriptions:
                await self._read()
                if not self._subscriptions:
                    # Idle: let the connection go. A subscriber that joins meanwhile finds
                    # this task still running (add() starts no other), so look again after.
                    await self._disconnect()
        finally:
            await self._disconnect()

    async def _read(self) -> None:
        """One XREAD of every followed stream, handed to their subscribers."""
        # Each stream from the earliest position one of its subscribers still needs.
        read_after = {
            key: min(subscription.after for subscription in subscribers)
            for key, subscribers in self._subscriptions.items()
        }
        positions = {key: stream_id(after) for key, after in read_after.items()}
        self._changed = False
        try:
            connection = await self._connect()
            self._reading = True
            try:
                reply = await connection.xread(positions, count=READ_COUNT, block=READ_BLOCK_MS)
            finally:
                self._reading = False
        except (RedisError, OSError) as exc:
            logger.warning("reading streams from Redis failed: %r", exc)
            await self._disconnect()
            for key in positions:
                for subscription in list(self._subscriptions.pop(key, ())):
                    subscription.fail(exc)
            await asyncio.sleep(RETRY_AFTER_FAILURE_S)
            return
        for raw_key, stream_entries in reply or ():
            key = raw_key.decode()
            subscribers = self._subscriptions.get(key)
            if not subscribers:
                continue
            entries = [entry_of(*stream_entry) for stream_entry in stream_entries]
            for subscription in list(subscribers):
                subscription.deliver(entries, read_after=read_after[key])

    async def _wake(self) -> None:
        """Interrupt the XREAD in flight, so that it is sent again with the new streams."""
        try:
            for _ in range(UNBLOCK_ATTEMPTS):
                if not (self._reading and self._changed):
                    return
                if await redis_client().client_unblock(self._connection_id):
                    return
                await asyncio.sleep(0.002)  # the XREAD has not reached Redis yet
        except RedisError:
            pass  # the XREAD ends by itself within READ_BLOCK_MS
        finally:
            self._waking = None


_readers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, StreamReader] = (
    weakref.WeakKeyDictionary()
)


def stream_reader() -> StreamReader:
    loop = asyncio.get_running_loop()
    reader = _readers.get(loop)
    if reader is None:
        reader = _readers[loop] = StreamReader()
    return reader


async def subscribe(key: str, *, after: int, idle_s: float) -> AsyncIterator[list[Entry]]:
    """The stream's entries after position `after` in batches, as they arrive, through this
    worker's one reader; `[]` after `idle_s` of silence. Raises StreamsUnavailable if Redis
    fails. Leaving the iteration unsubscribes."""
    reader = stream_reader()
    subscription = Subscription(key, after)
    reader.add(subscription)
    try:
        while True:
            yield await subscription.next_batch(idle_s)
    finally:
        reader.remove(subscription)
