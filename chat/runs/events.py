"""The run event protocol: one definition for every producer and consumer.

A run emits `start`, then any of `thinking`, `text`, `tool_call`, `tool_result`, then exactly one
terminal `done` or `error`. Every event carries `type` and `seq` (0, 1, 2, ... within the run).
On the wire (SSE) each event is one frame: `data: <JSON on one line>\\n\\n` on the chat stream,
with an `id: <seq>\\n` line first on the resume endpoint.
"""

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    START = "start"
    THINKING = "thinking"
    TEXT = "text"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    DONE = "done"
    ERROR = "error"


# The fields each event type carries besides `type` and `seq`.
EVENT_FIELDS: dict[EventType, tuple[str, ...]] = {
    EventType.START: ("conversation_id", "run_id", "user_message_id"),
    EventType.THINKING: (),
    EventType.TEXT: ("content",),
    EventType.TOOL_CALL: ("call_id", "name", "arguments"),
    EventType.TOOL_RESULT: ("call_id", "name", "output"),
    EventType.DONE: ("message_id", "status"),
    EventType.ERROR: ("code", "message"),
}
_FIELD_SETS = {event_type: frozenset(fields) for event_type, fields in EVENT_FIELDS.items()}
TERMINAL_TYPES = frozenset({EventType.DONE, EventType.ERROR})

SSE_KEEPALIVE = b": keepalive\n\n"
# The `error` message of a run that ended without finishing (stopped by the server, or its
# process died).
INTERRUPTED_MESSAGE = "The reply was interrupted. Please try again."

# Built once: json.dumps with options builds a new encoder on every call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# What json.dumps(ensure_ascii=False) writes for one string (the C encoder when available).
_encode_string = json.encoder.encode_basestring


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One event. Its JSON and its SSE frame are encoded once, when first asked for, and
    shared by every listener and the broker (an event never changes once made)."""

    type: EventType
    seq: int
    data: dict[str, Any]
    _json: str | None = field(default=None, init=False, repr=False, compare=False)
    _frame: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def is_terminal(self) -> bool:
        return self.type in TERMINAL_TYPES

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type.value, "seq": self.seq, **self.data}

    def to_json(self) -> str:
        if self._json is None:
            if self.type is EventType.TEXT:  # nearly every event: no dict, one C call
                content = _encode_string(self.data["content"])
                text = f'{{"type":"text","seq":{self.seq},"content":{content}}}'
            else:
                text = _encode(self.as_dict())
            object.__setattr__(self, "_json", text)
        return self._json

    def to_sse(self, *, with_id: bool = True) -> bytes:
        """One SSE frame: `id: <seq>` (what EventSource sends back as Last-Event-ID) and one
        `data:` line — JSON never contains a raw newline. Without the id, the frame starts
        with `data: `, which clients that split on blank lines look for (the POST stream)."""
        if self._frame is None:
            # "replace": a lone surrogate from a model must not break the stream.
            frame = f"data: {self.to_json()}\n\n".encode(errors="replace")
            object.__setattr__(self, "_frame", frame)
        return b"id: %d\n%s" % (self.seq, self._frame) if with_id else self._frame


def event_from_json(raw: str | bytes) -> RunEvent:
    """The inverse of `RunEvent.to_json`, for events that crossed a process boundary."""
    data = json.loads(raw)
    return RunEvent(type=EventType(data.pop("type")), seq=data.pop("seq"), data=data)


def event_from_frame(frame: bytes) -> RunEvent:
    """The inverse of `RunEvent.to_sse(with_id=False)`."""
    return event_from_json(frame[len(b"data: ") : -len(b"\n\n")])


class EventSequence:
    """Numbers a run's events and checks each carries exactly its type's fields."""

    def __init__(self) -> None:
        self._next_seq = 0

    def make(self, event_type: EventType, **data: Any) -> RunEvent:
        if data.keys() != _FIELD_SETS[event_type]:
            raise ValueError(f"{event_type} takes {EVENT_FIELDS[event_type]}, got {tuple(data)}")
        event = RunEvent(type=event_type, seq=self._next_seq, data=data)
        self._next_seq += 1
        return event
