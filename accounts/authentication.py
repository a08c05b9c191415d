"""Authenticate plain (non-DRF) views with the same rules as the DRF API.

Bearer JWT first; otherwise the Django session, which then also needs a valid CSRF token
(as DRF's SessionAuthentication does). The result is a user or an `AuthFailure` to return.
"""

import threading
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import Token

from accounts.permissions import is_path_user
from accounts.tokens import token_user

# Access tokens whose signature and claims were verified, by their exact bytes: a client sends
# the same token with every request for its whole lifetime, and verifying it (PyJWT's decode:
# base64, HMAC, JSON, claims) cost more than the database read of its user (docs/PERFORMANCE.md).
# What can change about a token is checked again at every use: its expiry here, its user and
# credential generation (revocation) by `token_user`, which always reads the database.
VERIFIED_TOKENS_MAX = 4096
_verified: dict[bytes, Token] = {}
_verified_lock = threading.Lock()


@receiver(setting_changed)
def _forget_verified_tokens(*, setting: str, **kwargs) -> None:
    if setting in ("SECRET_KEY", "SIMPLE_JWT"):  # the signing key or the token rules changed
        with _verified_lock:
            _verified.clear()


class AccountJWTAuthentication(JWTAuthentication):
    """simplejwt's Bearer authentication; the user is the one `token_user` accepts (current
    credential generation, well-formed claims, an active user that still exists)."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _verified.get(raw_token)
        if token is not None:
            try:
                token.check_exp()
                return token
            except TokenError:
                pass  # expired since: verified again below, which says so as it always did
        token = super().get_validated_token(raw_token)
        with _verified_lock:
            if len(_verified) >= VERIFIED_TOKENS_MAX:
                del _verified[next(iter(_verified))]  # the oldest
            _verified[raw_token] = token
        return token

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
