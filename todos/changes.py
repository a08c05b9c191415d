"""Recorded task changes and taking them back: the rules of undo.

A snapshot holds every editable field of a task (all of its columns but the id, the owner and
`updated_at`), so a field added to Task later is recorded and restored without touching this
module. Undo refuses, rather than overwrites, a task that changed after the recorded change.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import uuid4

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Field, prefetch_related_objects
from django.utils import timezone

from config.changes import changed
from todos.lists import inbox_for
from todos.models import Task, TaskChange, TaskList
from todos.reminders import reschedule_after_move
from todos.services import next_task_number, task_update

NOT_SNAPSHOTTED = frozenset({"id", "owner", "updated_at"})


class ChangeAlreadyUndone(Exception):
    pass


class ChangeNotFound(Exception):
    """No recorded change under this id among the user's."""


class ChangeConflict(Exception):
    """The task is no longer as the change left it: undoing would lose a later edit."""


class NoChangeToUndo(Exception):
    """Every change the assistant made to the user's tasks is undone already (or none was)."""


# Changes made on the page (new_change_id), not by the assistant's tool calls.
PAGE_CHANGE_PREFIX = "bulk_"


def new_change_id() -> str:
    """The id of a change made outside a tool call (a tool's change uses its call id)."""
    return f"{PAGE_CHANGE_PREFIX}{uuid4().hex}"


def snapshot_fields() -> list[Field]:
    return [field for field in Task._meta.concrete_fields if field.name not in NOT_SNAPSHOTTED]


def task_snapshot(task: Task) -> dict[str, Any]:
    """The task's editable fields as JSON values (dates, times of day and datetimes in ISO 8601)."""
    snapshot = {}
    for field in snapshot_fields():
        value = field.value_from_object(task)
        snapshot[field.name] = value.isoformat() if isinstance(value, date | time) else value
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


def task_update_recorded(*, task: Task, **changes: Any) -> Task:
    """`task_update` for a change made on the page. Completing a repeating task moves it to
    its next occurrence: that is recorded in the task's change history (kind `complete`,
    under a new page change id), so the completed occurrence is on record and undo brings the
    previous date back. Other edits are not recorded, as before."""
    if not (changes.get("completed") and task.recurrence and not task.completed):
        return task_update(task=task, **changes)
    with recorded_change(
        owner=task.owner, call_id=new_change_id(), kind=TaskChange.Kind.COMPLETE, task=task
    ):
        return task_update(task=task, **changes)


def _is_as_left(task: Task | None, after: dict[str, Any] | None) -> bool:
    """True when the task is exactly as the change left it (fields recorded since count)."""
    if after is None:
        return task is None
    if task is None:
        return False
    current = task_snapshot(task)
    return all(current.get(name) == value for name, value in after.items())


def _restored(changes: list[TaskChange], owner_id: int) -> list[Task]:
    """Deleted tasks back with their recorded fields, each under its old id when it is free,
    in its old list when that still exists (else the Inbox)."""
    if not changes:
        return []
    taken = set(
        Task.objects.filter(pk__in=[change.task_id for change in changes]).values_list(
            "pk", flat=True
        )
    )
    recorded_lists = {change.before.get("list") for change in changes}
    live_lists = set(
        TaskList.objects.filter(owner_id=owner_id, pk__in=recorded_lists - {None}).values_list(
            "pk", flat=True
        )
    )
    owner = changes[0].owner
    tasks = []
    for change in changes:
        task = Task(owner_id=owner_id)
        _apply_snapshot(task, change.before)
        if change.task_id not in taken:
            task.pk = change.task_id
        if task.list_id not in live_lists:
            task.list = inbox_for(owner=owner)
        if task.number is None:  # recorded before tasks had numbers
            task.number = next_task_number(owner=owner)
        tasks.append(task)
    Task.objects.bulk_create(tasks)
    # auto_now_add replaced created_at on insert; bulk_update writes the values as they are.
    for task, change in zip(tasks, changes, strict=True):
        if "created_at" in change.before:
            task.created_at = Task._meta.get_field("created_at").to_python(
                change.before["created_at"]
            )
    Task.objects.bulk_update(tasks, ["created_at"])
    return tasks


def changes_undo(*, changes: list[TaskChange], user: AbstractBaseUser) -> list[Task | None]:
    """Revert recorded changes of one owner together; each one's task as it now is (None for
    a task the change had added). All or nothing: ChangeAlreadyUndone or ChangeConflict when
    any of them cannot be taken back, and then nothing changed.

    Call inside a transaction holding `changes` locked (select_for_update).
    """
    if any(change.undone_at is not None for change in changes):
        raise ChangeAlreadyUndone
    owner_id = changes[0].owner_id
    current = Task.objects.select_for_update().filter(
        owner_id=owner_id, pk__in=[change.task_id for change in changes]
    )
    current = {task.pk: task for task in current}
    if not all(_is_as_left(current.get(change.task_id), change.after) for change in changes):
        raise ChangeConflict
    added = [change.task_id for change in changes if change.before is None]
    Task.objects.filter(pk__in=added).delete()
    deleted = [c for c in changes if c.before is not None and c.task_id not in current]
    restored = dict(zip([c.task_id for c in deleted], _restored(deleted, owner_id), strict=True))
    now = timezone.now()
    updated, fields, moved = [], {"updated_at"}, []
    for change in changes:
        if change.before is not None and change.task_id in current:
            task = current[change.task_id]
            due = (task.due_date, task.due_time)
            fields.update(_apply_snapshot(task, change.before))
            task.updated_at = now
            updated.append(task)
            if (task.due_date, task.due_time) != due:
                moved.append(task)
    Task.objects.bulk_update(updated, sorted(fields))
    for task in moved:  # e.g. a repeating task's completion taken back: reminders follow
        reschedule_after_move(task)
    # The answer and the events show each task's reminders: one query for all of them.
    prefetch_related_objects([*updated, *restored.values()], "reminders")
    # bulk_create and bulk_update send no model signals (the deletes above send theirs).
    for kind, tasks in (("created", restored.values()), ("updated", updated)):
        for task in tasks:
            changed.send(Task, kind=kind, user_id=owner_id, subject=task)
    TaskChange.objects.filter(pk__in=[change.pk for change in changes]).update(
        undone_at=now, undone_by=user
    )
    results: list[Task | None] = []
    for change in changes:
        change.undone_at, change.undone_by = now, user
        if change.before is None:
            results.append(None)
        else:
            results.append(restored.get(change.task_id) or current[change.task_id])
    return results


def change_undo(*, change: TaskChange, user: AbstractBaseUser) -> Task | None:
    """Revert one recorded change; the task as it now is (None when the change added it).

    Call inside a transaction holding `change` locked (select_for_update).
    """
    return changes_undo(changes=[change], user=user)[0]


@dataclass(frozen=True)
class UndoneChange:
    change_id: str
    undone_at: datetime
    # Each recorded task as it now is, in the order recorded; None where the change had added it.
    tasks: list[Task | None]


def change_group_undo(
    *, owner: AbstractBaseUser, change_id: str, user: AbstractBaseUser
) -> UndoneChange:
    """Revert every task change recorded under `change_id` (a tool call's id, or a bulk
    change's), atomically, as one. ChangeNotFound when the owner has none."""
    with transaction.atomic():
        changes = list(
            TaskChange.objects.select_for_update()
            .filter(owner=owner, call_id=change_id)
            .select_related("owner")
            .order_by("id")
        )
        if not changes:
            raise ChangeNotFound(change_id)
        tasks = changes_undo(changes=changes, user=user)
    return UndoneChange(change_id=change_id, undone_at=changes[0].undone_at, tasks=tasks)


def last_change_undo(*, user: AbstractBaseUser) -> UndoneChange:
    """Revert the assistant's latest change to the user's tasks that is not undone yet (the
    "undo" a person asks the assistant for): every task its tool call changed. Raises
    NoChangeToUndo, or ChangeConflict (then nothing changed)."""
    latest = (
        TaskChange.objects.filter(owner=user, undone_at__isnull=True)
        .exclude(call_id__startswith=PAGE_CHANGE_PREFIX)
        .order_by("-id")
        .values_list("call_id", flat=True)
        .first()
    )
    if latest is None:
        raise NoChangeToUndo
    return change_group_undo(owner=user, change_id=latest, user=user)
