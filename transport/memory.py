"""Streams in this process's memory: the embedded default, for one worker."""

import asyncio
import time
from collections.abc import AsyncIterator, Sequence

from transport.base import Entry, Streams


class MemoryStreams(Streams):
    def __init__(self) -> None:
        # key → (entries, when the stream is forgotten)
        self._streams: dict[str, tuple[list[Entry], float]] = {}
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}

    def _entries(self, key: str) -> list[Entry]:
        stream = self._streams.get(key)
        if stream is None or stream[1] <= time.monotonic():
            self._streams.pop(key, None)
            return []
        return stream[0]

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for key in [key for key, (_, until) in self._streams.items() if until <= now]:
            del self._streams[key]

    async def append(self, key: str, entries: Sequence[Entry], *, ttl_s: float) -> list[bool]:
        self._forget_expired()
        stream = self._entries(key)
        accepted = []
        for entry in entries:
            ok = not stream or entry.position > stream[-1].position
            if ok:
                stream.append(entry)
            accepted.append(ok)
        self._streams[key] = (stream, time.monotonic() + ttl_s)
        for waiter in self._waiters.pop(key, ()):
            if not waiter.done():
                waiter.set_result(None)
        return accepted

    async def subscribe(self, key: str, *, after: int, idle_s: float) -> AsyncIterator[list[Entry]]:
        while True:
            batch = await self.read(key, after=after)
            if batch:
                after = batch[-1].position
                yield batch
                continue
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(key, []).append(waiter)
            try:
                async with asyncio.timeout(idle_s):
                    await waiter
            except TimeoutError:
                self._waiters.get(key, []).remove(waiter)
                yield []

    async def read(self, key: str, *, after: int, count: int = 1000) -> list[Entry]:
        return [entry for entry in self._entries(key) if entry.position > after][:count]

    async def last(self, key: str) -> Entry | None:
        stream = self._entries(key)
        return stream[-1] if stream else None

    async def expire(self, key: str, *, ttl_s: float) -> None:
        stream = self._entries(key)
        if stream:
            self._streams[key] = (stream, time.monotonic() + ttl_s)
