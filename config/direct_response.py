"""A streaming response that writes its body to ASGI `send` itself.

Django's ASGI handler passes every chunk of a `StreamingHttpResponse` through three generators
(`__aiter__`, `streaming_content`'s wrapper, `chunk_bytes`) before `send`. For a response that
writes thousands of small chunks (a chat stream: one per event), `MiddlewareFreeASGIHandler`
(config/handlers.py) calls `send_body` instead. Anything else that serves it (Django's test
client, the full stack) still reads `streaming_content`, the same chunks.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import aclosing
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

Send = Callable[[dict[str, Any]], Awaitable[None]]


def send_at_once(send: Send, message: dict[str, Any]) -> asyncio.Future | None:
    """Run `send(message)` in the calling task as far as it goes without waiting: None when it
    is done (the transport took the bytes, as it takes almost every write), else a future of
    the rest, which goes on in a task of its own (the client's socket is full and the server
    waits for it to drain). A write from whatever task has the bytes, without waking the task
    that owns the response. Raises what `send` raises before it first waits."""
    sending = send(message)
    try:
        waiting_on = sending.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_go_on(sending, waiting_on))


async def _go_on(sending: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    """Resume `sending`, which waits for `waiting_on` (a future, or None for a bare yield),
    each time that is done, as the task that started it would have: a future's outcome
    `sending` reads itself; anything else raised meanwhile (this task cancelled) is thrown
    into it."""
    while True:
        error = None
        try:
            if waiting_on is None:
                await asyncio.sleep(0)
            else:
                # What a task does with a future its coroutine yields: takes its "waited on"
                # mark (awaiting it again would refuse a future so marked).
                waiting_on._asyncio_future_blocking = False
                await waiting_on
        except BaseException as exc:
            if waiting_on is None or not waiting_on.done():
                error = exc
        try:
            waiting_on = sending.send(None) if error is None else sending.throw(error)
        except StopIteration:
            return


class DirectStreamingResponse(StreamingHttpResponse):
    def __init__(self, chunks: AsyncIterator[bytes], **kwargs: Any) -> None:
        super().__init__(chunks, **kwargs)
        self._chunks = chunks

    async def send_body(self, send: Send) -> None:
        await send_chunks(send, self._chunks)


async def send_chunks(send: Send, chunks: AsyncIterator[bytes]) -> None:
    """Each chunk as one `http.response.body` message, then the closing one."""
    async with aclosing(chunks):
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body"})


def asgi_headers(response: HttpResponse) -> list[tuple[bytes, bytes]]:
    """The response's headers and cookies as ASGI wants them (what Django's handler sends)."""
    headers = [
        (
            header.encode("ascii") if isinstance(header, str) else bytes(header),
            value.encode("latin1") if isinstance(value, str) else bytes(value),
        )
        for header, value in response.items()
    ]
    headers += [
        (b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
        for cookie in response.cookies.values()
    ]
    return headers
