"""ASGI entry point (uvicorn config.asgi:application).

The chat endpoints and the live stream go to a Django handler without the middleware stack:
each of Django's middlewares runs its hooks through a thread under ASGI, and these views
authenticate, check CSRF and read the session themselves (accounts/authentication.py).
Everything else gets the full stack, whose first middleware after the security one, with
SERVE_STATIC, answers /static/ (ServeStatic: hashed names cached for a year, precompressed
gzip and Brotli). Outside all of it, ops.asgi answers the health and metrics endpoints, counts
responses and handles the lifespan.
"""

import logging
import os
import re
from collections.abc import Callable

from django.core.asgi import get_asgi_application

from config.log_filters import DropSuccessfulProbes, HideQueryStrings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()
logging.getLogger("uvicorn.access").addFilter(HideQueryStrings())
logging.getLogger("uvicorn.access").addFilter(DropSuccessfulProbes())

# /api/<user_id>/chat, …/chat/stream(-tools), …/chat/runs/<run_id>/events and …/cancel,
# and the live stream /api/<user_id>/events, with or without the trailing slash.
MIDDLEWARE_FREE_PATHS = re.compile(
    r"^/api/\d+/(chat(/stream|/stream-tools|/runs/[0-9a-fA-F-]{36}/(events|cancel))?|events)/?$"
)


def build_application() -> Callable:
    from config.handlers import MiddlewareFreeASGIHandler
    from ops.asgi import with_operations

    chat_application = MiddlewareFreeASGIHandler()

    async def application(scope, receive, send):
        if scope["type"] == "http" and MIDDLEWARE_FREE_PATHS.match(scope["path"]):
            return await chat_application(scope, receive, send)
        return await django_application(scope, receive, send)

    return with_operations(application)


application = build_application()
