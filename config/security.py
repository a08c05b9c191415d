"""Response protection: the headers every response carries and the page's Content-Security-Policy.

Django's SecurityMiddleware (nosniff, referrer policy, HSTS, the HTTPS redirect) and
XFrameOptionsMiddleware (framing denied) run in the middleware stack; `ResponseProtection`
calls the same hooks directly for the chat endpoints, which are served without that stack
(config/handlers.py). Django 5.2 has no CSP of its own: `content_security_policy` adds one to
every HTML response.
"""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.decorators import sync_and_async_middleware

CSP_HEADER = "Content-Security-Policy"


def _policy(**overrides: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    } | overrides
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# No inline script or style anywhere in the product's pages, Django's admin included.
CONTENT_SECURITY_POLICY = _policy()
# Swagger UI (/api/docs/, a third-party page) keeps a few inline style rules; its script is
# served as a file (config.openapi.ApiDocsView).
API_DOCS_CONTENT_SECURITY_POLICY = _policy(**{"style-src": "'self' 'unsafe-inline'"})


def _is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def add_content_security_policy(response: HttpResponse) -> HttpResponse:
    """The policy on an HTML response, unless its view chose a policy of its own."""
    if _is_html(response):
        response.headers.setdefault(CSP_HEADER, CONTENT_SECURITY_POLICY)
    return response


@sync_and_async_middleware
def content_security_policy(get_response: Callable) -> Callable:
    """Middleware; async-capable, so under ASGI it costs no thread hop."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            return add_content_security_policy(await get_response(request))

    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            return add_content_security_policy(get_response(request))

    return middleware


def _unused_get_response(request: HttpRequest) -> HttpResponse:
    raise AssertionError("ResponseProtection calls the middlewares' hooks, never the chain")


class ResponseProtection:
    """What the middleware stack does for a request's safety, as plain calls on the event loop:
    the ALLOWED_HOSTS check, the HTTPS redirect, and the security headers. Settings are read
    once, when it is built (as the middlewares do)."""

    def __init__(self) -> None:
        self._security = SecurityMiddleware(_unused_get_response)
        self._framing = XFrameOptionsMiddleware(_unused_get_response)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        """400 for a host not in ALLOWED_HOSTS (answered and logged as Django does), or the
        redirect to HTTPS under SECURE_SSL_REDIRECT; None to go on to the view."""
        try:
            request.get_host()
        except DisallowedHost as exc:
            return response_for_exception(request, exc)
        return self._security.process_request(request)

    def protect(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = self._security.process_response(request, response)
        response = self._framing.process_response(request, response)
        return add_content_security_policy(response)
