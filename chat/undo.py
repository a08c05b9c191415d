"""Undo of the assistant's tool calls: the user takes back what a call did to a task.

The change itself and the rules of reverting it live in todos.changes; this module finds a
call's recorded change for the user, refuses calls that changed nothing, and tells the
transcript (conversation API, admin, the model's history) which calls were undone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from chat.models import Message
from chat.tool_calls import shown_tool_calls
from todos.changes import ChangeNotFound, change_group_undo
from todos.models import Task, TaskChange

# Tools that only read: a call of one changed nothing.
READ_ONLY_TOOLS = frozenset({"list_tasks", "list_lists"})


class ToolCallNotFound(Exception):
    """No such call among the user's: unknown, or somebody else's."""


class NothingToUndo(Exception):
    """The call is the user's but changed no task (a read, a failed call)."""


@dataclass(frozen=True)
class ToolCallUndone:
    call_id: str
    undone_at: datetime
    undone_by: AbstractBaseUser
    task: Task | None  # None: the call had added the task, and it is gone again (or a bulk call)
    tasks: list[Task]  # every task the call had changed that is still there, as it now is


def _transcript_call(*, user: AbstractBaseUser, call_id: str) -> dict | None:
    """The user's stored tool call with this id, if any (only looked up when refusing)."""
    replies = Message.objects.filter(
        conversation__owner=user, role=Message.Role.ASSISTANT, tool_calls__icontains=call_id
    )
    for tool_calls in replies.values_list("tool_calls", flat=True):
        for call in shown_tool_calls(tool_calls):
            if call["call_id"] == call_id:
                return call
    return None


def tool_call_undo(*, user: AbstractBaseUser, call_id: str) -> ToolCallUndone:
    """Revert what the user's tool call `call_id` did (to one task or, for a bulk call, to
    several), atomically.

    Raises ToolCallNotFound, NothingToUndo, or todos.changes' ChangeAlreadyUndone and
    ChangeConflict (then nothing changed).
    """
    try:
        undone = change_group_undo(owner=user, change_id=call_id, user=user)
    except ChangeNotFound:
        call = _transcript_call(user=user, call_id=call_id)
        if call is None:
            raise ToolCallNotFound(call_id) from None
        if call.get("name") in READ_ONLY_TOOLS:
            raise NothingToUndo(
                f"{call['name']} only reads your tasks: there is nothing to undo."
            ) from None
        raise NothingToUndo("This call changed no task, so there is nothing to undo.") from None
    return ToolCallUndone(
        call_id=call_id,
        undone_at=undone.undone_at,
        undone_by=user,
        task=undone.tasks[0] if len(undone.tasks) == 1 else None,
        tasks=[task for task in undone.tasks if task is not None],
    )


def tool_call_changes(
    *, conversation_id: int, messages: Iterable[Message]
) -> dict[str, TaskChange]:
    """The recorded change of each tool call in `messages`, by call id, in one query."""
    call_ids = {
        call["call_id"] for message in messages for call in shown_tool_calls(message.tool_calls)
    }
    if not call_ids:
        return {}
    changes = (
        TaskChange.objects.filter(call_id__in=call_ids, owner__conversations=conversation_id)
        .select_related("undone_by")
        .order_by("id")
    )
    return {change.call_id: change for change in changes}  # the latest per call id
