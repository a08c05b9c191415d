"""Downloads streamed piece by piece, under WSGI and ASGI alike."""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header


def streaming_attachment(
    request: HttpRequest, chunks: Iterator[str], *, filename: str, content_type: str
) -> StreamingHttpResponse:
    """Stream `chunks` (a generator of text) as a download.

    Under ASGI Django would drain a synchronous iterator into a list before sending it, so
    there the chunks are pulled one at a time on the request's sync thread instead.
    """
    content = _pulled_in_thread(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


_END = object()


async def _pulled_in_thread(chunks: Iterator[str]) -> AsyncIterator[str]:
    pull = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await pull(chunks, _END)) is not _END:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()
