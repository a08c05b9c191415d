"""The in-process live log: the embedded default, for one worker.

Appends come from database threads, subscribers live on the event loop: the lock orders
appends, and each subscriber is handed its entries on its own loop, in that order.

What is kept for LIVE_EVENTS_TTL_S is each entry as a tuple of plain values (`Kept`): the
garbage collector stops tracking such a tuple once it has seen it, so the log's hundreds of
thousands of entries under load cost its full collections nothing (a `LiveEntry` and its
`LiveEvent` are two tracked objects an entry). A catch-up rebuilds the entries it reads.
"""

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from django.conf import settings

from live.events import EVERYONE, Audience, LiveEntry, LiveEvent, LiveEventType
from live.logs.base import ONCE_TTL_S, EventId, LiveLog, Subscription, resume_point

FORGET_EVERY = 1000  # appends between sweeps of expired logs


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# An entry as kept: its id, its type's value, its JSON, and its audience (None: everyone).
Kept = tuple[EventId, str, str, Audience | None]


def kept(entry: LiveEntry) -> Kept:
    audience = entry.event.audience
    return (
        entry.id,
        entry.event.type.value,
        entry.event.json,
        None if audience.everyone else audience,
    )


def entry_of(kept_entry: Kept) -> LiveEntry:
    event_id, event_type, json, audience = kept_entry
    return LiveEntry(event_id, LiveEvent(LiveEventType(event_type), json, audience or EVERYONE))


@dataclass
class _UserLog:
    entries: deque[Kept] = field(default_factory=deque)
    subscribers: set[Subscription] = field(default_factory=set)


class MemoryLiveLog(LiveLog):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[int, _UserLog] = {}
        self._last_id: EventId = (now_ms(), 0)
        self._streams: dict[int, OrderedDict[str, None]] = {}
        self._appends = 0
        self._once: dict[str, int] = {}  # append(once=) keys → when they are forgotten (ms)

    def _next_id(self) -> EventId:
        ms = now_ms()
        last_ms, n = self._last_id
        self._last_id = (ms, 0) if ms > last_ms else (last_ms, n + 1)
        return self._last_id

    def _trim(self, log: _UserLog) -> None:
        oldest_kept = now_ms() - int(settings.LIVE_EVENTS_TTL_S * 1000)
        while log.entries and log.entries[0][0][0] < oldest_kept:
            log.entries.popleft()

    def _forget_idle(self) -> None:
        """Users with nothing retained and nobody listening cost nothing."""
        now = now_ms()
        self._once = {key: until for key, until in self._once.items() if until > now}
        for user_id in [uid for uid, log in self._users.items() if not log.subscribers]:
            log = self._users[user_id]
            self._trim(log)
            if not log.entries:
                del self._users[user_id]

    def append(self, user_id: int, *events: LiveEvent, once: str = "") -> bool:
        with self._lock:
            if once:
                if self._once.get(once, 0) > now_ms():
                    return False
                self._once[once] = now_ms() + ONCE_TTL_S * 1000
            log = self._users.setdefault(user_id, _UserLog())
            entries = tuple([LiveEntry(self._next_id(), event) for event in events])
            log.entries.extend([kept(entry) for entry in entries])
            self._trim(log)
            subscribers = list(log.subscribers)
            appends_before, self._appends = self._appends, self._appends + len(entries)
            if appends_before // FORGET_EVERY != self._appends // FORGET_EVERY:
                self._forget_idle()
        for subscriber in subscribers:
            subscriber.loop.call_soon_threadsafe(subscriber.deliver, entries)
        return True

    async def subscribe(self, user_id: int, *, after: EventId | None) -> Subscription:
        with self._lock:
            log = self._users.setdefault(user_id, _UserLog())
            self._trim(log)
            start = resume_point(
                requested=after,
                last=log.entries[-1][0] if log.entries else None,
                current=self._last_id,
                now_ms=now_ms(),
            )
            subscription = Subscription(user_id, start)
            log.subscribers.add(subscription)
            subscription.deliver(
                [entry_of(kept_entry) for kept_entry in log.entries if kept_entry[0] > start.after]
            )
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            log = self._users.get(subscription.user_id)
            if log is not None:
                log.subscribers.discard(subscription)

    async def stream_opened(self, user_id: int, stream: str) -> list[str]:
        streams = self._streams.setdefault(user_id, OrderedDict())
        streams[stream] = None
        evicted = []
        while len(streams) > settings.LIVE_STREAMS_PER_USER:
            evicted.append(streams.popitem(last=False)[0])
        return evicted

    async def stream_closed(self, user_id: int, stream: str) -> None:
        streams = self._streams.get(user_id)
        if streams is not None:
            streams.pop(stream, None)
            if not streams:
                del self._streams[user_id]
