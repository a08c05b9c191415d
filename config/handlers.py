"""A Django ASGI handler without middleware, for views that need none of it."""

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse

from config.direct_response import DirectStreamingResponse, Send, asgi_headers
from config.security import ResponseProtection


class MiddlewareFreeASGIHandler(ASGIHandler):
    """Django's ASGI request handling (URL routing, signals, exception responses) with an
    empty middleware stack: the view is called directly on the event loop.

    What the stack would do for safety still happens, here, without a thread hop: a host not in
    ALLOWED_HOSTS gets 400, SECURE_SSL_REDIRECT redirects, and every response (errors included)
    carries the security headers the rest of the site sends. A `DirectStreamingResponse`
    writes its chunks to `send` itself (config/direct_response.py).
    """

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._protection = ResponseProtection()
        self._view = convert_exception_to_response(self._get_response_async)
        self._middleware_chain = convert_exception_to_response(self._protected)

    async def _protected(self, request: HttpRequest) -> HttpResponse:
        response = self._protection.refusal(request)
        if response is None:
            response = await self._view(request)
        return self._protection.protect(request, response)

    async def __call__(self, scope, receive, send) -> None:
        # Django wraps each request in a ThreadSensitiveContext: a new thread per request for
        # its sync work. Here that work is only the request_started/request_finished receivers
        # (the views do their database work on config/db_threads.py, so the receivers find no
        # connection to close), and it runs on asgiref's one shared thread instead: no thread
        # start and join per stream.
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def send_response(self, response: HttpResponse, send: Send) -> None:
        if not isinstance(response, DirectStreamingResponse):
            return await super().send_response(response, send)
        start = {"status": response.status_code, "headers": asgi_headers(response)}
        await send({"type": "http.response.start", **start})
        await response.send_body(send)
