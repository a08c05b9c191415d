"""Streams in Redis (Redis Streams), shared by every worker (ids: `transport.stream_ids`).
Writes and one-off reads go through the process's pool; following goes through the worker's
one reader (`transport.reader`)."""

from collections.abc import AsyncIterator, Sequence

from redis.exceptions import RedisError

from transport import reader
from transport.base import Entry, Streams, StreamsUnavailable
from transport.client import redis_client
from transport.stream_ids import FIELD, entry_of, stream_id


class RedisStreams(Streams):
    async def append(self, key: str, entries: Sequence[Entry], *, ttl_s: float) -> list[bool]:
        try:
            async with redis_client().pipeline(transaction=False) as pipe:
                for entry in entries:
                    pipe.xadd(key, {FIELD: entry.data}, id=stream_id(entry.position))
                pipe.pexpire(key, int(ttl_s * 1000))
                replies = await pipe.execute(raise_on_error=False)
        except RedisError as exc:
            raise StreamsUnavailable(str(exc)) from exc
        return [not isinstance(reply, Exception) for reply in replies[: len(entries)]]

    async def read(self, key: str, *, after: int, count: int = 1000) -> list[Entry]:
        try:
            reply = await redis_client().xread({key: stream_id(after)}, count=count)
        except RedisError as exc:
            raise StreamsUnavailable(str(exc)) from exc
        return [entry_of(entry_id, fields) for entry_id, fields in reply[0][1]] if reply else []

    async def last(self, key: str) -> Entry | None:
        try:
            reply = await redis_client().xrevrange(key, count=1)
        except RedisError as exc:
            raise StreamsUnavailable(str(exc)) from exc
        return entry_of(*reply[0]) if reply else None

    async def expire(self, key: str, *, ttl_s: float) -> None:
        try:
            await redis_client().pexpire(key, int(ttl_s * 1000))
        except RedisError as exc:
            raise StreamsUnavailable(str(exc)) from exc

    def subscribe(self, key: str, *, after: int, idle_s: float) -> AsyncIterator[list[Entry]]:
        return reader.subscribe(key, after=after, idle_s=idle_s)
