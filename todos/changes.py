"""Recorded task changes and taking them back: the rules of undo.

A snapshot holds every editable field of a task (all of its columns but the id, the owner and
`updated_at`), so a field added to Task later is recorded and restored without touching this
module. Undo refuses, rather than overwrites, a task that changed after the recorded change.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from todos.models import Task, TaskChange
from todos.services import task_delete

NOT_SNAPSHOTTED = frozenset({"id", "owner", "updated_at"})


class ChangeAlreadyUndone(Exception):
    pass


class ChangeConflict(Exception):
    """The task is no longer as the change left it: undoing would lose a later edit."""


class NoChangeToUndo(Exception):
    """Every change the assistant made to the user's tasks is undone already (or none was)."""


def snapshot_fields() -> list[Field]:
    return [field for field in Task._meta.concrete_fields if field.name not in NOT_SNAPSHOTTED]


def task_snapshot(task: Task) -> dict[str, Any]:
    """The task's editable fields as JSON values (dates and times in full ISO 8601)."""
    snapshot = {}
    for field in snapshot_fields():
        value = field.value_from_object(task)
        snapshot[field.name] = value.isoformat() if isinstance(value, date) else value
    return snapshot


def _apply_snapshot(task: Task, snapshot: dict[str, Any]) -> list[str]:
    """Set the task's fields from `snapshot`; the names of the fields it set."""
    names = []
    for field in snapshot_fields():
        if field.name in snapshot:
            setattr(task, field.attname, field.to_python(snapshot[field.name]))
            names.append(field.name)
    return names


class RecordedChange:
    """The change being made inside `recorded_change`; a block that creates a task sets `task`."""

    def __init__(self, task: Task | None) -> None:
        self.task = task
        self.task_id = task.pk if task is not None else None
        self.before = task_snapshot(task) if task is not None else None


@contextmanager
def recorded_change(
    *, owner: AbstractBaseUser, call_id: str, kind: str, task: Task | None = None
) -> Iterator[RecordedChange]:
    """Record what the block does to `task` (or to the task it creates) in one transaction
    with it; a block that raises records nothing."""
    with transaction.atomic():
        change = RecordedChange(task)
        yield change
        if change.task is None:
            raise ValueError("recorded_change: the block set no task")
        deleted = change.task.pk is None  # Django clears the pk of a deleted instance
        TaskChange.objects.create(
            owner=owner,
            call_id=call_id,
            kind=kind,
            task_id=change.task_id if change.task_id is not None else change.task.pk,
            before=change.before,
            after=None if deleted else task_snapshot(change.task),
        )


def _is_as_left(task: Task | None, after: dict[str, Any] | None) -> bool:
    """True when the task is exactly as the change left it (fields recorded since count)."""
    if after is None:
        return task is None
    if task is None:
        return False
    current = task_snapshot(task)
    return all(current.get(name) == value for name, value in after.items())


def _restore(change: TaskChange) -> Task:
    """Bring a deleted task back with its recorded fields, under its old id when it is free."""
    task = Task(owner_id=change.owner_id)
    fields = _apply_snapshot(task, change.before)
    if not Task.objects.filter(pk=change.task_id).exists():
        task.pk = change.task_id
    task.save(force_insert=True)
    if "created_at" in fields:  # auto_now_add replaced it on insert
        Task.objects.filter(pk=task.pk).update(created_at=change.before["created_at"])
        task.refresh_from_db(fields=["created_at"])
    return task


def change_undo(*, change: TaskChange, user: AbstractBaseUser) -> Task | None:
    """Revert a recorded change; the task as it now is (None when the change added it).

    Call inside a transaction holding `change` locked (select_for_update).
    """
    if change.undone_at is not None:
        raise ChangeAlreadyUndone
    task = Task.objects.select_for_update().filter(owner_id=change.owner_id, pk=change.task_id)
    current = task.first()
    if not _is_as_left(current, change.after):
        raise ChangeConflict
    if change.before is None:
        task_delete(task=current)
        result = None
    elif current is None:
        result = _restore(change)
    else:
        fields = _apply_snapshot(current, change.before)
        current.save(update_fields=[*fields, "updated_at"])
        result = current
    change.undone_at = timezone.now()
    change.undone_by = user
    change.save(update_fields=["undone_at", "undone_by"])
    return result


def last_change_undo(*, user: AbstractBaseUser) -> tuple[TaskChange, Task | None]:
    """Revert the latest change the assistant's tool calls made to the user's tasks that is
    not undone yet (the "undo" a person asks the assistant for); the change and the task as
    it now is. Raises NoChangeToUndo, or ChangeConflict (then nothing changed)."""
    with transaction.atomic():
        change = (
            TaskChange.objects.select_for_update()
            .filter(owner=user, undone_at__isnull=True)
            .order_by("-id")
            .first()
        )
        if change is None:
            raise NoChangeToUndo
        return change, change_undo(change=change, user=user)
