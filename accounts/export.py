"""Everything the product stores about one person, as one JSON document written piece by
piece (a task or a conversation with all its messages per piece), so a large account is never
in memory. It knows nothing of HTTP: the API streams it as a download.
"""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from accounts.addresses import email_verified
from accounts.preferences import preferences_as_dict
from chat.export import conversation_as_owner_sees_it, conversations_for_export, json_document
from chat.models import Conversation
from todos.apis import TaskOutputSerializer
from todos.list_apis import TaskListOutputSerializer
from todos.lists import list_list
from todos.models import Task, TaskChange

CHUNK_SIZE = 500
INDENT = 2  # the file is for people to read


def profile_as_dict(user: AbstractBaseUser) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "email_verified": email_verified(user),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "preferences": preferences_as_dict(user),
    }


def _tasks(user: AbstractBaseUser) -> Iterator[dict[str, Any]]:
    tasks = Task.objects.filter(owner=user).order_by("created_at", "id")
    tasks = tasks.prefetch_related("reminders")  # a query per chunk, not per task
    for task in tasks.iterator(chunk_size=CHUNK_SIZE):
        yield TaskOutputSerializer(task).data


def _lists(user: AbstractBaseUser) -> Iterator[dict[str, Any]]:
    for task_list in list_list(owner=user).iterator(chunk_size=CHUNK_SIZE):
        yield TaskListOutputSerializer(task_list).data


def _task_changes(user: AbstractBaseUser) -> Iterator[dict[str, Any]]:
    changes = TaskChange.objects.filter(owner=user).select_related("undone_by")
    for change in changes.order_by("created_at", "id").iterator(chunk_size=CHUNK_SIZE):
        yield {
            "call_id": change.call_id,
            "kind": change.kind,
            "task_id": change.task_id,
            "before": change.before,
            "after": change.after,
            "created_at": change.created_at,
            "undone_at": change.undone_at,
            "undone_by": change.undone_by.get_username() if change.undone_by else None,
        }


def account_export(*, user: AbstractBaseUser) -> Iterator[str]:
    """{"exported_at", "user", "lists", "tasks", "task_changes", "conversations"}, indented:
    the lists (tasks name theirs by id), the task changes the assistant's tool calls made (what
    undo takes back), and the conversations, each with every message, tool call, usage figure
    and status, and whether it was flagged (not by whom nor why: see
    chat.export.conversation_as_owner_sees_it)."""
    conversations = Conversation.objects.filter(owner=user)
    return json_document(
        {
            "exported_at": timezone.now(),
            "user": profile_as_dict(user),
            "lists": _lists(user),
            "tasks": _tasks(user),
            "task_changes": _task_changes(user),
            "conversations": map(
                conversation_as_owner_sees_it, conversations_for_export(conversations)
            ),
        },
        indent=INDENT,
    )


def export_filename(user: AbstractBaseUser) -> str:
    return f"taskstream-{user.get_username()}-{timezone.now():%Y%m%d-%H%M%S}.json"
