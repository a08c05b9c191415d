"""The Redis live log: every worker publishes to and follows the same per-user streams.

Keys, under LIVE_REDIS_PREFIX:
- `user:<id>`      a Redis stream of the user's events. Redis assigns the ids (`<ms>-<n>`), so
                   their order is the order the commits reached Redis; each append trims
                   entries older than LIVE_EVENTS_TTL_S (XTRIM MINID, one script with the XADD)
                   and the key expires after that long without one: a resume point older than
                   that (by Redis's clock) gets `resync`.
- `streams:<id>`   a sorted set of the user's open streams, oldest first (LIVE_STREAMS_PER_USER).
- `once:<id>:<key>` an event appended with `once=<key>` (a reminder): set with the append, in
                   the same script, so that event is never appended twice (ONCE_TTL_S).
- `reader:<uuid>`  one per worker: a poke wakes that worker's reader when a stream subscribes.

Not transport.Streams: there the writer picks each entry's position, here Redis's clock and
arrival order must (ordering across workers, retention by age). Its process-wide client is
used for everything but the commit-time append, which is synchronous (it runs on the thread
that committed) and the reader's own blocking connection.

One reader per worker: a single XREAD BLOCK over the streams of every user with a stream open
here, its entries parsed once and handed to each of that user's subscriptions. An idle stream
costs no Redis command and no connection.
"""

import asyncio
import logging
import time
import uuid
import weakref

import redis.asyncio as aioredis
from django.conf import settings
from redis.exceptions import RedisError, ResponseError

from live.events import LiveEntry, LiveEvent, format_event_id, parse_event_id
from live.logs.base import ONCE_TTL_S, EventId, LiveLog, Subscription, resume_point
from transport.client import connection_options, redis_client
from transport.scripts import Script

logger = logging.getLogger("live")

FIELD = b"e"
BLOCK_MS = 5000  # the reader's longest wait in one XREAD
STREAMS_KEY_TTL_S = 24 * 3600  # the open-stream set of a user nobody reopens is forgotten
CONTROL_MAXLEN = 16
REDIS_ERROR_PAUSE_S = 1.0

# XADD each event (ARGV[3]...), then trim what is older than the TTL from the last entry's
# own time (Redis's clock), then keep the key that long: one round trip, one clock. With a
# once-key (KEYS[2]), nothing if that key is set, else it is set with the append, atomically.
APPEND = Script(
    """
if KEYS[2] and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  return false
end
local id
for i = 3, #ARGV do
  id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
end
local ms = tonumber(string.match(id, '^(%d+)-'))
redis.call('XTRIM', KEYS[1], 'MINID', tostring(ms - tonumber(ARGV[1])))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return id
"""
)


def _event_id(raw: bytes | str) -> EventId:
    return parse_event_id(raw.decode() if isinstance(raw, bytes) else raw)


def _entries(raw_entries) -> list[LiveEntry]:
    return [
        LiveEntry(_event_id(entry_id), LiveEvent.from_record(fields[FIELD]))
        for entry_id, fields in raw_entries
    ]


class _Reader:
    """This worker's one XREAD over the streams its subscriptions follow."""

    def __init__(self, prefix: str) -> None:
        self.cursors: dict[bytes, bytes] = {}
        self.subscriptions: dict[bytes, set[Subscription]] = {}
        self.control = f"{prefix}reader:{uuid.uuid4().hex}".encode()
        self.control_cursor = b"0-0"
        self.task: asyncio.Task | None = None
        self._pokes: set[asyncio.Task] = set()

    def add(self, key: bytes, subscription: Subscription) -> None:
        subscriptions = self.subscriptions.setdefault(key, set())
        if not subscriptions:
            self.cursors[key] = format_event_id(subscription.start.after).encode()
        subscriptions.add(subscription)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._read())
        else:
            poke = asyncio.get_running_loop().create_task(self._poke())
            self._pokes.add(poke)
            poke.add_done_callback(self._pokes.discard)

    def remove(self, key: bytes, subscription: Subscription) -> None:
        subscriptions = self.subscriptions.get(key)
        if subscriptions is None:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self.subscriptions[key]
            self.cursors.pop(key, None)

    async def _poke(self) -> None:
        """Wake the blocked XREAD, so it reads the new key too."""
        try:
            async with redis_client().pipeline(transaction=False) as pipe:
                pipe.xadd(self.control, {"p": b"1"}, maxlen=CONTROL_MAXLEN, approximate=False)
                pipe.pexpire(self.control, BLOCK_MS * 4)
                await pipe.execute()
        except RedisError:
            logger.exception("waking the live reader failed")

    async def _read(self) -> None:
        options = connection_options() | {"socket_timeout": BLOCK_MS / 1000 + 10}
        connection = aioredis.Redis.from_url(settings.REDIS_URL, **options)
        try:
            while True:
                streams = {self.control: self.control_cursor, **self.cursors}
                try:
                    reply = await connection.xread(streams, block=BLOCK_MS)
                except RedisError:
                    logger.exception("reading live events failed; retrying")
                    await asyncio.sleep(REDIS_ERROR_PAUSE_S)
                    continue
                for key, raw_entries in reply or []:
                    self._dispatch(key, raw_entries)
        finally:
            await connection.aclose()

    def _dispatch(self, key: bytes, raw_entries) -> None:
        if key == self.control:
            self.control_cursor = raw_entries[-1][0]
            return
        if key not in self.cursors:
            return  # its last stream closed meanwhile
        self.cursors[key] = raw_entries[-1][0]
        entries = _entries(raw_entries)
        for subscription in list(self.subscriptions.get(key, ())):
            subscription.deliver(entries)


class RedisLiveLog(LiveLog):
    def __init__(self) -> None:
        self.prefix = settings.LIVE_REDIS_PREFIX
        self._readers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Reader] = (
            weakref.WeakKeyDictionary()
        )

    def user_key(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def _streams_key(self, user_id: int) -> str:
        return f"{self.prefix}streams:{user_id}"

    def _reader(self) -> _Reader:
        loop = asyncio.get_running_loop()
        reader = self._readers.get(loop)
        if reader is None:
            reader = self._readers[loop] = _Reader(self.prefix)
        return reader

    def append(self, user_id: int, *events: LiveEvent, once: str = "") -> bool:
        ttl_ms = int(settings.LIVE_EVENTS_TTL_S * 1000)
        keys = [self.user_key(user_id)]
        if once:
            keys.append(f"{self.prefix}once:{user_id}:{once}")
        records = [event.to_record() for event in events]
        # From the committing thread, blocking.
        return APPEND.call_blocking(keys, [ttl_ms, ONCE_TTL_S, *records]) is not None

    async def subscribe(self, user_id: int, *, after: EventId | None) -> Subscription:
        key = self.user_key(user_id)
        client = redis_client()
        async with client.pipeline(transaction=True) as pipe:
            pipe.xinfo_stream(key)
            pipe.time()
            info, (seconds, micros) = await pipe.execute(raise_on_error=False)
        now_ms = seconds * 1000 + micros // 1000
        # No such key: nothing retained.
        last = None if isinstance(info, ResponseError) else _event_id(info["last-generated-id"])
        start = resume_point(requested=after, last=last, current=(now_ms - 1, 0), now_ms=now_ms)
        subscription = Subscription(user_id, start)
        subscription.hold()
        self._reader().add(key.encode(), subscription)
        backlog = await client.xrange(key, min=f"({format_event_id(start.after)}", max="+")
        subscription.caught_up(_entries(backlog))
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._reader().remove(self.user_key(subscription.user_id).encode(), subscription)

    async def stream_opened(self, user_id: int, stream: str) -> list[str]:
        key = self._streams_key(user_id)
        keep = settings.LIVE_STREAMS_PER_USER
        async with redis_client().pipeline(transaction=True) as pipe:
            pipe.zadd(key, {stream: time.time()})
            pipe.zrange(key, 0, -(keep + 1))
            pipe.zremrangebyrank(key, 0, -(keep + 1))
            pipe.expire(key, STREAMS_KEY_TTL_S)
            _, evicted, _, _ = await pipe.execute()
        return [member.decode() for member in evicted]

    async def stream_closed(self, user_id: int, stream: str) -> None:
        try:
            await redis_client().zrem(self._streams_key(user_id), stream)
        except RedisError:
            logger.exception("forgetting a closed live stream failed")
