"""Streams in Redis (Redis Streams), shared by every worker.

An entry at position p is the stream entry `0-<p + 1>` with one field, `e`: "after position
p" is then a stream id, and Redis itself refuses a second entry at a position already taken.
"""

from collections.abc import Sequence

from redis.exceptions import RedisError

from transport.base import Entry, Streams, StreamsUnavailable
from transport.client import redis_client

FIELD = b"e"


def stream_id(position: int) -> str:
    return f"0-{position + 1}"


def entry_of(stream_entry_id: bytes, fields: dict) -> Entry:
    return Entry(int(stream_entry_id.rsplit(b"-", 1)[1]) - 1, fields[FIELD])


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
