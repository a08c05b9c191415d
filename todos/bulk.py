"""One change to many tasks at once, all or nothing, recorded as one undoable change.

The REST API (`POST /api/<user_id>/tasks/bulk/`, tasks by id) and the agent's
`bulk_update_tasks` tool (tasks by number) both come here. Each action is one UPDATE (or one
DELETE) over the tasks it really changes, so 500 tasks cost the same few queries as 5; every
task it changed gets a TaskChange row under one change id, which `changes.change_group_undo`
takes back as one.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.changes import changed
from todos.changes import new_change_id, task_snapshot
from todos.models import Task, TaskChange, TaskList
from todos.reminders import reschedule_after_move
from todos.selectors import TaskNotFound, TaskNumberNotFound
from todos.services import clean_due_date, clean_priority, task_complete

BULK_ACTIONS = (
    "complete",
    "reopen",
    "delete",
    "move",
    "set_priority",
    "set_due_date",
    "clear_due_date",
)
BULK_MAX_TASKS = 500
KINDS = {"complete": TaskChange.Kind.COMPLETE, "delete": TaskChange.Kind.DELETE}


@dataclass(frozen=True)
class BulkChange:
    # The tasks asked for, as they now are (deleted ones as they were), in the order asked.
    tasks: list[Task]
    # What undoes it (change_group_undo); None when no task needed changing.
    change_id: str | None


def _check_count(keys: list[int]) -> None:
    if not keys:
        raise ValidationError({"ids": ["Name at least one task."]})
    if len(keys) > BULK_MAX_TASKS:
        raise ValidationError(
            {"ids": [f"At most {BULK_MAX_TASKS} tasks at once ({len(keys)} given)."]}
        )


def _locked_tasks(owner: AbstractBaseUser, field: str, keys: list[int]) -> list[Task]:
    """The owner's tasks with these ids or numbers, locked, in the order given (duplicates
    once); TaskNotFound (or TaskNumberNotFound) names the first key that is not the owner's."""
    _check_count(keys)
    found = (
        Task.objects.select_for_update()
        .filter(owner=owner, **{f"{field}__in": keys})
        .prefetch_related("reminders")  # the answer and the events show them
    )
    by_key = {getattr(task, field): task for task in found}
    for key in keys:
        if key not in by_key:
            raise TaskNumberNotFound(key) if field == "number" else TaskNotFound(key)
    return [by_key[key] for key in dict.fromkeys(keys)]


def _changing(tasks: QuerySet[Task], action: str, value: object) -> tuple[QuerySet[Task], dict]:
    """The tasks `action` changes (those already as asked are left alone) and the UPDATE."""
    now = timezone.now()
    if action == "complete":
        return tasks.filter(completed=False), {"completed": True, "completed_at": now}
    if action == "reopen":
        return tasks.filter(completed=True), {"completed": False, "completed_at": None}
    if action == "move":
        if not isinstance(value, TaskList) or value.owner_id != tasks.first().owner_id:
            raise ValidationError({"value": ["Name the list to move the tasks to."]})
        return tasks.exclude(list=value), {"list": value}
    if action == "set_priority":
        priority = clean_priority(value)
        return tasks.exclude(priority=priority), {"priority": priority}
    if action == "set_due_date":
        if value is None:
            raise ValidationError({"value": ["Give the due date as YYYY-MM-DD."]})
        due_date: date | None = clean_due_date(value)
        return tasks.exclude(due_date=due_date), {"due_date": due_date}
    # clear_due_date: the time of day and the repeat go with the date
    return tasks.filter(due_date__isnull=False), {
        "due_date": None,
        "due_time": None,
        "recurrence": "",
    }


def _complete_repeating(tasks: list[Task], changing_pks: list[int], time_zone: str) -> set[int]:
    """Complete the repeating tasks among those changing one by one (each moves to its next
    occurrence, or is completed when its rule has none left); their ids."""
    repeating = [task for task in tasks if task.pk in changing_pks and task.recurrence]
    for task in repeating:
        task_complete(task=task, time_zone=time_zone)
    return {task.pk for task in repeating}


def _reminders_follow(pks: list[int], time_zone: str) -> None:
    """Dates set or cleared: the relative reminders of those tasks follow (todos.reminders)."""
    following = Task.objects.filter(pk__in=pks, reminders__minutes_before__isnull=False)
    for task in following.distinct():
        reschedule_after_move(task, time_zone=time_zone)


def tasks_bulk_change(
    *,
    owner: AbstractBaseUser,
    action: str,
    value: object = None,
    ids: list[int] | None = None,
    numbers: list[int] | None = None,
    change_id: str | None = None,
    time_zone: str = "",
) -> BulkChange:
    """Apply `action` to the owner's tasks named by `ids` or by `numbers`, all or nothing.

    `value`: a TaskList for `move`, 1-4 for `set_priority`, a date for `set_due_date`.
    `change_id` records the change under that id (a tool call's); by default a new one.
    `complete` moves each repeating task to its next occurrence instead (one save each;
    `time_zone`, a zone the client sent, else the owner's, says what is past).
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": [f"The action is one of {', '.join(BULK_ACTIONS)}."]})
    field, keys = ("id", ids) if ids is not None else ("number", numbers or [])
    with transaction.atomic():
        tasks = _locked_tasks(owner, field, keys)
        pks = [task.pk for task in tasks]
        if action == "delete":
            changing_pks = pks
        else:
            changing, update = _changing(Task.objects.filter(pk__in=pks), action, value)
            changing_pks = list(changing.values_list("pk", flat=True))
        if not changing_pks:
            return BulkChange(tasks=tasks, change_id=None)
        before = {task.pk: task_snapshot(task) for task in tasks if task.pk in changing_pks}
        if action == "delete":
            Task.objects.filter(pk__in=pks).delete()
            after = dict.fromkeys(pks)
        else:
            repeating = (
                _complete_repeating(tasks, changing_pks, time_zone)
                if action == "complete"
                else set()
            )
            updating = [pk for pk in changing_pks if pk not in repeating]
            update["updated_at"] = timezone.now()
            if updating:
                Task.objects.filter(pk__in=updating).update(**update)
                # An UPDATE sends no model signal: one event for all of them (deletes send theirs).
                bulk = {"task_ids": updating, "change": update}
                changed.send(Task, kind="bulk", user_id=owner.pk, subject=bulk)
                if {"due_date", "due_time"} & set(update):
                    _reminders_follow(updating, time_zone)
            now_by_pk = Task.objects.prefetch_related("reminders").in_bulk(pks)
            tasks = [now_by_pk[pk] for pk in pks]
            after = {task.pk: task_snapshot(task) for task in tasks if task.pk in before}
        change_id = change_id or new_change_id()
        TaskChange.objects.bulk_create(
            TaskChange(
                owner=owner,
                call_id=change_id,
                kind=KINDS.get(action, TaskChange.Kind.UPDATE),
                task_id=pk,
                before=before[pk],
                after=after[pk],
            )
            for pk in changing_pks
        )
    return BulkChange(tasks=tasks, change_id=change_id)
