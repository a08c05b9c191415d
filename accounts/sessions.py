"""The web sessions each user is signed in with.

Django cannot list a user's sessions (a session row knows its user only inside its encoded
data), so every sign-in is recorded here (`WebSession`) and signing out everywhere ends the
recorded sessions through the session engine, whichever it is.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from accounts.models import WebSession


def _session_store() -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore()


def session_record(*, user: AbstractBaseUser, session_key: str) -> None:
    """Remember that `user` is signed in with `session_key`; forget their sessions that have
    since ended on their own (expired, or signed out elsewhere)."""
    store = _session_store()
    ended = [
        row.pk
        for row in WebSession.objects.filter(user=user).exclude(session_key=session_key)
        if not store.exists(row.session_key)
    ]
    WebSession.objects.filter(pk__in=ended).delete()
    WebSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def sessions_end(*, user: AbstractBaseUser, keep_session_key: str | None = None) -> None:
    """End every web session of `user` but `keep_session_key`."""
    store = _session_store()
    ending = WebSession.objects.filter(user=user).exclude(session_key=keep_session_key or "")
    for session_key in ending.values_list("session_key", flat=True):
        store.delete(session_key)
    ending.delete()


def session_keep_signed_in(request: HttpRequest, user: AbstractBaseUser) -> None:
    """After a password change, keep the request's own session signed in (Django renews its
    key and auth hash) and record its new key."""
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    WebSession.objects.filter(session_key=old_key).delete()
    session_record(user=user, session_key=request.session.session_key)


def record_sign_in(sender, request: HttpRequest, user: AbstractBaseUser, **kwargs) -> None:
    """`user_logged_in` receiver."""
    if request is None or getattr(request, "session", None) is None:
        return
    if request.session.session_key is None:
        # Signing in over another user's session flushes it: the new one has no key until
        # it is saved, and it must be recorded under the key it will have.
        request.session.save()
    session_record(user=user, session_key=request.session.session_key)


def record_sign_out(sender, request: HttpRequest, user, **kwargs) -> None:
    """`user_logged_out` receiver."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        WebSession.objects.filter(session_key=session_key).delete()
