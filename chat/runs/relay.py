"""Relay a run's events to an HTTP client as Server-Sent Events.

The run is pumped by its own task into a queue from the moment the relay is made, so a quiet
model never blocks keepalive comments, a response that is never read still lets the run finish
and save, and a client that leaves mid-run stops it from one place.
"""

import asyncio
import logging
from collections.abc import AsyncIterator

from chat.runs.events import SSE_KEEPALIVE, RunEvent

logger = logging.getLogger("chat.runs")

_END = None


class SseRelay:
    def __init__(self, events: AsyncIterator[RunEvent]) -> None:
        self._queue: asyncio.Queue[RunEvent | None] = asyncio.Queue()
        self._pump = asyncio.create_task(self._run(events))

    async def _run(self, events: AsyncIterator[RunEvent]) -> None:
        try:
            async for event in events:
                self._queue.put_nowait(event)
        except Exception:
            # run_turn turns every run failure into an `error` event; this is a bug or a
            # failed save, and must not vanish with the task.
            logger.exception("run relay failed")
        finally:
            self._queue.put_nowait(_END)

    async def frames(self, *, keepalive_s: float) -> AsyncIterator[bytes]:
        """Each event as one `data:` frame; `: keepalive` after `keepalive_s` of silence."""
        ended = False
        try:
            while not ended:
                try:
                    async with asyncio.timeout(keepalive_s):
                        event = await self._queue.get()
                except TimeoutError:
                    yield SSE_KEEPALIVE
                    continue
                if event is _END:
                    ended = True
                else:
                    ended = event.is_terminal
                    yield event.to_sse()
        finally:
            if not ended:
                # The client left mid-run: stop the run (it saves what it has as `interrupted`).
                self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
