"""Relay a run's events from the broker to an HTTP client as Server-Sent Events.

The run does not depend on the relay: it executes in its own task (chat.runs.execution). The
relay only listens, so a client that leaves stops nothing — unless CHAT_CONTINUE_ON_DISCONNECT
is off, when leaving mid-run interrupts the run as it always used to.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

from chat.runs.brokers.base import EventBatches
from chat.runs.events import SSE_KEEPALIVE
from ops import metrics


async def sse_frames(
    batches: EventBatches,
    *,
    with_ids: bool,
    on_client_left: Callable[[], None] | None = None,
) -> AsyncIterator[bytes]:
    """Each batch of events as one write of frames (`id:`/`data:`, or `data:` only); an empty
    batch (the broker's sign of silence) as a `: keepalive` comment."""
    ended = False
    try:
        async with aclosing(batches):
            async for batch in batches:
                if not batch:
                    yield SSE_KEEPALIVE
                    continue
                ended = batch[-1].is_terminal
                metrics.events_relayed(len(batch))
                yield b"".join(event.to_sse(with_id=with_ids) for event in batch)
    finally:
        if not ended and on_client_left is not None:
            on_client_left()
