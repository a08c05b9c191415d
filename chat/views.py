"""The chat endpoints: parse, authorize, open the turn (one database round trip), then run.

Plain async views, not DRF: besides Django's own request handling, the stream path leaves the
event loop only for its two database round trips (and what the tools do).
"""

import asyncio
from contextlib import aclosing

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import AuthFailure, authenticate_for_user
from chat.chat_request import InvalidChatRequest, parse_chat_request
from chat.conversations import ConversationNotFound
from chat.llm.agent import model_choice
from chat.models import Message
from chat.runs.events import EventType
from chat.runs.relay import SseRelay
from chat.runs.run import run_turn, save_outcome
from chat.runs.transcript import TranscriptRecorder
from chat.turns import Turn, TurnOutcome, turn_start
from config.db_threads import run_db
from config.errors import error_body, error_response

_closing_turns: set[asyncio.Future] = set()

SSE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # nginx: pass each frame through at once
}


def _open_turn(request: HttpRequest, user_id: int) -> Turn | HttpResponse:
    """Authenticate, validate and save the user's message: everything before the first byte."""
    if request.method != "POST":
        return error_response(405, f'Method "{request.method}" not allowed.', "method_not_allowed")
    user = authenticate_for_user(request, user_id)
    if isinstance(user, AuthFailure):
        return error_response(user.status, user.detail, user.code)
    try:
        chat_request = parse_chat_request(request.body, request.content_type)
    except InvalidChatRequest as invalid:
        return error_response(invalid.status, invalid.detail, invalid.code, invalid.errors)
    try:
        return turn_start(
            user=user,
            conversation_id=chat_request.conversation_id,
            text=chat_request.message,
            model_name=model_choice().name,
            history_limit=settings.CHAT_HISTORY_MAX_MESSAGES,
            time_zone=chat_request.time_zone,
        )
    except ConversationNotFound:
        return error_response(404, "Conversation not found.", "not_found")


async def _open(request: HttpRequest, user_id: int) -> Turn | HttpResponse:
    """`_open_turn` on a database thread. If the client leaves meanwhile, the thread still
    commits the turn: its reply is then closed as `interrupted`, never left `streaming`."""
    opening = asyncio.ensure_future(run_db(_open_turn, request, user_id))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_close_abandoned_turn)
        raise


def _close_abandoned_turn(opening: asyncio.Future) -> None:
    if opening.cancelled() or opening.exception() is not None:
        return
    turn = opening.result()
    if isinstance(turn, Turn):
        outcome = TurnOutcome(status=Message.Status.INTERRUPTED, content="", tool_calls=[])
        closing = save_outcome(turn, outcome)
        _closing_turns.add(closing)  # a reference, so the task is not collected mid-way
        closing.add_done_callback(_closing_turns.discard)


@csrf_exempt  # CSRF is checked for session-authenticated calls in authenticate_for_user
async def chat_stream(request: HttpRequest, user_id: int) -> HttpResponse:
    """POST /api/<user_id>/chat/stream: the reply as Server-Sent Events."""
    turn = await _open(request, user_id)
    if isinstance(turn, HttpResponse):
        return turn
    relay = SseRelay(run_turn(turn))
    frames = relay.frames(keepalive_s=settings.CHAT_KEEPALIVE_S)
    return StreamingHttpResponse(frames, content_type="text/event-stream", headers=SSE_HEADERS)


@csrf_exempt
async def chat_once(request: HttpRequest, user_id: int) -> HttpResponse:
    """POST /api/<user_id>/chat: the same turn, answered as one JSON document."""
    turn = await _open(request, user_id)
    if isinstance(turn, HttpResponse):
        return turn
    transcript = TranscriptRecorder()
    async with aclosing(run_turn(turn)) as events:
        async for event in events:
            transcript.record(event)
            if event.type is EventType.ERROR:
                return _model_failure_response(turn, event.data["code"], event.data["message"])
    return JsonResponse(
        {
            "conversation_id": turn.conversation_id,
            "message_id": turn.assistant_message_id,
            "response": transcript.text,
            "tool_calls": transcript.tool_calls,
        }
    )


def _model_failure_response(turn: Turn, code: str, message: str) -> JsonResponse:
    body = error_body(message, code) | {
        "conversation_id": turn.conversation_id,
        "message_id": turn.assistant_message_id,
    }
    response = JsonResponse(body, status=504 if code == "model_timeout" else 502)
    # The run logged this failure once already; spare django.request a second line
    # (Django's own flag for a response it must not log again).
    response._has_been_logged = True
    return response
