"""The live log contract: per user, the events published for them, kept LIVE_EVENTS_TTL_S,
and the streams following them.

`append` is called once a change commits, from whatever thread committed it; every stream of
the user then gets the event, on whichever worker it is open. A stream subscribes from a resume
point (the last event id its client saw) and gets what came after it, then live events; a
resume point older than the retention window (or unknown) gets `resync` instead.

Each backend is one file (`memory.py`: one process; `redis.py`: every worker, one reader per
worker), chosen in `live.logs.live_log()`.
"""

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from django.conf import settings

from live.events import LiveEntry, LiveEvent

EventId = tuple[int, int]
# How long an `append(once=...)` key is remembered: far longer than any retry of its sender.
ONCE_TTL_S = 24 * 3600


@dataclass(frozen=True)
class ResumePoint:
    """Where a stream starts: after `after`; `resync` when what came before is lost."""

    after: EventId
    resync: bool


def resume_point(
    *, requested: EventId | None, last: EventId | None, current: EventId, now_ms: int
) -> ResumePoint:
    """Decide where a stream starts.

    `last`: the user's newest event (None: nothing retained), `current`: an id no later event
    can be at or below (the log's clock), `requested`: the client's resume point (None: a fresh
    start). Entries are dropped by age alone, so a resume point within LIVE_EVENTS_TTL_S of
    `now_ms` has lost nothing; an older one (or one from the future) gets `resync`.
    """
    start = last or current
    if requested is None:
        return ResumePoint(start, resync=False)
    too_old = requested[0] < now_ms - int(settings.LIVE_EVENTS_TTL_S * 1000)
    if too_old or requested > start:
        return ResumePoint(start, resync=True)
    return ResumePoint(requested, resync=False)


class Subscription:
    """One stream's view of its user's log: the entries after its resume point, in order, each
    once, however they arrive (a catch-up read, then live ones, which may overlap)."""

    def __init__(self, user_id: int, start: ResumePoint) -> None:
        self.user_id = user_id
        self.start = start
        self.last = start.after
        self.loop = asyncio.get_running_loop()
        self._pending: list[LiveEntry] = []
        self._held: list[LiveEntry] | None = None  # live entries that came during a catch-up
        self._waiter: asyncio.Future[None] | None = None
        self.closed = False

    def close(self) -> None:
        """End `batches` (the server closes the stream: shutdown)."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def hold(self) -> None:
        """Keep live entries aside until `caught_up`."""
        self._held = []

    def caught_up(self, backlog: Iterable[LiveEntry]) -> None:
        held, self._held = self._held or [], None
        self.deliver(backlog)
        self.deliver(held)

    def deliver(self, entries: Iterable[LiveEntry]) -> None:
        """Entries for this stream (call on its event loop); older ones than seen are dropped."""
        if self._held is not None:
            self._held.extend(entries)
            return
        for entry in entries:
            if entry.id > self.last:
                self._pending.append(entry)
                self.last = entry.id
        if self._pending:
            self._wake()

    async def batches(self, *, idle_s: float) -> AsyncIterator[list[LiveEntry]]:
        """What arrived since the last batch; `[]` after `idle_s` of silence."""
        while not self.closed:
            if self._pending:
                batch, self._pending = self._pending, []
                yield batch
                continue
            self._waiter = self.loop.create_future()
            try:
                async with asyncio.timeout(idle_s):
                    await self._waiter
            except TimeoutError:
                yield []
            finally:
                self._waiter = None


class LiveLog(ABC):
    @abstractmethod
    def append(self, user_id: int, *events: LiveEvent, once: str = "") -> bool:
        """Publish `events` (one or more), in order, to the user's streams (synchronous:
        called after a commit, on the committing thread, which may be any), in one step: one
        lock, one Redis round trip. With `once`, a key naming them: events appended under the
        same key within ONCE_TTL_S are not appended again (False), in the same atomic step as
        the append itself, so a sender that retries after a crash cannot publish them twice."""

    @abstractmethod
    async def subscribe(self, user_id: int, *, after: EventId | None) -> Subscription:
        """Follow the user's events from `after` (None: from now)."""

    @abstractmethod
    def unsubscribe(self, subscription: Subscription) -> None: ...

    @abstractmethod
    async def stream_opened(self, user_id: int, stream: str) -> list[str]:
        """Count `stream` among the user's open streams; the ones it pushes past
        LIVE_STREAMS_PER_USER (oldest first), which are forgotten."""

    @abstractmethod
    async def stream_closed(self, user_id: int, stream: str) -> None: ...
