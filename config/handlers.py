"""A Django ASGI handler without middleware, for views that need none of it."""

import asyncio
import contextlib

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import set_script_prefix

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
        # its sync work. Here there is none (see `handle`): no thread start and join per stream.
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send) -> None:
        """Django's `ASGIHandler.handle` (its disconnect handling unchanged), with the
        request_started and request_finished receivers called on the event loop rather than
        through two hops to asgiref's thread (about 0.3 ms of CPU a turn under load,
        docs/PERFORMANCE.md). Django's receivers only reset what the thread they run on holds
        (database connections, caches, the urlconf) and this thread holds none: the views do
        their database work on config/db_threads.py. A receiver that needs the database must
        not be connected to these signals (it would meet Django's async-unsafe guard here)."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            body_file.close()
            await self.send_response(error_response, send)
            error_response.close()
            return

        async def process_request(request, send):
            response = await self.run_get_response(request)
            with contextlib.suppress(asyncio.CancelledError):  # the client left meanwhile
                await self.send_response(response, send)
            return response

        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(process_request(request, send)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                # Looked at, not re-raised: an exception raised here would carry this frame
                # in its traceback, and this frame holds the task holding the exception. The
                # client's disconnect ends nearly every request (uvicorn reports it once the
                # response is complete), and that cycle kept the whole request (the run, its
                # SDK state, ~190 objects) for the full collections to find.
                error = None if task.cancelled() else task.exception()
                if task.cancelled() or not isinstance(error, RequestAborted | None):
                    if isinstance(error, AssertionError):
                        body_file.close()
                    task.result()  # raises, as Django's handler does
            else:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        try:
            response = tasks[1].result()
        except asyncio.CancelledError:
            signals.request_finished.send(sender=self.__class__)
        else:
            response.close()  # sends request_finished
        body_file.close()

    async def send_response(self, response: HttpResponse, send: Send) -> None:
        if not isinstance(response, DirectStreamingResponse):
            return await super().send_response(response, send)
        start = {"status": response.status_code, "headers": asgi_headers(response)}
        await send({"type": "http.response.start", **start})
        await response.send_body(send)
