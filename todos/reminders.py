"""Reminder writes: adding one at a moment or N minutes before the task's due time, removing
them, the owner's default reminder, and moving them when the task's due time moves.

Delivery is the scheduler's (reminders/): here only which reminders exist and when. A
reminder asked for relative to the due time keeps `minutes_before`, so it follows the task
when its due date or time changes (and when a recurring task moves to its next occurrence);
one at the exact due moment counts as relative too (0 minutes before). Every write saves the
task, so its `task.updated` live event carries the new `reminders` list.
"""

import re
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Preferences
from accounts.preferences import user_time_zone
from config.timezones import local_moment
from config.timezones import time_zone as zone_named
from todos.models import Reminder, Task

LOCAL_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})", re.ASCII)
REMINDERS_PER_TASK_MAX = 20
MINUTES_BEFORE_MAX = 4 * 7 * 24 * 60  # four weeks
REMINDER_IN_PAST = "That moment has passed: a reminder must be in the future."
NEEDS_OFFSET = "Give the moment with its offset, e.g. 2026-12-07T17:00:00+01:00 or …Z."
NEEDS_DUE_TIME = "The task has no due time to count back from: give it a due time first."


def due_moment(task: Task, time_zone: str = "") -> datetime | None:
    """The task's due date and time as a UTC moment, in the zone that applies (`time_zone`, a
    zone the client sent, else the owner's); None without a due time."""
    if task.due_date is None or task.due_time is None:
        return None
    return local_moment(task.due_date, task.due_time, user_time_zone(task.owner_id, time_zone))


def reminder_times(task: Task) -> list[datetime]:
    """The task's reminders' moments, sorted (from a prefetch when there is one)."""
    return sorted(reminder.remind_at for reminder in task.reminders.all())


def format_utc(moment: datetime) -> str:
    """`2026-12-07T16:00:00Z`: how the API and the live stream write a reminder's moment."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean_remind_at(remind_at: object, now: datetime) -> datetime:
    if not isinstance(remind_at, datetime) or timezone.is_naive(remind_at):
        raise ValidationError({"remind_at": [NEEDS_OFFSET]})
    remind_at = remind_at.astimezone(UTC).replace(microsecond=0)
    if remind_at <= now:
        raise ValidationError({"remind_at": [REMINDER_IN_PAST]})
    return remind_at


def _clean_minutes_before(minutes_before: object) -> int:
    is_number = isinstance(minutes_before, int) and not isinstance(minutes_before, bool)
    if not is_number or not 0 <= minutes_before <= MINUTES_BEFORE_MAX:
        raise ValidationError(
            {"minutes_before": [f"Give whole minutes from 0 to {MINUTES_BEFORE_MAX}."]}
        )
    return minutes_before


def _touch(task: Task) -> None:
    """Save the task, so its `task.updated` event (after commit) shows its reminders."""
    task.save(update_fields=["updated_at"])


def reminder_add(
    *,
    task: Task,
    remind_at: datetime | None = None,
    minutes_before: int | None = None,
    time_zone: str = "",
) -> Reminder:
    """A reminder at `remind_at` (an aware datetime) or `minutes_before` the task's due time,
    in the future; the existing one if the task already has a reminder at that moment.

    ValidationError on `remind_at` (naive, past, too many) or `minutes_before` (no due time).
    """
    if (remind_at is None) == (minutes_before is None):
        raise ValidationError({"remind_at": ["Give remind_at or minutes_before, not both."]})
    now = timezone.now()
    due = due_moment(task, time_zone)
    if minutes_before is not None:
        minutes_before = _clean_minutes_before(minutes_before)
        if due is None:
            raise ValidationError({"minutes_before": [NEEDS_DUE_TIME]})
        remind_at = due - timedelta(minutes=minutes_before)
        if remind_at <= now:
            raise ValidationError({"minutes_before": [REMINDER_IN_PAST]})
    else:
        remind_at = _clean_remind_at(remind_at, now)
        if remind_at == due:
            minutes_before = 0
    with transaction.atomic():
        existing = task.reminders.filter(remind_at=remind_at).first()
        if existing is not None:
            return existing
        if task.reminders.count() >= REMINDERS_PER_TASK_MAX:
            raise ValidationError(
                {"remind_at": [f"A task can have at most {REMINDERS_PER_TASK_MAX} reminders."]}
            )
        reminder = Reminder.objects.create(
            task=task, owner_id=task.owner_id, remind_at=remind_at, minutes_before=minutes_before
        )
        _touch(task)
    return reminder


def reminder_remove(*, task: Task, remind_at: datetime | None = None) -> int:
    """Remove the task's reminder at `remind_at` (aware), or all of them; how many went."""
    reminders = task.reminders.all()
    if remind_at is not None:
        if timezone.is_naive(remind_at):
            raise ValidationError({"remind_at": [NEEDS_OFFSET]})
        reminders = reminders.filter(remind_at=remind_at.astimezone(UTC).replace(microsecond=0))
    with transaction.atomic():
        removed, _ = reminders.delete()
        if removed:
            _touch(task)
    return removed


def add_default_reminder(*, task: Task, time_zone: str = "") -> Reminder | None:
    """The owner's default reminder (Preferences.default_reminder_minutes before the due time)
    for a task that just got a due time and has no reminder; None when there is no default,
    the moment has passed or the task has reminders. Call it from the service that gave the
    task its due time, in its transaction."""
    minutes = (
        Preferences.objects.filter(user_id=task.owner_id)
        .values_list("default_reminder_minutes", flat=True)
        .first()
    )
    due = due_moment(task, time_zone)
    if minutes is None or due is None or task.reminders.exists():
        return None
    remind_at = due - timedelta(minutes=minutes)
    if remind_at <= timezone.now():
        return None
    return Reminder.objects.create(
        task=task, owner_id=task.owner_id, remind_at=remind_at, minutes_before=minutes
    )


def reschedule_after_move(task: Task, *, time_zone: str = "") -> int:
    """The task's due date or time changed (an edit, a repeating task moving to its next
    occurrence, an undo): its relative reminders (`minutes_before`) follow the new due moment.
    One whose new moment is ahead is pending again, a sent one included (it reminds of the new
    occurrence); one whose new moment has passed counts as sent without being delivered (no
    reminder of a moment already gone). Without a due time any more, the pending relative ones
    are removed. Reminders at a fixed moment stay. Call it in the transaction of the change;
    how many changed."""
    relative = task.reminders.exclude(minutes_before=None)
    due = due_moment(task, time_zone)
    if due is None:
        removed, _ = relative.filter(sent_at=None).delete()
        return removed
    now = timezone.now()
    moved = []
    for reminder in relative:
        remind_at = due - timedelta(minutes=reminder.minutes_before)
        if remind_at == reminder.remind_at:
            continue
        reminder.remind_at = remind_at
        if remind_at > now:
            reminder.sent_at, reminder.late, reminder.attempts = None, False, 0
            reminder.next_attempt_at = reminder.claimed_until = None
            reminder.claimed_by, reminder.delivered = "", []
        elif reminder.sent_at is None:
            reminder.sent_at = now
        moved.append(reminder)
    Reminder.objects.bulk_update(
        moved,
        [
            "remind_at",
            "sent_at",
            "late",
            "attempts",
            "next_attempt_at",
            "claimed_until",
            "claimed_by",
            "delivered",
        ],
    )
    return len(moved)


def _local_moment_arg(raw: object, owner_id: int, time_zone: str) -> datetime:
    """The tools' `remind_at`: "YYYY-MM-DDTHH:MM" on the user's wall clock → a UTC moment."""
    match = LOCAL_MOMENT.fullmatch(raw.strip()) if isinstance(raw, str) else None
    try:
        day, at = date.fromisoformat(match[1]), time(int(match[2]), int(match[3]))
    except (TypeError, ValueError):  # no match, or e.g. 2026-02-30 or 25:00
        raise ValidationError(
            {"remind_at": [f'"{str(raw)[:40]}" is not a moment: give it as YYYY-MM-DDTHH:MM.']}
        ) from None
    return local_moment(day, at, user_time_zone(owner_id, time_zone))


def reminders_from_tool(
    *,
    task: Task,
    remind_at: str | None,
    remind_before_minutes: int | None,
    time_zone: str = "",
) -> None:
    """The agent's `remind_at` (local "YYYY-MM-DDTHH:MM") and `remind_before_minutes` (before
    the due time): a reminder for each one given. Errors name the tool's argument."""
    if remind_at is not None:
        moment = _local_moment_arg(remind_at, task.owner_id, time_zone)
        reminder_add(task=task, remind_at=moment, time_zone=time_zone)
    if remind_before_minutes is not None:
        try:
            reminder_add(task=task, minutes_before=remind_before_minutes, time_zone=time_zone)
        except ValidationError as error:
            messages = error.message_dict.get("minutes_before", error.messages)
            raise ValidationError({"remind_before_minutes": messages}) from None


def local_reminder_times(task: Task, time_zone: str = "") -> list[str]:
    """The task's reminders as the user reads them: "YYYY-MM-DD HH:MM" on their wall clock."""
    moments = reminder_times(task)
    if not moments:
        return []
    zone = zone_named(user_time_zone(task.owner_id, time_zone))
    return [moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") for moment in moments]
