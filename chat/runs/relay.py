"""Relay a run's events from the broker to an HTTP client as Server-Sent Events.

The run does not depend on the relay: it executes in its own task (chat.runs.execution). The
relay only listens, so a client that leaves stops nothing — unless CHAT_CONTINUE_ON_DISCONNECT
is off, when leaving mid-run interrupts the run as it always used to.

A run executing in this process is written to its clients by the run's own task, as it
appends each event to its log (`RunLogResponse`): no listener task wakes up per event.
Everything else (a run of another worker, one that finished, a client whose socket is full)
is read from the broker by the request's task (`event_stream_response`).
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing

from chat.runs.brokers.base import EventBatches
from chat.runs.events import SSE_KEEPALIVE, RunEvent
from chat.runs.log import RunLog
from config.direct_response import DirectStreamingResponse, Send, send_at_once, send_chunks
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
                yield _frames(batch, with_ids)
    finally:
        metrics.events_relayed(relayed)
        if not ended and on_client_left is not None:
            on_client_left()


def _frames(batch: Sequence[RunEvent], with_ids: bool) -> bytes:
    if len(batch) == 1:
        return batch[0].to_sse(with_id=with_ids)
    return b"".join([event.to_sse(with_id=with_ids) for event in batch])


def event_stream_response(
    batches: EventBatches, *, with_ids: bool, on_client_left: Callable[[], None] | None = None
) -> DirectStreamingResponse:
    """The SSE response of a run's events (written straight to ASGI `send` where served by
    config/handlers.py)."""
    frames = sse_frames(batches, with_ids=with_ids, on_client_left=on_client_left)
    return DirectStreamingResponse(frames, content_type="text/event-stream", headers=SSE_HEADERS)


class _Pusher:
    """Writes a run's events to one client from the task that appends them to the run's log.

    Stops (`stopped`) after the terminal event, after the first write the client's socket
    could not take at once (`unfinished_write`: the rest is read from the log, as any
    listener reads it, once that write is done), or when a write fails (`failure`). A
    `: keepalive` goes out after `idle_s` of silence, from a timer armed once per `idle_s`.
    """

    def __init__(self, send: Send, *, after: int, with_ids: bool, idle_s: float) -> None:
        self._send = send
        self._with_ids = with_ids
        self._idle_s = idle_s
        self._loop = asyncio.get_running_loop()
        self.stopped = self._loop.create_future()
        self.last_seq = after
        self.relayed = 0
        self.ended = False
        self.unfinished_write: asyncio.Future | None = None
        self.failure: Exception | None = None
        self._deadline = self._loop.time() + idle_s
        self._timer = self._loop.call_at(self._deadline, self._on_timer)

    def push(self, events: Sequence[RunEvent]) -> None:
        """Write those of `events` after `last_seq` (a resume may start past the end)."""
        if not events or self.stopped.done():
            return
        new = events
        if events[0].seq <= self.last_seq:
            new = [event for event in events if event.seq > self.last_seq]
        if new:
            self.last_seq = new[-1].seq
            self.relayed += len(new)
            self._write(_frames(new, self._with_ids))
        if events[-1].is_terminal:
            self.finish()

    def finish(self) -> None:
        """The run said its last word: nothing more to write."""
        self.ended = True
        self.stop()

    def _write(self, frames: bytes) -> None:
        self._deadline = self._loop.time() + self._idle_s
        message = {"type": "http.response.body", "body": frames, "more_body": True}
        try:
            self.unfinished_write = send_at_once(self._send, message)
        except Exception as exc:  # the run's task must not see a client's failure
            self.failure = exc
        if self.unfinished_write is not None or self.failure is not None:
            self.stop()

    def _on_timer(self) -> None:
        if self.stopped.done():
            return
        if self._loop.time() >= self._deadline:
            self._write(SSE_KEEPALIVE)
        if not self.stopped.done():
            self._timer = self._loop.call_at(self._deadline, self._on_timer)

    def stop(self) -> None:
        self._timer.cancel()
        if not self.stopped.done():
            self.stopped.set_result(None)


class RunLogResponse(DirectStreamingResponse):
    """The SSE response of a run executing in this process (its events with a seq > `after`),
    pushed from its log by the task that appends them (`_Pusher`) where served by
    config/handlers.py; anything else that serves it reads the same frames from
    `streaming_content`."""

    def __init__(
        self,
        log: RunLog,
        *,
        after: int,
        with_ids: bool,
        idle_s: float,
        on_client_left: Callable[[], None] | None,
    ) -> None:
        self._log = log
        self._after = after
        self._with_ids = with_ids
        self._idle_s = idle_s
        self._on_client_left = on_client_left
        super().__init__(
            self._pulled_after(after), content_type="text/event-stream", headers=SSE_HEADERS
        )

    def _pulled_after(self, seq: int) -> AsyncIterator[bytes]:
        batches = self._log.batches(after=seq, idle_s=self._idle_s)
        return sse_frames(batches, with_ids=self._with_ids, on_client_left=self._on_client_left)

    async def send_body(self, send: Send) -> None:
        pusher = _Pusher(send, after=self._after, with_ids=self._with_ids, idle_s=self._idle_s)
        try:
            pusher.push(self._log.push_to(pusher.push, after=self._after))
            if self._log.ended:  # the run had ended: what there was to write, it wrote
                pusher.finish()
            await pusher.stopped
            if pusher.failure is not None:
                raise pusher.failure
            if pusher.unfinished_write is not None:
                await pusher.unfinished_write
        except BaseException:
            if pusher.unfinished_write is not None:
                pusher.unfinished_write.cancel()  # the client left or broke: no one waits
            if not pusher.ended and self._on_client_left is not None:
                self._on_client_left()
            raise
        finally:
            self._log.stop_pushing(pusher.push)
            pusher.stop()
            metrics.events_relayed(pusher.relayed)
        if pusher.ended:
            await send({"type": "http.response.body"})
        else:  # the client fell behind: the rest as any listener reads it
            await send_chunks(send, self._pulled_after(pusher.last_seq))
