"""The live event protocol: what `GET /api/<user_id>/events` sends, one definition for the
publisher, the stream, the tests and docs/LIVE.md.

Each event is one SSE frame, `id: <event id>\\ndata: <JSON on one line>\\n\\n`; the JSON has
`type` and that type's fields. An event id is `<milliseconds>-<n>` (a Redis stream id): ids
grow in publication order, and a client resumes after the last one it saw.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class LiveEventType(StrEnum):
    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_DELETED = "task.deleted"
    TASKS_BULK = "tasks.bulk"
    LIST_CREATED = "list.created"
    LIST_UPDATED = "list.updated"
    LIST_DELETED = "list.deleted"
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_UPDATED = "conversation.updated"
    CONVERSATION_DELETED = "conversation.deleted"
    MESSAGE_CREATED = "message.created"
    RUN_STARTED = "run.started"
    RUN_FINISHED = "run.finished"
    ACCOUNT_SIGNED_OUT = "account.signed_out"
    REMINDER = "reminder"
    RESYNC = "resync"
    REPLACED = "replaced"


# The fields each event type carries besides `type`.
EVENT_FIELDS: dict[LiveEventType, tuple[str, ...]] = {
    LiveEventType.TASK_CREATED: ("task",),
    LiveEventType.TASK_UPDATED: ("task",),
    LiveEventType.TASK_DELETED: ("task_id",),
    LiveEventType.TASKS_BULK: ("task_ids", "change"),
    LiveEventType.LIST_CREATED: ("list",),
    LiveEventType.LIST_UPDATED: ("list",),
    LiveEventType.LIST_DELETED: ("list_id",),
    LiveEventType.CONVERSATION_CREATED: ("conversation",),
    LiveEventType.CONVERSATION_UPDATED: ("conversation",),
    LiveEventType.CONVERSATION_DELETED: ("conversation_id",),
    LiveEventType.MESSAGE_CREATED: ("conversation_id", "message"),
    LiveEventType.RUN_STARTED: ("conversation_id", "run_id", "message_id", "status"),
    LiveEventType.RUN_FINISHED: ("conversation_id", "run_id", "message_id", "status"),
    LiveEventType.ACCOUNT_SIGNED_OUT: ("reason",),
    LiveEventType.REMINDER: ("reminder",),
    LiveEventType.RESYNC: (),
    LiveEventType.REPLACED: (),
}
# After these the stream closes (the client should not reconnect).
CLOSING_TYPES = frozenset({LiveEventType.ACCOUNT_SIGNED_OUT, LiveEventType.REPLACED})

EVENT_ID = re.compile(r"(\d{1,20})-(\d{1,20})", re.ASCII)
SSE_KEEPALIVE = b": keepalive\n\n"
RETRY_MS = 1000  # how soon EventSource reconnects after a dropped stream


def parse_event_id(raw: str) -> tuple[int, int] | None:
    """`<ms>-<n>` as a comparable pair, or None for anything else."""
    match = EVENT_ID.fullmatch(raw)
    return (int(match[1]), int(match[2])) if match else None


def format_event_id(event_id: tuple[int, int]) -> str:
    return f"{event_id[0]}-{event_id[1]}"


@dataclass(frozen=True, slots=True)
class Audience:
    """Which of the user's streams an event reaches; the default, all of them.

    `stream`: only that one (a `replaced` event). For `account.signed_out`: `tokens` (every
    stream opened with a Bearer token), `sessions` (every one opened with a web session but
    the one whose key hashes to `except_session`), or only `session`.
    """

    stream: str = ""
    tokens: bool = False
    sessions: bool = False
    except_session: str = ""
    session: str = ""

    @property
    def everyone(self) -> bool:
        return self == EVERYONE

    def reaches(self, *, stream: str, session: str) -> bool:
        """Does an event for this audience reach the stream `stream`, opened with the session
        whose key hashes to `session` ("" for a Bearer token)?"""
        if self.everyone:
            return True
        if self.stream:
            return self.stream == stream
        if not session:
            return self.tokens
        if self.session:
            return self.session == session
        return self.sessions and session != self.except_session

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__ if getattr(self, name)}


EVERYONE = Audience()


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """An event as published: its type, its JSON (what clients see) and its audience."""

    type: LiveEventType
    json: str
    audience: Audience = EVERYONE

    @classmethod
    def make(cls, event_type: LiveEventType, audience: Audience = EVERYONE, **data: Any):
        if tuple(sorted(data)) != tuple(sorted(EVENT_FIELDS[event_type])):
            raise ValueError(f"{event_type} takes {EVENT_FIELDS[event_type]}, got {tuple(data)}")
        body = {"type": event_type.value, **data}
        return cls(
            event_type, json.dumps(body, ensure_ascii=False, separators=(",", ":")), audience
        )

    def to_record(self) -> bytes:
        """How the event is stored (the transport's bytes)."""
        record = {"t": self.type.value, "e": self.json}
        if not self.audience.everyone:
            record["a"] = self.audience.as_dict()
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode(
            errors="replace"
        )

    @classmethod
    def from_record(cls, raw: bytes) -> "LiveEvent":
        record = json.loads(raw)
        return cls(LiveEventType(record["t"]), record["e"], Audience(**record.get("a", {})))

    @property
    def closes_stream(self) -> bool:
        return self.type in CLOSING_TYPES

    def to_sse(self, event_id: str) -> bytes:
        # "replace": a lone surrogate in a title must not break the stream.
        return f"id: {event_id}\ndata: {self.json}\n\n".encode(errors="replace")


@dataclass(frozen=True, slots=True)
class LiveEntry:
    """A published event and its id."""

    id: tuple[int, int]
    event: LiveEvent

    def to_sse(self) -> bytes:
        return self.event.to_sse(format_event_id(self.id))


def session_fingerprint(session_key: str) -> str:
    """What an event's audience says of a web session: a digest, never the key."""
    return hashlib.sha256(f"live-session:{session_key}".encode()).hexdigest()[:32]
