"""The chat endpoints: start a run, listen to it, resume it, cancel it.

Plain async views, not DRF, served without middleware (config/asgi.py): besides Django's own
request handling, a turn leaves the event loop only for its database round trips (and what the
tools do). A run executes in its own task (chat.runs.execution); these views only start it and
relay what the broker carries, so a client that leaves stops nothing.
"""

import asyncio
import logging
import re
import uuid
from contextlib import aclosing

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import AuthFailure, authenticate_for_user
from chat.chat_request import InvalidChatRequest, parse_chat_request
from chat.conversations import ConversationNotFound
from chat.llm.agent import model_choice
from chat.models import Message
from chat.runs.admission import Refusal, admit_turn, release_slot_now, release_turn
from chat.runs.brokers import run_broker
from chat.runs.brokers.base import BrokerUnavailable, EventBatches, RunInfo
from chat.runs.events import EventType
from chat.runs.execution import (
    LocalRun,
    end_if_dead,
    start_run,
    started_run_info,
    worker_is_full,
)
from chat.runs.lapsed import end_stale_run
from chat.runs.relay import event_stream_response
from chat.runs.saving import save_outcome
from chat.runs.transcript import TranscriptRecorder
from chat.turns import DuplicateMessage, RunInProgress, Turn, TurnOutcome, turn_start
from config.db_threads import run_db
from config.errors import error_body, error_response
from config.ratelimit import RATE_LIMITED
from ops import metrics, shutdown

logger = logging.getLogger("chat.runs")

_opening_turns: set[asyncio.Future] = set()  # references to tasks no request awaits any more
BUSY_RETRY_AFTER_S = 5

BROKER_RETRY_AFTER_S = 2
SEQ = re.compile(r"-1|[0-9]+")


def _method_not_allowed(request: HttpRequest) -> HttpResponse:
    return error_response(405, f'Method "{request.method}" not allowed.', "method_not_allowed")


def _authenticate(request: HttpRequest, user_id: int) -> AbstractBaseUser | HttpResponse:
    user = authenticate_for_user(request, user_id)
    if isinstance(user, AuthFailure):
        return error_response(user.status, user.detail, user.code)
    return user


def _refusal_response(refusal: Refusal) -> HttpResponse:
    metrics.rate_limited("chat" if refusal.code == RATE_LIMITED else refusal.code)
    response = JsonResponse(error_body(refusal.detail, refusal.code) | refusal.extra, status=429)
    response["Retry-After"] = str(refusal.retry_after_s)
    return response


Opened = Turn | RunInProgress | DuplicateMessage | HttpResponse


def _open_turn(request: HttpRequest, user_id: int) -> Opened:
    """Authenticate, validate, admit and save the user's message: everything before the
    first byte. A refused or malformed request stores nothing and uses up no turn."""
    user = _authenticate(request, user_id)
    if isinstance(user, HttpResponse):
        return user
    try:
        chat_request = parse_chat_request(request.body, request.content_type)
    except InvalidChatRequest as invalid:
        return error_response(invalid.status, invalid.detail, invalid.code, invalid.errors)
    try:
        run_id = admit_turn(user)
    except BrokerUnavailable:
        return _broker_unavailable()
    if isinstance(run_id, Refusal):
        return _refusal_response(run_id)
    try:
        return turn_start(
            run_id=run_id,
            user=user,
            conversation_id=chat_request.conversation_id,
            text=chat_request.message,
            model_name=model_choice().name,
            history_limit=settings.CHAT_HISTORY_MAX_MESSAGES,
            time_zone=chat_request.time_zone,
            locale=chat_request.locale,
            client_message_id=chat_request.client_message_id,
        )
    except ConversationNotFound:
        release_slot_now(user_id=user.pk, run_id=run_id)
        return error_response(404, "Conversation not found.", "not_found")
    except (RunInProgress, DuplicateMessage) as refused:
        release_slot_now(user_id=user.pk, run_id=run_id)
        return refused
    except BaseException:
        release_slot_now(user_id=user.pk, run_id=run_id)
        raise


async def _open(request: HttpRequest, user_id: int) -> Opened:
    """`_open_turn` on a database thread. If the client leaves meanwhile, the thread still
    commits the turn, and its run goes on as if the client had left a moment later."""
    opening = asyncio.ensure_future(run_db(_open_turn, request, user_id))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_run_abandoned_turn)
        raise


def _run_abandoned_turn(opening: asyncio.Future) -> None:
    if opening.cancelled() or opening.exception() is not None:
        return
    turn = opening.result()
    if not isinstance(turn, Turn):
        return
    if settings.CHAT_CONTINUE_ON_DISCONNECT:
        follow_up = asyncio.ensure_future(start_run(turn))
    else:
        follow_up = asyncio.ensure_future(_close_unstarted(turn))
    _opening_turns.add(follow_up)
    follow_up.add_done_callback(_opening_turns.discard)


async def _close_unstarted(turn: Turn) -> None:
    """A turn opened for a client that left (with CHAT_CONTINUE_ON_DISCONNECT off): its reply
    is saved `interrupted` and its run never starts."""
    outcome = TurnOutcome(status=Message.Status.INTERRUPTED, content="", tool_calls=[])
    try:
        await save_outcome(turn, outcome)
    finally:
        await release_turn(user_id=turn.user.pk, run_id=turn.run_id)


def _busy() -> HttpResponse:
    response = error_response(503, "This server is busy; try again in a moment.", "busy")
    response["Retry-After"] = str(BUSY_RETRY_AFTER_S)
    return response


def _run_active(in_progress: RunInProgress) -> HttpResponse:
    body = error_body(
        "A reply is already being written in this conversation; wait for it or cancel it.",
        "run_active",
    ) | {"run_id": str(in_progress.run_id)}
    return JsonResponse(body, status=409)


async def _start(request: HttpRequest, user_id: int) -> LocalRun | RunInfo | HttpResponse:
    """Open the turn and start its run; 409 while the conversation has a live run, 503 while
    this worker shuts down or runs CHAT_MAX_ACTIVE_RUNS already, 503 `broker_unavailable`
    while Redis is away (nothing is stored: the proxy may try another worker). A message sent
    before (its `client_message_id`) starts nothing: the run it started (its RunInfo)."""
    if shutdown.draining():
        return error_response(503, "This server is restarting; try again.", "shutting_down")
    if worker_is_full():
        return _busy()
    opened = await _open(request, user_id)
    if isinstance(opened, RunInProgress) and await end_if_dead(opened, user_id=user_id):
        opened = await _open(request, user_id)
    if isinstance(opened, DuplicateMessage):
        return await _sent_before(opened, user_id)
    if isinstance(opened, RunInProgress):
        return _run_active(opened)
    if isinstance(opened, HttpResponse):
        return opened
    try:
        return await start_run(opened)
    except BrokerUnavailable:
        return _broker_unavailable()


def _broker_unavailable() -> HttpResponse:
    response = error_response(
        503, "Replies cannot be started right now; try again shortly.", "broker_unavailable"
    )
    response["Retry-After"] = str(BROKER_RETRY_AFTER_S)
    return response


async def _sent_before(duplicate: DuplicateMessage, user_id: int) -> RunInfo | HttpResponse:
    """The run a message sent twice started, to be followed again; 409 `duplicate_message`
    (with its `run_id`) while that run is not readable (still being stored, or expired)."""
    run_id = str(duplicate.run_id) if duplicate.run_id else None
    info = await run_broker().run_info(run_id) if run_id else None
    if info is not None and info.user_id == user_id:
        return info
    body = error_body(
        "This message was already sent; follow its reply instead.", "duplicate_message"
    ) | {"run_id": run_id}
    return JsonResponse(body, status=409)


def _follow(run_id: str, *, after: int = -1) -> EventBatches:
    return run_broker().follow(
        run_id, after=after, idle_s=settings.CHAT_KEEPALIVE_S, on_stale=end_stale_run
    )


def _event_stream(
    batches: EventBatches, run: LocalRun | None = None, *, with_ids: bool | None = None
) -> HttpResponse:
    """The stream of the run the request started (`run`): `data:`-only frames, as the seed's
    clients read them; a resume (no `run`): `id:` lines too, for EventSource's Last-Event-ID."""
    on_client_left = None
    if run is not None and not settings.CHAT_CONTINUE_ON_DISCONNECT:
        on_client_left = run.stop.request_interrupt
    with_ids = run is None if with_ids is None else with_ids
    return event_stream_response(batches, with_ids=with_ids, on_client_left=on_client_left)


@csrf_exempt  # CSRF is checked for session-authenticated calls in authenticate_for_user
async def chat_stream(request: HttpRequest, user_id: int) -> HttpResponse:
    """POST /api/<user_id>/chat/stream: start a run; its events as Server-Sent Events."""
    if request.method != "POST":
        return _method_not_allowed(request)
    run = await _start(request, user_id)
    if isinstance(run, HttpResponse):
        return run
    if isinstance(run, RunInfo):
        return _event_stream(_follow(run.run_id), with_ids=False)
    return _event_stream(_follow(run.info.run_id), run)


@csrf_exempt
async def chat_once(request: HttpRequest, user_id: int) -> HttpResponse:
    """POST /api/<user_id>/chat: the same run, answered as one JSON document."""
    if request.method != "POST":
        return _method_not_allowed(request)
    run = await _start(request, user_id)
    if isinstance(run, HttpResponse):
        return run
    info = run if isinstance(run, RunInfo) else run.info
    transcript = TranscriptRecorder()
    status = Message.Status.COMPLETE
    async with aclosing(_follow(info.run_id)) as batches:
        async for batch in batches:
            for event in batch:
                transcript.record(event)
                if event.type is EventType.ERROR:
                    return _failure_response(info, event.data["code"], event.data["message"])
                if event.type is EventType.DONE:
                    status = event.data["status"]
    return JsonResponse(
        {
            "conversation_id": info.conversation_id,
            "message_id": info.message_id,
            "run_id": info.run_id,
            "status": status,
            "response": transcript.text,
            "tool_calls": transcript.tool_calls,
        }
    )


FAILURE_STATUS = {"model_timeout": 504, "interrupted": 503, "save_failed": 503}


def _failure_response(info: RunInfo, code: str, message: str) -> JsonResponse:
    body = error_body(message, code) | {
        "conversation_id": info.conversation_id,
        "message_id": info.message_id,
        "run_id": info.run_id,
    }
    response = JsonResponse(body, status=FAILURE_STATUS.get(code, 502))
    # The run logged this failure once already; spare django.request a second line
    # (Django's own flag for a response it must not log again).
    response._has_been_logged = True
    return response


def _resume_point(request: HttpRequest) -> int | None:
    """The seq to resume after: `Last-Event-ID`, else `?after=`, else -1 (from the start)."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after")
    if raw is None or raw == "":
        return -1
    # Only plain decimal digits (or -1): int() would also take "1_0", "+3" and " 3".
    return int(raw) if SEQ.fullmatch(raw) else None


async def _own_run(request: HttpRequest, user_id: int, run_id: uuid.UUID) -> RunInfo | HttpResponse:
    """The run, if it exists and belongs to the caller; else the error response."""
    user = await run_db(_authenticate, request, user_id)
    if isinstance(user, HttpResponse):
        return user
    try:
        info = await started_run_info(str(uuid.UUID(run_id)), user_id=user.pk)  # canonical
    except ValueError:
        info = None
    except Exception:
        logger.warning("reading run %s from the broker failed", run_id, exc_info=True)
        return _broker_unavailable()
    if info is None or info.user_id != user.pk:
        return error_response(404, "Run not found (unknown, expired or not yours).", "not_found")
    return info


@csrf_exempt
async def run_events(request: HttpRequest, user_id: int, run_id: str) -> HttpResponse:
    """GET /api/<user_id>/chat/runs/<run_id>/events: replay after a seq, then follow live."""
    if request.method != "GET":
        return _method_not_allowed(request)
    after = _resume_point(request)
    if after is None:
        return error_response(
            400,
            "Last-Event-ID or after must be a seq (an integer of -1 or more).",
            "invalid",
            {"after": ["A seq is an integer of -1 or more."]},
        )
    info = await _own_run(request, user_id, run_id)
    if isinstance(info, HttpResponse):
        return info
    return _event_stream(_follow(info.run_id, after=after))


@csrf_exempt
async def run_cancel(request: HttpRequest, user_id: int, run_id: str) -> HttpResponse:
    """POST /api/<user_id>/chat/runs/<run_id>/cancel: stop the run, wherever it executes."""
    if request.method != "POST":
        return _method_not_allowed(request)
    info = await _own_run(request, user_id, run_id)
    if isinstance(info, HttpResponse):
        return info
    try:
        await run_broker().cancel(info.run_id)
    except Exception:
        logger.warning("cancelling run %s failed", info.run_id, exc_info=True)
        return _broker_unavailable()
    return JsonResponse({"run_id": info.run_id, "cancel_requested": True}, status=202)
