"""The OpenAPI schema's shared parts: the error component every 4xx response uses, and the
chat endpoints, which are plain async Django views drf-spectacular cannot introspect and so
are added by a postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views import View
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers

from chat.runs.events import EVENT_FIELDS, EventSequence, EventType
from config.security import API_DOCS_CONTENT_SECURITY_POLICY, CSP_HEADER
from live.events import EVENT_FIELDS as LIVE_EVENT_FIELDS

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

ERROR_DESCRIPTIONS = {
    400: "Invalid input: bad JSON, a bad query parameter, or fields that failed (`errors`).",
    401: "No credentials, or a token that is invalid, expired or revoked.",
    403: "The URL's user id is not the caller's, or a session request lacks its CSRF token.",
    404: "No such object for this user (another user's ids are reported as missing too), "
    "or a page past the end.",
    409: "The object is busy: a reply is still streaming into this conversation "
    "(`code: run_active`; the chat endpoints add the active `run_id`).",
    415: "The body is not `application/json`.",
    429: "Too many attempts (`rate_limited`); `Retry-After` says how many seconds to wait. "
    "Chat turns also: `too_many_active_runs` (CHAT_MAX_ACTIVE_RUNS_PER_USER runs executing), "
    "`quota_exceeded` (past the daily token budget; the body adds `resets_at`).",
    502: "The model failed; the body also has `conversation_id`, `message_id` and `run_id`.",
    503: "`shutting_down` (this worker is shutting down) or `busy` (it executes "
    "CHAT_MAX_ACTIVE_RUNS runs already; `Retry-After`): nothing stored, try again (another "
    "worker will answer). `interrupted`, `save_failed` (the JSON endpoint): the run was "
    "interrupted (its worker shut down or died) or its reply could not be saved; the body "
    "also has `conversation_id`, `message_id` and `run_id`.",
    504: "The model timed out; the body also has `conversation_id`, `message_id` and `run_id`.",
}


@extend_schema_serializer(component_name=ERROR_COMPONENT)
class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (config/errors.py)."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(
        help_text="What went wrong, for programs: e.g. `invalid`, "
        "`not_found`, `not_authenticated`, `permission_denied`."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per failed field; present only when fields failed.",
    )


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """`responses` entries for @extend_schema: each status in the error shape."""
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in status_codes
    }


# --- The chat endpoints (chat/api_urls.py) --------------------------------------------------

# What each event means; its fields come from chat.runs.events, the protocol's one definition.
EVENT_MEANINGS = {
    EventType.START: "The turn is stored and the run has begun.",
    EventType.THINKING: "The model is working on its next step.",
    EventType.TEXT: "The next piece of the reply.",
    EventType.TOOL_CALL: "The agent calls one of its tools.",
    EventType.TOOL_RESULT: "What the tool returned.",
    EventType.DONE: "The reply is stored with this status; the stream ends.",
    EventType.ERROR: "The run failed; the stream ends.",
}


def _stream_description() -> str:
    rows = "\n".join(
        f"| `{event_type}` | {', '.join(f'`{name}`' for name in fields) or '-'} "
        f"| {EVENT_MEANINGS.get(event_type, '')} |"
        for event_type, fields in EVENT_FIELDS.items()
    )
    return (
        "Send a message and receive the assistant's reply as Server-Sent Events, one "
        "`id: <seq>` + `data: <json>` frame per event. Every event has `type` and `seq` (0, 1, "
        "2, ... within the run); a run ends with exactly one `done` or `error`. Lines starting "
        "with `:` are keep-alive comments. The run goes on if the client leaves: resume it "
        "with `GET /api/{user_id}/chat/runs/{run_id}/events` (the `run_id` is in `start`).\n\n"
        "| type | fields | meaning |\n|---|---|---|\n" + rows
    )


def _stream_example() -> str:
    events = EventSequence()
    frames = [
        events.make(
            EventType.START,
            conversation_id=7,
            run_id="5f0c9a9e-2b8e-4d61-9a63-0b7d2f8f1c42",
            user_message_id=41,
        ),
        events.make(EventType.THINKING),
        events.make(
            EventType.TOOL_CALL, call_id="call_1", name="add_task", arguments={"title": "Buy milk"}
        ),
        events.make(
            EventType.TOOL_RESULT,
            call_id="call_1",
            name="add_task",
            output={"ok": True, "task": {"id": 3, "title": "Buy milk"}},
        ),
        events.make(EventType.TEXT, content="Added "),
        events.make(EventType.TEXT, content="Buy milk."),
        events.make(EventType.DONE, message_id=42, status="complete"),
    ]
    return b"".join(frame.to_sse() for frame in frames).decode()


def _chat_components() -> dict[str, dict[str, Any]]:
    return {
        "ChatRequest": {
            "type": "object",
            "properties": {
                "message": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": settings.CHAT_MAX_MESSAGE_CHARS,
                    "description": "What the user says.",
                },
                "conversation_id": {
                    "type": "integer",
                    "nullable": True,
                    "description": "Continue this conversation; null or absent starts a new one.",
                },
                "timezone": {
                    "type": "string",
                    "nullable": True,
                    "example": "Europe/Paris",
                    "description": "Your IANA time zone: the assistant plans due dates from "
                    "your local date. Absent: the server's `TIME_ZONE`. An unknown zone → 400.",
                },
            },
            "required": ["message"],
        },
        "ChatToolCall": {
            "type": "object",
            "properties": {
                "call_id": {"type": "string"},
                "name": {"type": "string"},
                "arguments": {"description": "The arguments the agent passed (JSON)."},
                "output": {"description": "What the tool returned (JSON, or text)."},
            },
            "required": ["call_id", "name", "arguments"],
        },
        "ChatReply": {
            "type": "object",
            "properties": {
                "conversation_id": {"type": "integer"},
                "message_id": {"type": "integer", "description": "The stored assistant message."},
                "run_id": {"type": "string", "format": "uuid"},
                "status": {
                    "type": "string",
                    "enum": ["complete", "cancelled"],
                    "description": "`cancelled` when the run was cancelled meanwhile.",
                },
                "response": {"type": "string", "description": "The assistant's whole reply."},
                "tool_calls": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ChatToolCall"},
                },
            },
            "required": [
                "conversation_id",
                "message_id",
                "run_id",
                "status",
                "response",
                "tool_calls",
            ],
        },
        "RunCancel": {
            "type": "object",
            "properties": {
                "run_id": {"type": "string", "format": "uuid"},
                "cancel_requested": {"type": "boolean"},
            },
            "required": ["run_id", "cancel_requested"],
        },
    }


USER_ID_PARAMETER = {
    "name": "user_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}
RUN_ID_PARAMETER = {
    "name": "run_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
    "description": "The `run_id` of the run's `start` event.",
}
RESUME_PARAMETERS = [
    {
        "name": "Last-Event-ID",
        "in": "header",
        "required": False,
        "schema": {"type": "integer", "minimum": -1},
        "description": "Resume after this seq (what EventSource sends on reconnect).",
    },
    {
        "name": "after",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": -1},
        "description": "Resume after this seq without a Last-Event-ID; absent: from the start.",
    },
]


def _chat_operation(
    *,
    operation_id: str,
    summary: str,
    description: str,
    ok: dict[str, Any],
    error_codes: tuple[int, ...],
    security: list,
    method: str = "post",
    ok_status: str = "200",
    parameters: tuple[dict[str, Any], ...] = (),
    with_body: bool = True,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": ["chat"],
        "parameters": [USER_ID_PARAMETER, *parameters],
        "security": security,
        "responses": {
            ok_status: ok,
            **{
                str(code): {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
                for code in error_codes
            },
        },
    }
    if with_body:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}
            },
        }
    return {method: operation}


LIVE_RESUME_PARAMETERS = (
    {
        "name": "Last-Event-ID",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": r"^\d+-\d+$"},
        "description": "Resume after this event id (EventSource sends it when it reconnects).",
    },
    {
        "name": "after",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": r"^\d+-\d+$"},
        "description": "Resume after this event id without a Last-Event-ID; absent: from now.",
    },
)


def _live_description() -> str:
    events = "\n".join(
        f"- `{event_type.value}`" + (f": {', '.join(f'`{f}`' for f in fields)}" if fields else "")
        for event_type, fields in LIVE_EVENT_FIELDS.items()
    )
    return (
        "One Server-Sent Events stream per open client of every change to your data, from any "
        "path (the API, the assistant, undo, the admin), in commit order, exactly once. Works "
        "with `EventSource` as is: each frame is `id: <event id>` and `data: <JSON with "
        "type>`; keepalive comments when idle. Resume with `Last-Event-ID` (or `?after=`) "
        "within `LIVE_EVENTS_TTL_S`; an older resume point gets `resync` first (reload your "
        "lists). After `account.signed_out` (these credentials ended) or `replaced` (more than "
        "`LIVE_STREAMS_PER_USER` streams open) the stream closes: do not reconnect. "
        f"The events and their fields:\n\n{events}\n\nFull reference: docs/LIVE.md."
    )


def add_chat_endpoints(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document POST /api/{user_id}/chat/stream and
    POST /api/{user_id}/chat, which are not DRF views."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_chat_components())
    paths = result.setdefault("paths", {})
    # The same credentials as the DRF endpoints under /api/{user_id}/.
    security = next(
        (
            operation["security"]
            for path, operations in paths.items()
            if path.startswith("/api/{user_id}/")
            for operation in operations.values()
            if "security" in operation
        ),
        [],
    )
    paths["/api/{user_id}/chat/stream"] = _chat_operation(
        operation_id="chat_stream",
        summary="Chat, streaming the reply (Server-Sent Events)",
        description=_stream_description(),
        ok={
            "description": "The event stream; errors after it starts arrive as an `error` event.",
            "content": {
                "text/event-stream": {"schema": {"type": "string"}, "example": _stream_example()}
            },
        },
        error_codes=(400, 401, 403, 404, 409, 415, 429, 503),
        security=security,
    )
    paths["/api/{user_id}/chat/stream-tools"] = _chat_operation(
        operation_id="chat_stream_tools",
        summary="Chat, streaming the reply: the reference design's path for /chat/stream",
        description="Exactly `POST /api/{user_id}/chat/stream`, under the path the reference "
        "clients use.",
        ok=paths["/api/{user_id}/chat/stream"]["post"]["responses"]["200"],
        error_codes=(400, 401, 403, 404, 409, 415, 429, 503),
        security=security,
    )
    paths["/api/{user_id}/chat"] = _chat_operation(
        operation_id="chat",
        summary="Chat, returning the whole reply at once",
        description="Send a message; the response arrives when the assistant has finished.",
        ok={
            "description": "The stored reply and the tools it called.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatReply"}}},
        },
        error_codes=(400, 401, 403, 404, 409, 415, 429, 502, 503, 504),
        security=security,
    )
    paths["/api/{user_id}/chat/runs/{run_id}/events"] = _chat_operation(
        operation_id="chat_run_events",
        summary="Follow a run: replay its events after a seq, then live until it ends",
        description="An EventSource-compatible stream of the run's events, exactly once and in "
        "order: those after `Last-Event-ID` (or `?after=`; neither: from seq 0), then live "
        "ones until the terminal `done` or `error`. Readable from any worker for "
        "`CHAT_RUN_EVENTS_TTL_S` after the run ends.",
        ok={
            "description": "The event stream (`id: <seq>` and `data: <json>` frames).",
            "content": {
                "text/event-stream": {"schema": {"type": "string"}, "example": _stream_example()}
            },
        },
        error_codes=(400, 401, 403, 404),
        security=security,
        method="get",
        parameters=(RUN_ID_PARAMETER, *RESUME_PARAMETERS),
        with_body=False,
    )
    paths["/api/{user_id}/chat/runs/{run_id}/cancel"] = _chat_operation(
        operation_id="chat_run_cancel",
        summary="Cancel a run, whichever worker executes it",
        description="The run stops promptly; its partial reply is saved with status "
        '`cancelled` and every listener gets `done` {status: "cancelled"}.',
        ok={
            "description": "Cancel requested.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunCancel"}}},
        },
        error_codes=(401, 403, 404),
        security=security,
        ok_status="202",
        parameters=(RUN_ID_PARAMETER,),
        with_body=False,
    )
    paths["/api/{user_id}/events"] = _chat_operation(
        operation_id="live_events",
        summary="Follow every change to your data, live (Server-Sent Events)",
        description=_live_description(),
        ok={
            "description": "The event stream (`id: <event id>` and `data: <json>` frames).",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        error_codes=(400, 401, 403),
        security=security,
        method="get",
        parameters=LIVE_RESUME_PARAMETERS,
        with_body=False,
    )
    paths["/api/{user_id}/events"]["get"]["tags"] = ["live"]
    result["paths"] = dict(sorted(paths.items()))
    return result


def drop_slashless_aliases(endpoints: list[tuple]) -> list[tuple]:
    """Preprocessing hook: document each API route once, in its canonical trailing-slash form
    (config.routing.optional_slash also serves it without the slash); a route served only
    without the slash is documented as it is."""
    slashed = {endpoint[0] for endpoint in endpoints if endpoint[0].endswith("/")}
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].endswith("/") or f"{endpoint[0]}/" not in slashed
    ]


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (`?script`), so the page works
    under a Content-Security-Policy without inline scripts.

    OPTIONS is answered as Django's plain views do: DRF would render its metadata through the
    page's HTML template renderer, which has no template for it (500 TemplateDoesNotExist).
    """

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response[CSP_HEADER] = API_DOCS_CONTENT_SECURITY_POLICY
        return response

    def options(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return View.options(self, request, *args, **kwargs)
