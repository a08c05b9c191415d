"""A real, local, OpenAI-compatible HTTP server for tests.

Tests must never reach the internet, and the only thing we fake is the model's
HTTP API.  ``FakeOpenAI`` is a genuine HTTP/1.1 server (standard library only,
``ThreadingHTTPServer`` in a daemon thread on ``127.0.0.1``, random port) that
speaks the real wire formats of

* ``POST /v1/responses``         (Responses API, SSE ``event:``/``data:`` frames)
* ``POST /v1/chat/completions``  (Chat Completions, ``data:`` chunks + ``[DONE]``)

so the real ``openai`` client and the real openai-agents models
(``OpenAIResponsesModel`` / ``OpenAIChatCompletionsModel``) run end to end
against it.  Both ``stream: true`` and ``stream: false`` are supported.

Scripted behaviour (deterministic, identical on both APIs), decided from the
*last* conversation item of the request:

* user message starting with ``"add "`` -> ONE function call to ``add_task``
  with arguments ``{"title": "<rest of the text>"}``; the arguments JSON string
  is streamed in several (>= 3) deltas;
* a tool / function-call output -> ``Added "<title>" to your list.`` when the
  output is JSON shaped like ``{"task": {"title": ...}}``, otherwise
  ``Done: <output>``;
* anything else -> ``You said: <last user text>``.

Text is streamed word by word.  Usage (``fake.usage``, default ``(42, 17)``) is
reported in ``response.completed`` (Responses) and, for streamed Chat
Completions, in a final chunk with empty ``choices`` ONLY when the request
asked for it with ``stream_options: {"include_usage": true}`` -- exactly like
real compatible servers.

Failure injection: set ``fake.failure`` to one of :data:`FAILURES`.  A wrong
``Authorization: Bearer`` value always yields the 401 ``invalid_api_key``
error.

Usage::

    with FakeOpenAI() as fake:
        client = openai.AsyncOpenAI(
            api_key=fake.api_key, base_url=fake.base_url, max_retries=0
        )
        ...
        assert fake.requests[-1].body["stream_options"] == {"include_usage": True}
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "DEFAULT_API_KEY",
    "FAILURES",
    "FakeOpenAI",
    "RecordedRequest",
    "closed_port_base_url",
]

DEFAULT_API_KEY = "sk-test-fake-key-1234567890"
DEFAULT_MODEL = "gpt-fake"

#: Accepted values for :attr:`FakeOpenAI.failure`.
FAILURES = frozenset(
    {"auth", "rate_limit", "server_error", "timeout", "malformed", "bad_request", "garbage"}
)

RESPONSES_PATH = "/v1/responses"
CHAT_COMPLETIONS_PATH = "/v1/chat/completions"

# Error bodies modelled on what api.openai.com actually returns.
_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "auth": (
        401,
        {
            "message": "Incorrect API key provided. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        },
    ),
    "rate_limit": (
        429,
        {
            "message": "Rate limit reached for requests. Please try again in 0s.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        },
    ),
    "server_error": (
        500,
        {
            "message": "The server had an error while processing your request. Sorry about that!",
            "type": "server_error",
            "param": None,
            "code": None,
        },
    ),
    "bad_request": (
        400,
        {
            "message": "Invalid request: the fake server was told to reject it.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        },
    ),
    "not_found": (
        404,
        {
            "message": "Invalid URL",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        },
    ),
    "invalid_json": (
        400,
        {
            "message": "We could not parse the JSON body of your request.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        },
    ),
}

# A 200 body that is neither valid SSE events nor valid JSON: a stray
# non-field line, then a `data:` line whose payload is broken JSON.
_MALFORMED_BODY = b'this is not server-sent events\ndata: {"id": "broken", oops not json\n\n'
# A 200 body with no SSE field lines and no JSON at all (e.g. a proxy's HTML page).
_GARBAGE_BODY = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"


@dataclass
class RecordedRequest:
    """One request the fake received (recorded before any failure injection)."""

    method: str
    path: str
    headers: dict[str, str]  # header names lower-cased
    body: Any  # parsed JSON body, or None when it was not JSON
    raw_body: bytes = field(repr=False, default=b"")

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and self.body.get("stream") is True


@dataclass(frozen=True)
class _Plan:
    """What the scripted 'model' answers: either text or one function call."""

    text: str | None = None
    tool_name: str | None = None
    tool_arguments: str | None = None

    @property
    def is_tool_call(self) -> bool:
        return self.tool_name is not None


# --------------------------------------------------------------------------- #
# The scripted "model"
# --------------------------------------------------------------------------- #


def _content_text(content: Any) -> str:
    """Flatten a message/tool-output content (string or list of parts) to text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    return json.dumps(content)


def _conversation(api: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """Normalise either API's conversation to ``[(kind, text), ...]``.

    kind is ``"user"``, ``"tool"`` (a tool/function output) or ``"other"``.
    """
    turns: list[tuple[str, str]] = []
    if api == "responses":
        items = body.get("input")
        if isinstance(items, str):
            return [("user", items)]
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            item_type = item.get("type")
            if item_type == "function_call_output":
                turns.append(("tool", _content_text(item.get("output"))))
            elif item.get("role") == "user" and item_type in (None, "message"):
                turns.append(("user", _content_text(item.get("content"))))
            else:
                turns.append(("other", ""))
    else:
        messages = body.get("messages")
        for message in messages if isinstance(messages, list) else []:
            if not isinstance(message, dict):
                continue
            role = message.get("role")
            if role == "tool":
                turns.append(("tool", _content_text(message.get("content"))))
            elif role == "user":
                turns.append(("user", _content_text(message.get("content"))))
            else:
                turns.append(("other", ""))
    return turns


def _plan_reply(api: str, body: dict[str, Any]) -> _Plan:
    turns = _conversation(api, body)
    kind, text = turns[-1] if turns else ("other", "")

    if kind == "user" and text.lstrip().lower().startswith("add "):
        title = text.strip()[4:].strip()
        return _Plan(tool_name="add_task", tool_arguments=json.dumps({"title": title}))

    if kind == "tool":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        task = data.get("task") if isinstance(data, dict) else None
        title = task.get("title") if isinstance(task, dict) else None
        if isinstance(title, str):
            return _Plan(text=f'Added "{title}" to your list.')
        return _Plan(text=f"Done: {text}")

    last_user = next((t for k, t in reversed(turns) if k == "user"), "")
    return _Plan(text=f"You said: {last_user}")


def _word_pieces(text: str) -> list[str]:
    """Split text into word-by-word deltas that concatenate back to ``text``."""
    pieces = re.findall(r"\s*\S+\s*", text)
    if "".join(pieces) != text:  # whitespace-only / empty text
        return [text]
    return pieces


def _arg_pieces(arguments: str, count: int = 4) -> list[str]:
    """Split a JSON arguments string into ``count``-ish pieces (>= 3 if possible)."""
    size = max(1, -(-len(arguments) // count))
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]


# --------------------------------------------------------------------------- #
# HTTP plumbing
# --------------------------------------------------------------------------- #


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (timeouts, closed streams, pool teardown) are normal here.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive + chunked streaming, like the real API
    server_version = "FakeOpenAI/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections are dropped after this
    frames_written = 0
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self.server.fake._handle(self)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            # The client went away (e.g. it timed out or stopped reading the stream).
            self.close_connection = True

    # -- response helpers used by FakeOpenAI ---------------------------------

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _common_headers(self) -> None:
        self.send_header("x-request-id", self.server.fake._next_id("req_"))
        self.send_header("openai-processing-ms", "1")

    def send_json(
        self, status: int, payload: Any, extra_headers: dict[str, str] | None = None
    ) -> None:
        body = json.dumps(payload).encode()
        self.send_raw(status, body, "application/json", extra_headers)

    def send_raw(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._common_headers()
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def start_sse(self) -> None:
        self.frames_written = 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers()
        self.end_headers()
        self.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        """Write one HTTP chunk and flush it so the client sees it immediately."""
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _sse_event(event_type: str, payload: dict[str, Any]) -> bytes:
    return f"event: {event_type}\ndata: {json.dumps(payload)}\n\n".encode()


def _sse_data(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


class FakeOpenAI:
    """A real local HTTP server speaking OpenAI's Responses + Chat Completions wire formats.

    Attributes a test may read or set:

    * ``base_url`` -- e.g. ``"http://127.0.0.1:54321/v1"`` (after :meth:`start`)
    * ``api_key`` -- the only bearer token accepted
    * ``requests`` -- every :class:`RecordedRequest` received, in order
    * ``failure`` -- ``None`` or one of :data:`FAILURES` (applies to every
      subsequent request until reset to ``None``)
    * ``usage`` -- ``(input_tokens, output_tokens)`` reported
    * ``timeout_delay`` -- seconds the ``"timeout"`` failure waits before answering
    * ``after_first_frame`` -- ``None``, or a :class:`threading.Event` every stream waits
      for after its first frame (until :meth:`stop`); lets a test read that frame while the
      rest are held back, so it knows the frame was flushed on its own
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        usage: tuple[int, int] = (42, 17),
        timeout_delay: float = 5.0,
    ) -> None:
        self.api_key = api_key
        self.usage = usage
        self.timeout_delay = timeout_delay
        self.after_first_frame: threading.Event | None = None
        self.requests: list[RecordedRequest] = []
        self._failure: str | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeOpenAI",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping for the "timeout" failure
        server.shutdown()
        with server.connections_lock:
            connections = list(server.connections)
        for conn in connections:  # unblock keep-alive handlers waiting for a request
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- configuration / inspection -------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def failure(self) -> str | None:
        return self._failure

    @failure.setter
    def failure(self, value: str | None) -> None:
        if value is not None and value not in FAILURES:
            raise ValueError(f"unknown failure {value!r}; expected one of {sorted(FAILURES)}")
        self._failure = value

    def reset(self) -> None:
        """Forget recorded requests and clear any injected failure."""
        with self._lock:
            self.requests.clear()
        self._failure = None

    @property
    def last_request(self) -> RecordedRequest:
        if not self.requests:
            raise AssertionError("FakeOpenAI received no requests")
        return self.requests[-1]

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Requests whose path (without query string) equals ``path``."""
        return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    # -- request handling -------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            number = next(self._ids)
        return f"{prefix}fake{number:020d}"

    def _handle(self, handler: _Handler) -> None:
        raw = handler.read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        recorded = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            raw_body=raw,
        )
        with self._lock:
            self.requests.append(recorded)

        path = handler.path.split("?", 1)[0]
        if handler.command != "POST" or path not in (RESPONSES_PATH, CHAT_COMPLETIONS_PATH):
            self._send_error(handler, "not_found")
            return
        api = "responses" if path == RESPONSES_PATH else "chat"

        failure = self._failure
        if failure == "auth" or recorded.authorization != f"Bearer {self.api_key}":
            self._send_error(handler, "auth")
            return
        if failure == "rate_limit":
            self._send_error(handler, "rate_limit", {"retry-after": "0", "retry-after-ms": "0"})
            return
        if failure in ("server_error", "bad_request"):
            self._send_error(handler, failure)
            return
        if not isinstance(body, dict):
            self._send_error(handler, "invalid_json")
            return
        if failure in ("malformed", "garbage"):
            junk = _MALFORMED_BODY if failure == "malformed" else _GARBAGE_BODY
            if body.get("stream") is True:
                handler.start_sse()
                handler.write_chunk(junk)
                handler.end_chunks()
            else:
                handler.send_raw(200, junk, "application/json")
            return
        if failure == "timeout":
            # Longer than the client's timeout; stop() wakes us up early.
            self._stopping.wait(self.timeout_delay)
            handler.close_connection = True

        plan = _plan_reply(api, body)
        if api == "responses":
            self._answer_responses(handler, body, plan)
        else:
            self._answer_chat(handler, body, plan)

    def _write_frame(self, handler: _Handler, frame: bytes) -> None:
        """Write one SSE frame as its own flushed HTTP chunk (held after the first while
        ``after_first_frame`` is unset)."""
        gate = self.after_first_frame
        if handler.frames_written == 1 and gate is not None:
            while not gate.wait(0.05) and not self._stopping.is_set():
                pass
        handler.write_chunk(frame)
        handler.frames_written += 1

    def _send_error(
        self, handler: _Handler, kind: str, extra_headers: dict[str, str] | None = None
    ) -> None:
        status, error = _ERRORS[kind]
        handler.send_json(status, {"error": error}, extra_headers)

    # -- Responses API ------------------------------------------------------------

    def _responses_usage(self) -> dict[str, Any]:
        input_tokens, output_tokens = self.usage
        return {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }

    @staticmethod
    def _response_object(
        body: dict[str, Any],
        response_id: str,
        created_at: int,
        *,
        status: str,
        output: list[dict[str, Any]],
        usage: dict[str, Any] | None,
    ) -> dict[str, Any]:
        tool_choice = body.get("tool_choice", "auto")
        return {
            "id": response_id,
            "object": "response",
            "created_at": created_at,
            "status": status,
            "background": False,
            "completed_at": int(time.time()) if status == "completed" else None,
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": None,
            "model": body.get("model") or DEFAULT_MODEL,
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": body.get("reasoning") or {"effort": None, "summary": None},
            "service_tier": "default",
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": body.get("text") or {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": tool_choice if tool_choice is not None else "auto",
            "tools": body.get("tools") or [],
            "top_logprobs": 0,
            "top_p": body.get("top_p", 1.0),
            "truncation": body.get("truncation") or "disabled",
            "usage": usage,
            "user": None,
            "metadata": body.get("metadata") or {},
        }

    def _responses_output_item(self, plan: _Plan) -> dict[str, Any]:
        if plan.is_tool_call:
            return {
                "id": self._next_id("fc_"),
                "type": "function_call",
                "status": "completed",
                "arguments": plan.tool_arguments,
                "call_id": self._next_id("call_"),
                "name": plan.tool_name,
            }
        return {
            "id": self._next_id("msg_"),
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [
                {"type": "output_text", "text": plan.text, "annotations": [], "logprobs": []}
            ],
        }

    def _answer_responses(self, handler: _Handler, body: dict[str, Any], plan: _Plan) -> None:
        response_id = self._next_id("resp_")
        created_at = int(time.time())
        item = self._responses_output_item(plan)

        if body.get("stream") is not True:
            handler.send_json(
                200,
                self._response_object(
                    body,
                    response_id,
                    created_at,
                    status="completed",
                    output=[item],
                    usage=self._responses_usage(),
                ),
            )
            return

        sequence = itertools.count()

        def emit(event_type: str, **payload: Any) -> None:
            payload = {"type": event_type, "sequence_number": next(sequence), **payload}
            self._write_frame(handler, _sse_event(event_type, payload))

        in_progress = self._response_object(
            body, response_id, created_at, status="in_progress", output=[], usage=None
        )
        handler.start_sse()
        emit("response.created", response=in_progress)
        emit("response.in_progress", response=in_progress)

        item_id = item["id"]
        if plan.is_tool_call:
            emit(
                "response.output_item.added",
                output_index=0,
                item={**item, "status": "in_progress", "arguments": ""},
            )
            for piece in _arg_pieces(item["arguments"]):
                emit(
                    "response.function_call_arguments.delta",
                    item_id=item_id,
                    output_index=0,
                    delta=piece,
                )
            emit(
                "response.function_call_arguments.done",
                item_id=item_id,
                output_index=0,
                name=item["name"],
                arguments=item["arguments"],
            )
        else:
            text = item["content"][0]["text"]
            empty_part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            emit(
                "response.output_item.added",
                output_index=0,
                item={**item, "status": "in_progress", "content": []},
            )
            emit(
                "response.content_part.added",
                item_id=item_id,
                output_index=0,
                content_index=0,
                part=empty_part,
            )
            for piece in _word_pieces(text):
                emit(
                    "response.output_text.delta",
                    item_id=item_id,
                    output_index=0,
                    content_index=0,
                    delta=piece,
                    logprobs=[],
                )
            emit(
                "response.output_text.done",
                item_id=item_id,
                output_index=0,
                content_index=0,
                text=text,
                logprobs=[],
            )
            emit(
                "response.content_part.done",
                item_id=item_id,
                output_index=0,
                content_index=0,
                part=item["content"][0],
            )
        emit("response.output_item.done", output_index=0, item=item)
        emit(
            "response.completed",
            response=self._response_object(
                body,
                response_id,
                created_at,
                status="completed",
                output=[item],
                usage=self._responses_usage(),
            ),
        )
        handler.end_chunks()

    # -- Chat Completions API -------------------------------------------------------

    def _chat_usage(self) -> dict[str, Any]:
        prompt_tokens, completion_tokens = self.usage
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def _answer_chat(self, handler: _Handler, body: dict[str, Any], plan: _Plan) -> None:
        completion_id = self._next_id("chatcmpl-")
        base = {
            "id": completion_id,
            "created": int(time.time()),
            "model": body.get("model") or DEFAULT_MODEL,
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
        call_id = self._next_id("call_") if plan.is_tool_call else None
        finish_reason = "tool_calls" if plan.is_tool_call else "stop"

        if body.get("stream") is not True:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": plan.text,
                "refusal": None,
                "annotations": [],
            }
            if plan.is_tool_call:
                message["tool_calls"] = [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": plan.tool_name, "arguments": plan.tool_arguments},
                    }
                ]
            handler.send_json(
                200,
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "logprobs": None,
                            "finish_reason": finish_reason,
                        }
                    ],
                    "usage": self._chat_usage(),
                },
            )
            return

        stream_options = body.get("stream_options")
        include_usage = isinstance(stream_options, dict) and stream_options.get("include_usage")
        chunk_base: dict[str, Any] = {**base, "object": "chat.completion.chunk"}
        if include_usage:
            chunk_base["usage"] = None  # real servers send null usage on content chunks

        def emit(delta: dict[str, Any], finish: str | None = None) -> None:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            self._write_frame(handler, _sse_data({**chunk_base, "choices": [choice]}))

        handler.start_sse()
        if plan.is_tool_call:
            first_call = {
                "index": 0,
                "id": call_id,
                "type": "function",
                "function": {"name": plan.tool_name, "arguments": ""},
            }
            emit(
                {"role": "assistant", "content": None, "tool_calls": [first_call], "refusal": None}
            )
            for piece in _arg_pieces(plan.tool_arguments or ""):
                emit({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        else:
            emit({"role": "assistant", "content": "", "refusal": None})
            for piece in _word_pieces(plan.text or ""):
                emit({"content": piece})
        emit({}, finish_reason)
        if include_usage:
            self._write_frame(
                handler, _sse_data({**chunk_base, "choices": [], "usage": self._chat_usage()})
            )
        self._write_frame(handler, _sse_data("[DONE]"))
        handler.end_chunks()


def closed_port_base_url() -> str:
    """A base_url on 127.0.0.1 where nothing listens (gives "connection refused")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
