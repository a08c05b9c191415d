"""GET /api/<user_id>/events: the user's live stream, Server-Sent Events.

A plain async view served without middleware (config/asgi.py), like the chat endpoints: one
database query to authenticate, then nothing but the subscription.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import AuthFailure, authenticate_for_user
from chat.runs.relay import SSE_HEADERS
from config.db_threads import run_db
from config.errors import error_response
from live.events import parse_event_id, session_fingerprint
from live.streams import open_stream

INVALID_RESUME_POINT = "Last-Event-ID or after must be an event id (`<milliseconds>-<n>`)."


def _user_and_session(
    request: HttpRequest, user_id: int
) -> tuple[AbstractBaseUser, str] | AuthFailure:
    """The caller (if they may read `user_id`'s stream) and the fingerprint of their web
    session ("" for a Bearer token): what `account.signed_out` is matched against."""
    user = authenticate_for_user(request, user_id)
    if isinstance(user, AuthFailure):
        return user
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return user, ""
    return user, session_fingerprint(request.session.session_key or "")


@csrf_exempt  # a GET: CSRF does not apply; the session or a Bearer token authenticates it
async def live_events(request: HttpRequest, user_id: int) -> HttpResponse:
    if request.method != "GET":
        return error_response(405, f'Method "{request.method}" not allowed.', "method_not_allowed")
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    after = parse_event_id(raw) if raw else None
    if raw and after is None:
        return error_response(
            400, INVALID_RESUME_POINT, "invalid", {"after": [INVALID_RESUME_POINT]}
        )
    caller = await run_db(_user_and_session, request, user_id)
    if isinstance(caller, AuthFailure):
        return error_response(caller.status, caller.detail, caller.code)
    user, session = caller
    stream = await open_stream(user.pk, after=after, session=session)
    return StreamingHttpResponse(
        stream.frames(), content_type="text/event-stream", headers=SSE_HEADERS
    )
