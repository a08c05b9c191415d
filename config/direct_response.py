"""A streaming response that writes its body to ASGI `send` itself.

Django's ASGI handler passes every chunk of a `StreamingHttpResponse` through three generators
(`__aiter__`, `streaming_content`'s wrapper, `chunk_bytes`) before `send`. For a response that
writes thousands of small chunks (a chat stream: one per event), `MiddlewareFreeASGIHandler`
(config/handlers.py) calls `send_body` instead. Anything else that serves it (Django's test
client, the full stack) still reads `streaming_content`, the same chunks.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

Send = Callable[[dict[str, Any]], Awaitable[None]]


class DirectStreamingResponse(StreamingHttpResponse):
    def __init__(self, chunks: AsyncIterator[bytes], **kwargs: Any) -> None:
        super().__init__(chunks, **kwargs)
        self._chunks = chunks

    async def send_body(self, send: Send) -> None:
        """Each chunk as one `http.response.body` message, then the closing one."""
        async with aclosing(self._chunks) as chunks:
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
