"""The chat endpoints: parse, authorize, open the turn (one database round trip), then run.

Plain async views, not DRF: the stream path never leaves the event loop except for the two
database round trips, and no sync middleware sits on it.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import AuthFailure, authenticate_for_user
from chat.agent import model_choice
from chat.chat_request import InvalidChatRequest, parse_chat_request
from chat.conversations import ConversationNotFound
from chat.events import EventType
from chat.relay import sse_frames
from chat.run import run_turn
from chat.transcript import TranscriptRecorder
from chat.turns import Turn, turn_start
from config.db_threads import run_db
from config.errors import error_body, error_response

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
        )
    except ConversationNotFound:
        return error_response(404, "Conversation not found.", "not_found")


@csrf_exempt  # CSRF is checked for session-authenticated calls in authenticate_for_user
async def chat_stream(request: HttpRequest, user_id: int) -> HttpResponse:
    """POST /api/<user_id>/chat/stream: the reply as Server-Sent Events."""
    turn = await run_db(_open_turn, request, user_id)
    if isinstance(turn, HttpResponse):
        return turn
    frames = sse_frames(run_turn(turn), keepalive_s=settings.CHAT_KEEPALIVE_S)
    return StreamingHttpResponse(frames, content_type="text/event-stream", headers=SSE_HEADERS)


@csrf_exempt
async def chat_once(request: HttpRequest, user_id: int) -> HttpResponse:
    """POST /api/<user_id>/chat: the same turn, answered as one JSON document."""
    turn = await run_db(_open_turn, request, user_id)
    if isinstance(turn, HttpResponse):
        return turn
    transcript = TranscriptRecorder()
    async for event in run_turn(turn):
        transcript.record(event)
        if event.type is EventType.ERROR:
            code = event.data["code"]
            body = error_body(event.data["message"], code) | {
                "conversation_id": turn.conversation_id,
                "message_id": turn.assistant_message_id,
            }
            response = JsonResponse(body, status=504 if code == "model_timeout" else 502)
            # The run logged this failure once already; spare django.request a second line.
            response._has_been_logged = True
            return response
    return JsonResponse(
        {
            "conversation_id": turn.conversation_id,
            "message_id": turn.assistant_message_id,
            "response": transcript.text,
            "tool_calls": transcript.tool_calls,
        }
    )
