"""A web session signed out (Django's `user_logged_out`): its streams close."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from live.publisher import publish_on_commit


def session_signed_out(sender, request: HttpRequest, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is None or user.pk is None or not session_key:
        return  # nobody signed in, or the account was deleted (which said so itself)
    publish_on_commit(
        get_user_model(),
        "signed_out",
        {"reason": "signed_out", "session_key": session_key},
        user_id=user.pk,
    )
