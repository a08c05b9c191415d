"""One run's events in this process's memory: appended by the run, read by any number of
listeners, each from the seq it asks for.

The per-event cost is an append and waking the listeners that wait; a listener that falls
behind takes everything new in one batch (one write to its client), so a slow or busy client
costs fewer writes, not more. A listener's keepalive timer is armed once per `idle_s` of
silence, not per event: when it fires early (events came meanwhile) it re-arms for the rest.
"""

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence

from chat.runs.events import RunEvent, event_from_frame

_IDLE = True  # a waiter's result when the keepalive timer woke it, not an event


class _Listener:
    """One listener's waiter and the time its silence becomes a keepalive."""

    __slots__ = ("deadline", "loop", "timer", "waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop, idle_s: float) -> None:
        self.loop = loop
        self.deadline = loop.time() + idle_s
        self.timer: asyncio.TimerHandle | None = None
        self.waiter: asyncio.Future | None = None

    def arm(self) -> None:
        if self.timer is None:
            self.timer = self.loop.call_at(self.deadline, self._on_timer)

    def _on_timer(self) -> None:
        if self.loop.time() < self.deadline:  # events came meanwhile: wait for the rest
            self.timer = self.loop.call_at(self.deadline, self._on_timer)
            return
        self.timer = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(_IDLE)


class RunLog:
    def __init__(self) -> None:
        self._events: list[RunEvent] = []
        self._waiters: list[asyncio.Future] = []
        self.ended = False

    def finished(self) -> "FinishedLog":
        """The events as a finished run keeps them (the in-process broker, for resuming)."""
        return FinishedLog(self._events)

    def append(self, event: RunEvent) -> None:
        if self.ended:
            return  # a run says its last word once
        self._events.append(event)
        self.ended = event.is_terminal
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def after(self, seq: int) -> list[RunEvent]:
        """The events with a seq > `seq`."""
        return self._events[max(seq + 1, 0) :]

    async def batches(self, *, after: int, idle_s: float) -> AsyncIterator[list[RunEvent]]:
        """Events with seq > `after` in batches, until the terminal event (at once if
        `after` is at or past it); `[]` after `idle_s` of silence."""
        index = max(after + 1, 0)  # events are appended in seq order from 0: seq is the index
        listener = _Listener(asyncio.get_running_loop(), idle_s)
        try:
            while True:
                if self.ended and index >= len(self._events):
                    return
                if index < len(self._events):
                    batch = self._events[index:]
                    index += len(batch)
                    yield batch
                    if batch[-1].is_terminal:
                        return
                    listener.deadline = listener.loop.time() + idle_s
                    continue
                listener.waiter = waiter = listener.loop.create_future()
                self._waiters.append(waiter)
                listener.arm()
                if await waiter is _IDLE:
                    listener.deadline = listener.loop.time() + idle_s
                    yield []
        finally:
            if listener.timer is not None:
                listener.timer.cancel()


class FinishedLog:
    """A finished run's events as kept for resuming: each one's SSE frame (`data: ...`, built
    once already for a relayed event), all in one tuple. As RunEvents they would be a hundred
    objects a run that the garbage collector's full passes scan, for as long as the run is
    kept (up to 200 000 events in the default CHAT_RUN_EVENTS_MAX_MB); frames in a tuple are
    none, and a fifth of the memory. A resume decodes the events it reads."""

    __slots__ = ("_frames", "size_bytes")

    def __init__(self, events: Sequence[RunEvent]) -> None:
        self._frames = tuple([event.to_sse(with_id=False) for event in events])
        self.size_bytes = sys.getsizeof(self._frames) + sum(map(sys.getsizeof, self._frames))

    def after(self, seq: int) -> list[RunEvent]:
        """The events with a seq > `seq`."""
        return [event_from_frame(frame) for frame in self._frames[max(seq + 1, 0) :]]
