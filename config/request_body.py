"""Bodies sent without a Content-Length (`Transfer-Encoding: chunked`) are read, never ignored.

DRF reads a body only when Content-Length says there is one, so a chunked PATCH would change
nothing and answer 200. Under ASGI the handler has already buffered the whole body in a
seekable file: its size becomes the Content-Length, and Django's and DRF's usual limits
and a body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused as Django refuses one (400). A body
that cannot be measured (a WSGI server's stream) is refused with 411.
"""

import os
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

from config.errors import error_response

LENGTH_REQUIRED = 411


def _declare_body_length(request: HttpRequest) -> HttpResponse | None:
    """Set CONTENT_LENGTH from the buffered body, or answer 411; None when nothing to do."""
    if request.META.get("CONTENT_LENGTH"):
        return None
    stream = request._stream
    if hasattr(stream, "seekable") and stream.seekable():
        position = stream.tell()
        size = stream.seek(0, os.SEEK_END) - position
        stream.seek(position)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and size > limit:
            raise RequestDataTooBig("The request body exceeds DATA_UPLOAD_MAX_MEMORY_SIZE.")
        if size:
            request.META["CONTENT_LENGTH"] = str(size)
        return None
    if "HTTP_TRANSFER_ENCODING" in request.META:
        return error_response(
            LENGTH_REQUIRED,
            "Send the body with a Content-Length header.",
            "length_required",
        )
    return None


@sync_and_async_middleware
def chunked_request_body(get_response: Callable) -> Callable:
    """Middleware; async-capable, so under ASGI it costs no thread hop."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            refusal = _declare_body_length(request)
            return refusal if refusal is not None else await get_response(request)

    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            refusal = _declare_body_length(request)
            return refusal if refusal is not None else get_response(request)

    return middleware
