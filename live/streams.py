"""The live streams open in this process: one per client, each an SSE relay of its user's
subscription, filtered to the events meant for it.

Idle, a stream costs a parked coroutine and its subscription: no database query, no timer but
the keepalive. It closes after `account.signed_out` or `replaced` meant for it, and at shutdown
(the client reconnects to another worker with Last-Event-ID).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing

from django.conf import settings

from live.events import (
    RETRY_MS,
    SSE_KEEPALIVE,
    Audience,
    LiveEvent,
    LiveEventType,
    format_event_id,
)
from live.logs import live_log
from live.logs.base import Subscription

_open: set["LiveStream"] = set()
_closing: set[asyncio.Task] = set()  # references to the tasks that unregister closed streams


class LiveStream:
    def __init__(self, subscription: Subscription, *, session: str) -> None:
        self.id = uuid.uuid4().hex
        self.subscription = subscription
        self.user_id = subscription.user_id
        self.session = session  # the fingerprint of its web session; "" for a Bearer token

    def _first_frame(self) -> bytes:
        """The reconnect delay and the resume point (an id-only frame sets EventSource's
        Last-Event-ID without an event), or `resync` when the client's point is lost."""
        start = self.subscription.start
        event_id = format_event_id(start.after)
        if start.resync:
            return f"retry: {RETRY_MS}\n".encode() + LiveEvent.make(LiveEventType.RESYNC).to_sse(
                event_id
            )
        return f"retry: {RETRY_MS}\nid: {event_id}\n\n".encode()

    async def frames(self) -> AsyncIterator[bytes]:
        _open.add(self)
        try:
            yield self._first_frame()
            batches = self.subscription.batches(idle_s=settings.CHAT_KEEPALIVE_S)
            async with aclosing(batches):
                async for batch in batches:
                    if not batch:
                        yield SSE_KEEPALIVE
                        continue
                    frames, closing = self._frames(batch)
                    if frames:
                        yield frames
                    if closing:
                        return
        finally:
            self._release()

    def _frames(self, batch) -> tuple[bytes, bool]:
        """The batch's frames meant for this stream, and whether one of them closes it."""
        frames = []
        for entry in batch:
            if not entry.event.audience.reaches(stream=self.id, session=self.session):
                continue
            frames.append(entry.to_sse())
            if entry.event.closes_stream:
                return b"".join(frames), True
        return b"".join(frames), False

    def _release(self) -> None:
        _open.discard(self)
        log = live_log()
        log.unsubscribe(self.subscription)
        task = asyncio.get_running_loop().create_task(log.stream_closed(self.user_id, self.id))
        _closing.add(task)
        task.add_done_callback(_closing.discard)


async def open_stream(user_id: int, *, after, session: str) -> LiveStream:
    """Subscribe from `after`, count the stream against LIVE_STREAMS_PER_USER, and send
    `replaced` to the streams it pushes out."""
    log = live_log()
    stream = LiveStream(await log.subscribe(user_id, after=after), session=session)
    for evicted in await log.stream_opened(user_id, stream.id):
        replaced = LiveEvent.make(LiveEventType.REPLACED, Audience(stream=evicted))
        await asyncio.to_thread(log.append, user_id, replaced)
    return stream


def close_local_streams() -> int:
    """End every stream of this process (shutdown); how many there were."""
    streams = list(_open)
    for stream in streams:
        stream.subscription.close()
    return len(streams)


def local_stream_count() -> int:
    return len(_open)
