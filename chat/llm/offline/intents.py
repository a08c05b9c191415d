"""What one user message asks for (`Intent`), and what the model does next (`NextStep`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ADD_TASK = "add_task"
LIST_TASKS = "list_tasks"
COMPLETE_TASK = "complete_task"
DELETE_TASK = "delete_task"
UPDATE_TASK = "update_task"
UNDO_LAST_CHANGE = "undo_last_change"

IntentKind = Literal[
    "add",
    "list",
    "complete",
    "delete",
    "update",
    "undo",
    "greet",
    "thanks",
    "ack",
    "help",
    "unknown",
]
ListStatus = Literal["all", "pending", "completed"]
TASK_KINDS = frozenset({"add", "list", "complete", "delete", "update"})


@dataclass(frozen=True)
class TaskRef:
    """How the user pointed at an existing task."""

    task_id: int | None = None
    title: str | None = None
    pronoun: bool = False
    bulk: bool = False


@dataclass(frozen=True)
class NewTask:
    title: str
    description: str = ""
    due_date: str | None = None  # ISO


@dataclass(frozen=True)
class Intent:
    """What one user message asks for."""

    kind: IntentKind
    tasks: tuple[NewTask, ...] = ()
    status: ListStatus = "all"
    ref: TaskRef | None = None
    new_title: str | None = None
    new_description: str | None = None
    due: str | None = None  # a list_tasks `due` filter
    new_due_date: str | None = None  # ISO
    clear_due_date: bool = False


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class NextStep:
    """Either tool calls to make now, or the final reply text."""

    calls: tuple[ToolCall, ...] = ()
    text: str = ""

    @classmethod
    def reply(cls, text: str) -> NextStep:
        return cls(text=text)

    @classmethod
    def call(cls, *calls: ToolCall) -> NextStep:
        return cls(calls=tuple(calls))
