"""Task writes: the one place task rules live. The REST API, agent tools and admin call these."""

import re
from datetime import date, time

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.preferences import user_time_zone
from config.text import clean_visible_text
from config.timezones import local_now, local_today
from todos.lists import inbox_for
from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    PRIORITY_HIGHEST,
    PRIORITY_NONE,
    TITLE_MAX_LENGTH,
    Task,
    TaskCounter,
    TaskList,
)
from todos.recurrence import clean_recurrence, first_occurrence, next_occurrence
from todos.reminders import add_default_reminder, reschedule_after_move

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::00)?", re.ASCII)
TITLE_REQUIRED = "A task needs a title."
TIME_NEEDS_DATE = "A time of day needs a due date: give due_date too."


def clean_title(title: object) -> str:
    """A stripped title of 1 to 200 characters that shows as it reads, or a ValidationError on
    `title`: one of only invisible characters counts as empty; direction controls are refused."""
    return clean_visible_text(
        title,
        field="title",
        max_length=TITLE_MAX_LENGTH,
        required=TITLE_REQUIRED,
        # Said in the assistant's reply as it stands: plain words, the numbers that matter.
        too_long="Task titles can be up to {max_length} characters — this one has {length}.",
    )


def clean_description(description: object) -> str:
    """Empty, or up to 2000 characters that show as they read (the title's rule)."""
    return clean_visible_text(
        description,
        field="description",
        max_length=DESCRIPTION_MAX_LENGTH,
        too_long="Task descriptions can be up to {max_length} characters — this one has {length}.",
    )


def clean_due_date(due_date: object) -> date | None:
    """A calendar date from a `date`, an ISO `YYYY-MM-DD` string or None, or a
    ValidationError on `due_date`."""
    if due_date is None or isinstance(due_date, date):
        return due_date
    if isinstance(due_date, str) and ISO_DATE.fullmatch(due_date.strip()):
        try:
            return date.fromisoformat(due_date.strip())
        except ValueError:  # e.g. 2026-02-30
            pass
    shown = str(due_date)[:40]
    raise ValidationError({"due_date": [f'"{shown}" is not a date: give it as YYYY-MM-DD.']})


def clean_due_time(due_time: object) -> time | None:
    """A wall-clock time from a `time`, an "HH:MM" string or None, or a ValidationError on
    `due_time`. Minutes are the finest step: seconds are dropped."""
    if due_time is None:
        return None
    if isinstance(due_time, time):
        return due_time.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(due_time, str) and (match := CLOCK_TIME.fullmatch(due_time.strip())):
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    shown = str(due_time)[:40]
    raise ValidationError({"due_time": [f'"{shown}" is not a time of day: give it as HH:MM.']})


def clean_priority(priority: object) -> int:
    """1 (highest) to 4 (no priority), or a ValidationError on `priority`."""
    is_number = isinstance(priority, int) and not isinstance(priority, bool)
    if is_number and PRIORITY_HIGHEST <= priority <= PRIORITY_NONE:
        return priority
    raise ValidationError(
        {"priority": [f"A priority is {PRIORITY_HIGHEST} (highest) to {PRIORITY_NONE} (none)."]}
    )


def _check_list_owner(task_list: TaskList, owner_id: int) -> TaskList:
    if task_list.owner_id != owner_id:  # callers look lists up by owner; this is a backstop
        raise ValidationError({"list": ["No such list."]})
    return task_list


def next_task_number(*, owner: AbstractBaseUser) -> int:
    """The owner's next task number. Call inside the transaction that creates the task: the
    counter's row stays locked until it commits, so two tasks never get the same number."""
    counted = TaskCounter.objects.filter(owner=owner).update(last_number=F("last_number") + 1)
    if not counted:  # an account older than counters that the migration did not see
        TaskCounter.objects.get_or_create(owner=owner)
        TaskCounter.objects.filter(owner=owner).update(last_number=F("last_number") + 1)
    return TaskCounter.objects.values_list("last_number", flat=True).get(owner=owner)


def task_create(
    *,
    owner: AbstractBaseUser,
    title: str,
    description: str = "",
    due_date: object = None,
    task_list: TaskList | None = None,
    priority: object = PRIORITY_NONE,
    due_time: object = None,
    recurrence: object = "",
    time_zone: str = "",
    default_reminder: bool = True,
) -> Task:
    """A new task with the owner's next number, in `task_list` (else the Inbox). With a due
    time it gets the owner's default reminder, unless `default_reminder` is off (the caller
    adds the reminders asked for).

    `due_time` needs a `due_date`; a `recurrence` (an RRULE) without one starts on its
    first day from the owner's today (in `time_zone`, a zone the client sent, else theirs).
    """
    fields = {
        "title": clean_title(title),
        "description": clean_description(description),
        "due_date": clean_due_date(due_date),
        "priority": clean_priority(priority),
        "due_time": clean_due_time(due_time),
        "recurrence": clean_recurrence(recurrence),
    }
    if fields["due_time"] is not None and fields["due_date"] is None:
        raise ValidationError({"due_time": [TIME_NEEDS_DATE]})
    if fields["recurrence"] and fields["due_date"] is None:
        fields["due_date"] = _first_day(fields["recurrence"], owner.pk, time_zone)
    with transaction.atomic():
        if task_list is None:
            task_list = inbox_for(owner=owner)
        _check_list_owner(task_list, owner.pk)
        number = next_task_number(owner=owner)
        task = Task.objects.create(owner=owner, number=number, list=task_list, **fields)
        if task.due_time is not None and default_reminder:
            add_default_reminder(task=task, time_zone=time_zone)
        return task


def task_update(
    *,
    task: Task,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
    due_date: object = None,
    clear_due_date: bool = False,
    task_list: TaskList | None = None,
    priority: object = None,
    due_time: object = None,
    clear_due_time: bool = False,
    recurrence: object = None,
    time_zone: str = "",
) -> Task:
    """Change the given fields; None leaves a field as it is. `clear_due_date` removes the
    date, and with it the time and the repeat; `clear_due_time` the time; a
    `recurrence` of "" stops the task repeating.

    Completing a repeating task moves it to its next occurrence instead (`task_complete`).
    `time_zone`: the zone the client sent ("" for the owner's): the today a repeat without a
    date starts from, and the now a completed repeating task moves past.

    Only the changed columns are written, so an edit from the task panel and one from the
    assistant at the same moment never silently revert each other.
    """
    had_time = task.due_time is not None
    changed = ["updated_at"]
    if title is not None:
        task.title = clean_title(title)
        changed.append("title")
    if description is not None:
        task.description = clean_description(description)
        changed.append("description")
    if task_list is not None:
        task.list = _check_list_owner(task_list, task.owner_id)
        changed.append("list")
    if priority is not None:
        task.priority = clean_priority(priority)
        changed.append("priority")
    if clear_due_date and due_date is not None:
        raise ValidationError({"due_date": ["Give a due date or clear it, not both."]})
    if clear_due_date or due_date is not None:
        task.due_date = None if clear_due_date else clean_due_date(due_date)
        changed.append("due_date")
    changed += _schedule(task, due_time, clear_due_time or clear_due_date, recurrence)
    if recurrence is not None and task.recurrence and task.due_date is None:
        task.due_date = _first_day(task.recurrence, task.owner_id, time_zone)
        changed.append("due_date")
    if task.due_time is not None and task.due_date is None:
        raise ValidationError({"due_time": [TIME_NEEDS_DATE]})
    moved = []
    if completed and not task.completed and task.recurrence:
        moved = _move_to_next_occurrence(task, time_zone)
    if completed is not None and completed != task.completed and not moved:
        task.completed = completed
        task.completed_at = timezone.now() if completed else None
        changed += ["completed", "completed_at"]
    with transaction.atomic():
        task.save(update_fields=sorted({*changed, *moved}))
        if {"due_date", "due_time"} & {*changed, *moved}:
            _reminders_follow(task, had_time=had_time, time_zone=time_zone)
    return task


def _reminders_follow(task: Task, *, had_time: bool, time_zone: str) -> None:
    """The task's due moment changed: its relative reminders move with it, and a task that
    just got a time gets the owner's default reminder."""
    reschedule_after_move(task, time_zone=time_zone)
    if not had_time and task.due_time is not None:
        add_default_reminder(task=task, time_zone=time_zone)


def _schedule(task: Task, due_time: object, clear_due_time: bool, rule: object) -> list[str]:
    """Set the task's time of day and repeat as asked (clearing the date clears both); the
    names of the fields set."""
    if due_time is not None and clear_due_time:
        field = "due_date" if task.due_date is None else "due_time"
        raise ValidationError({"due_time": [f"Give a time or clear the {field}, not both."]})
    changed = []
    if clear_due_time or due_time is not None:
        task.due_time = None if clear_due_time else clean_due_time(due_time)
        changed.append("due_time")
    if rule is not None:
        task.recurrence = clean_recurrence(rule)
        changed.append("recurrence")
    if task.due_date is None and task.recurrence and rule is None:
        task.recurrence = ""  # the date was cleared: nothing left to repeat from
        changed.append("recurrence")
    return changed


def _first_day(rule: str, owner_id: int, time_zone: str) -> date:
    today = local_today(user_time_zone(owner_id, time_zone))
    first = first_occurrence(rule, on_or_after=today)
    if first is None:
        raise ValidationError({"recurrence": ["This repeat has no date left from today."]})
    return first


def _move_to_next_occurrence(task: Task, time_zone: str) -> list[str]:
    """Move a repeating task to its next occurrence (the fields set), or [] when its rule has
    none left: then it is completed like any task."""
    occurrence = next_occurrence(
        task.recurrence,
        due_date=task.due_date,
        due_time=task.due_time,
        now=local_now(user_time_zone(task.owner_id, time_zone)),
    )
    if occurrence is None:
        return []
    task.due_date, task.due_time = occurrence.due_date, occurrence.due_time
    task.recurrence = occurrence.recurrence
    return ["due_date", "due_time", "recurrence"]


def task_complete(*, task: Task, time_zone: str = "") -> Task:
    """Mark the task done; a repeating one moves to its next occurrence instead (and stays
    pending), unless its rule has no more."""
    return task_update(task=task, completed=True, time_zone=time_zone)


def task_moved_on(task: Task) -> bool:
    """After `task_complete`: True when the task repeats and moved to its next occurrence."""
    return bool(task.recurrence) and not task.completed


def task_delete(*, task: Task) -> None:
    task.delete()
