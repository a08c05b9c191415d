"""Streams in Redis (Redis Streams), shared by every worker (ids: `transport.stream_ids`).
Appends go through `transport.scripts` (below), one-off reads through the process's pool;
following goes through the worker's one reader (`transport.reader`).

Appends go through one Lua script: the entries of any number of streams, and their expiry,
in one command. A pipeline of one XADD and one PEXPIRE per stream costs the client about
four times the CPU (each command is packed and its reply parsed on its own; measured with 50
streams of one entry: 23 µs an entry, the script 6 µs, docs/PERFORMANCE.md), and run events
are appended as they come, a few at a time, from every run of the worker.

They go through `transport.scripts`: straight on the loop's script connection, pipelined,
packed by hiredis in C (through redis-py's client a call cost about 300 Python calls
besides its round trip, which was most of what Redis added to a text event).
"""

from collections.abc import AsyncIterator, Sequence

from redis.exceptions import RedisError

from transport import reader
from transport.base import Entry, Streams, StreamsUnavailable
from transport.client import redis_client
from transport.scripts import Script
from transport.stream_ids import FIELD, entry_of, stream_id

# KEYS: the streams. ARGV[1]: their expiry (ms); then for each stream its entry count and
# that many (id, data) pairs. Returns 1 or 0 for each entry (0: its position was taken).
APPEND = Script(
    """
local ttl = ARGV[1]
local field = ARGV[2]
local i = 3
local written = {}
for k = 1, #KEYS do
  local count = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, count do
    local reply = redis.pcall('XADD', KEYS[k], ARGV[i], field, ARGV[i + 1])
    written[#written + 1] = (type(reply) == 'table' and reply.err) and 0 or 1
    i = i + 2
  end
  redis.call('PEXPIRE', KEYS[k], ttl)
end
return written
"""
)


class RedisStreams(Streams):
    async def append(self, key: str, entries: Sequence[Entry], *, ttl_s: float) -> list[bool]:
        (written,) = await self.append_many([(key, entries)], ttl_s=ttl_s)
        return written

    async def append_many(
        self, appends: Sequence[tuple[str, Sequence[Entry]]], *, ttl_s: float
    ) -> list[list[bool]]:
        if not appends:
            return []
        keys = []
        args: list[int | str | bytes] = [int(ttl_s * 1000), FIELD]
        for key, entries in appends:
            keys.append(key)
            args.append(len(entries))
            for entry in entries:
                args += (stream_id(entry.position), entry.data)
        try:
            flags = await APPEND(keys, args)
        except RedisError as exc:
            raise StreamsUnavailable(str(exc)) from exc
        written, start = [], 0
        for _, entries in appends:
            written.append([flag == 1 for flag in flags[start : start + len(entries)]])
            start += len(entries)
        return written

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
