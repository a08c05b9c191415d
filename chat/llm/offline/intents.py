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
BULK_UPDATE_TASKS = "bulk_update_tasks"
LIST_LISTS = "list_lists"
CREATE_LIST = "create_list"
RENAME_LIST = "rename_list"
DELETE_LIST = "delete_list"

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
    "bulk",
    "lists",
    "create_list",
    "rename_list",
    "delete_list",
]
ListStatus = Literal["all", "pending", "completed"]
TASK_KINDS = frozenset({"add", "list", "complete", "delete", "update", "bulk"})


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
    due_time: str | None = None  # "HH:MM", the user's wall clock
    recurrence: str | None = None  # an RRULE
    remind: bool = False  # a reminder at the due time ("remind me to ... at 5pm")


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
    new_due_time: str | None = None  # "HH:MM"
    new_recurrence: str | None = None  # an RRULE; "" stops repeating
    remind_before_minutes: int | None = None  # 0: at the due time
    # Lists, priorities, search (chat.llm.offline.lists): a list by name (where to add, what
    # to list, where to move); a priority (to add with, to list, to set); text to look for.
    list_name: str | None = None
    list_said: bool = False  # the user called it a list ("to my groceries list")
    priority: int | None = None
    search: str | None = None
    new_list_name: str | None = None
    delete_tasks: bool = False
    bulk_action: str | None = None  # a bulk_update_tasks action
    # An add's tasks as if no list were named: what "add talk to bob" adds without a list "bob".
    tasks_without_list: tuple[NewTask, ...] = ()


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
