"""Relay a run's events from the broker to an HTTP client as Server-Sent Events.

The run does not depend on the relay: it executes in its own task (chat.runs.execution). The
relay only listens, so a client that leaves stops nothing — unless CHAT_CONTINUE_ON_DISCONNECT
is off, when leaving mid-run interrupts the run as it always used to.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

from chat.runs.brokers.base import EventBatches
from chat.runs.events import SSE_KEEPALIVE
from config.direct_response import DirectStreamingResponse
from ops import metrics

SSE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # nginx: pass each frame through at once
}


async def sse_frames(
    batches: EventBatches,
    *,
    with_ids: bool,
    on_client_left: Callable[[], None] | None = None,
) -> AsyncIterator[bytes]:
    """Each batch of events as one write of frames (`id:`/`data:`, or `data:` only); an empty
    batch (the broker's sign of silence) as a `: keepalive` comment. Each event's frame is
    encoded once and shared by every listener (`RunEvent.to_sse`); the relayed events are
    counted for the metrics once, when the stream ends."""
    ended = False
    relayed = 0
    try:
        async with aclosing(batches):
            async for batch in batches:
                if not batch:
                    yield SSE_KEEPALIVE
                    continue
                ended = batch[-1].is_terminal
                relayed += len(batch)
                if len(batch) == 1:
                    yield batch[0].to_sse(with_id=with_ids)
                else:
                    yield b"".join([event.to_sse(with_id=with_ids) for event in batch])
    finally:
        metrics.events_relayed(relayed)
        if not ended and on_client_left is not None:
            on_client_left()


def event_stream_response(
    batches: EventBatches, *, with_ids: bool, on_client_left: Callable[[], None] | None = None
) -> DirectStreamingResponse:
    """The SSE response of a run's events (written straight to ASGI `send` where served by
    config/handlers.py)."""
    frames = sse_frames(batches, with_ids=with_ids, on_client_left=on_client_left)
    return DirectStreamingResponse(frames, content_type="text/event-stream", headers=SSE_HEADERS)
