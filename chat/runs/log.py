"""One run's events in this process's memory: appended by the run, read by any number of
listeners, each from the seq it asks for.

The per-event cost is an append and waking the listeners that wait; a listener that falls
behind takes everything new in one batch (one write to its client), so a slow or busy client
costs fewer writes, not more.
"""

import asyncio
from collections.abc import AsyncIterator

from chat.runs.events import RunEvent


class RunLog:
    def __init__(self) -> None:
        self._events: list[RunEvent] = []
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def ended(self) -> bool:
        return bool(self._events) and self._events[-1].is_terminal

    def append(self, event: RunEvent) -> None:
        if self.ended:
            return  # a run says its last word once
        self._events.append(event)
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
        while True:
            if self.ended and index >= len(self._events):
                return
            if index < len(self._events):
                batch = self._events[index:]
                index += len(batch)
                yield batch
                if batch[-1].is_terminal:
                    return
                continue
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout(idle_s):
                    await waiter
            except TimeoutError:
                yield []
