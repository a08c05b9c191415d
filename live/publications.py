"""Every change the live stream carries, registered once (live.registry).

Tasks and conversations publish from their model signals; what the models cannot show (a
user message stored in bulk, a run starting or ending, credentials ending) is announced by
its service with `config.changes.changed`.
"""

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from chat.apis import MessageOutputSerializer
from chat.models import Conversation, Message
from config.representation import Representation
from live.events import Audience, LiveEventType, session_fingerprint
from live.registry import Publication, register, register_model
from todos.apis import TaskOutputSerializer
from todos.models import Reminder, Task, TaskList
from todos.reminders import format_utc

_datetime = serializers.DateTimeField()


@cache
def _describer(serializer_class: type[serializers.Serializer]) -> Representation:
    """What the output serializer describes an instance as, its fields built once and read
    without most of DRF's per-field calls (config/representation.py): a chat message at each
    turn's commit, a task at each change (docs/PERFORMANCE.md)."""
    return Representation(serializer_class)


def _task_fields(task: Task) -> dict[str, Any]:
    return _describer(TaskOutputSerializer)(task)


def conversation_fields(conversation: Conversation) -> dict[str, Any]:
    """The conversation's own fields as the API shows them (what the list needs to show it)."""
    return {
        "id": conversation.pk,
        "title": conversation.title,
        "created_at": _datetime.to_representation(conversation.created_at),
        "updated_at": _datetime.to_representation(conversation.updated_at),
    }


def list_fields(task_list: TaskList) -> dict[str, Any]:
    """The list's own fields as the lists API shows them (its task counts need a query: a
    client that shows them counts its tasks)."""
    return {
        "id": task_list.pk,
        "name": task_list.name,
        "position": task_list.position,
        "is_inbox": task_list.is_inbox,
        "created_at": _datetime.to_representation(task_list.created_at),
    }


def _bulk_fields(bulk: dict[str, Any]) -> dict[str, Any]:
    """`bulk`: `task_ids` and `change`, the columns the service set on all of them (model
    values), shown as the tasks API shows those fields."""
    fields = _describer(TaskOutputSerializer).fields
    change = {}
    for name, value in bulk["change"].items():
        if isinstance(value, TaskList):
            change[name] = value.pk
        else:
            change[name] = None if value is None else fields[name].to_representation(value)
    return {"task_ids": sorted(bulk["task_ids"]), "change": change}


def _message_created(message: Message) -> dict[str, Any]:
    return {
        "conversation_id": message.conversation_id,
        "message": _describer(MessageOutputSerializer)(message),
    }


def _run_fields(run: dict[str, Any]) -> dict[str, Any]:
    """`run`: conversation_id, run_id, message_id and status, as the service sends them."""
    return {**run, "run_id": str(run["run_id"])}


def reminder_fields(reminder: Reminder) -> dict[str, Any]:
    """A reminder whose moment came (reminders.delivery): what the page shows."""
    task = reminder.task
    return {
        "reminder": {
            "id": reminder.pk,
            "task_id": task.pk,
            "task_number": task.number,
            "title": task.title,
            "remind_at": format_utc(reminder.remind_at),
            "due_date": task.due_date.isoformat() if task.due_date else None,
            "due_time": task.due_time.strftime("%H:%M") if task.due_time else None,
            "late": reminder.late,
        }
    }


def _signed_out_audience(ending: dict[str, Any]) -> Audience:
    """`ending`: `session_key` (one web session ended), or every session but
    `keep_session_key` and every token."""
    if ending.get("session_key"):
        return Audience(session=session_fingerprint(ending["session_key"]))
    keep = ending.get("keep_session_key")
    return Audience(
        tokens=True, sessions=True, except_session=session_fingerprint(keep) if keep else ""
    )


def register_all() -> None:
    register_model(Task, name="task", describe=_task_fields)
    register(Task, "bulk", Publication(LiveEventType.TASKS_BULK, _bulk_fields))
    register_model(TaskList, name="list", describe=list_fields)
    register_model(Conversation, name="conversation", describe=conversation_fields)
    register(
        Message,
        "user_message_stored",
        Publication(LiveEventType.MESSAGE_CREATED, _message_created),
    )
    register(Reminder, "due", Publication(LiveEventType.REMINDER, reminder_fields))
    register(Message, "run_started", Publication(LiveEventType.RUN_STARTED, _run_fields))
    register(Message, "run_finished", Publication(LiveEventType.RUN_FINISHED, _run_fields))
    register(
        get_user_model(),
        "signed_out",
        Publication(
            LiveEventType.ACCOUNT_SIGNED_OUT,
            lambda ending: {"reason": ending["reason"]},
            audience=_signed_out_audience,
        ),
    )
