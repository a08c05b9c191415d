"""Relay a run's events to an HTTP client as Server-Sent Events.

The run is pumped by its own task into a queue, so a quiet model never blocks keepalive
comments and a departing client stops the run from one place.
"""

import asyncio
from collections.abc import AsyncIterator

from chat.events import SSE_KEEPALIVE, RunEvent

_END = None


async def _pump(events: AsyncIterator[RunEvent], queue: asyncio.Queue) -> None:
    try:
        async for event in events:
            queue.put_nowait(event)
    finally:
        queue.put_nowait(_END)


async def sse_frames(
    events: AsyncIterator[RunEvent], *, keepalive_s: float
) -> AsyncIterator[bytes]:
    """Each event as one `data:` frame; `: keepalive` after `keepalive_s` of silence."""
    queue: asyncio.Queue[RunEvent | None] = asyncio.Queue()
    pump = asyncio.create_task(_pump(events, queue))
    ended = False
    try:
        while not ended:
            if queue.empty():
                try:
                    async with asyncio.timeout(keepalive_s):
                        event = await queue.get()
                except TimeoutError:
                    yield SSE_KEEPALIVE
                    continue
            else:
                event = queue.get_nowait()
            if event is _END:
                ended = True
            else:
                ended = event.is_terminal
                yield event.to_sse()
    finally:
        if not ended:
            # The client left mid-run: stop the run (it saves what it has as `interrupted`).
            pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)
