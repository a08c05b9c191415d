"""Authenticate plain (non-DRF) views with the same rules as the DRF API.

Bearer JWT first; otherwise the Django session, which then also needs a valid CSRF token
(as DRF's SessionAuthentication does). The result is a user or an `AuthFailure` to return.
"""

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.permissions import is_path_user
from accounts.tokens import token_user


class AccountJWTAuthentication(JWTAuthentication):
    """simplejwt's Bearer authentication; the user is the one `token_user` accepts (current
    credential generation, well-formed claims, an active user that still exists)."""

    def get_user(self, validated_token) -> AbstractBaseUser:
        return token_user(validated_token)


@dataclass(frozen=True)
class AuthFailure:
    status: int
    detail: str
    code: str


NOT_AUTHENTICATED = AuthFailure(
    401, "Authentication credentials were not provided.", "not_authenticated"
)
INVALID_TOKEN = AuthFailure(401, "The token is invalid or expired.", "token_not_valid")
WRONG_USER = AuthFailure(403, "You may only access your own data.", "permission_denied")


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _csrf_failure_reason(request: HttpRequest) -> str | None:
    check = _CsrfCheck(lambda req: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


def session_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """The session's user, reading the session itself where no middleware did
    (the chat endpoints are served without middleware: config/asgi.py)."""
    if not hasattr(request, "session"):
        engine = import_module(settings.SESSION_ENGINE)
        request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    return get_user(request)


def authenticate_for_user(request: HttpRequest, user_id: int) -> AbstractBaseUser | AuthFailure:
    """Return the request's user if it may act as `user_id`, else an AuthFailure.

    Synchronous: it may read the user row, so call it from a thread under ASGI.
    """
    jwt = AccountJWTAuthentication()
    try:
        result = jwt.authenticate(request)
    except exceptions.AuthenticationFailed:
        return INVALID_TOKEN
    if result is not None:
        user = result[0]
    else:
        user = session_user(request)
        if not user.is_authenticated:
            return NOT_AUTHENTICATED
        reason = _csrf_failure_reason(request)
        if reason:
            return AuthFailure(403, f"CSRF Failed: {reason}", "csrf_failed")
    if not is_path_user(user, user_id):
        return WRONG_USER
    return user


class CsrfCodedSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, reporting a CSRF failure with the API's `csrf_failed` code."""

    def enforce_csrf(self, request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc.detail), code="csrf_failed") from None
