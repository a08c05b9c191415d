"""A Django ASGI handler without middleware, for views that need none of it."""

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response


class MiddlewareFreeASGIHandler(ASGIHandler):
    """Django's ASGI request handling (URL routing, signals, exception responses) with an
    empty middleware stack: the view is called directly on the event loop."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response_async)
