"""Times of day and repeats through the task services and the agent's tools: a time needs a
date, a repeat is an RRULE, completing a repeating task moves the same task to its next
occurrence (recorded in its change history) and undo brings the previous date back.

Due dates are in 2040 so each completion is early (before the due date) whatever today is:
the task steps exactly one occurrence on. Overdue completions are in tests/todos/test_recurrence.py,
at fixed "today"s.
"""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.preferences import preferences_update
from config.timezones import local_moment, local_today
from todos.bulk import tasks_bulk_change
from todos.changes import change_group_undo, task_update_recorded
from todos.models import Task, TaskChange
from todos.reminders import reminder_add
from todos.selectors import task_list
from todos.services import task_complete, task_create, task_moved_on, task_update

MONDAY = date(2040, 1, 2)
EVERY_MONDAY = "FREQ=WEEKLY;BYDAY=MO"


def stored(task: Task) -> tuple:
    task.refresh_from_db()
    return task.due_date, task.due_time, task.recurrence, task.completed


def test_a_task_gets_a_time_and_a_repeat(user):
    task = task_create(
        owner=user, title="standup", due_date=MONDAY, due_time="09:15", recurrence=EVERY_MONDAY
    )
    assert stored(task) == (MONDAY, time(9, 15), EVERY_MONDAY, False)


@pytest.mark.parametrize("given", ["9:15", "09:15", "09:15:00", time(9, 15, 42)])
def test_times_of_day_are_minutes(user, given):
    task = task_create(owner=user, title="t", due_date=MONDAY, due_time=given)
    assert stored(task)[1] == time(9, 15)


@pytest.mark.parametrize("given", ["24:00", "9.15", "9am", "12:60", "", 915, True])
def test_a_bad_time_is_refused_naming_due_time(user, given):
    with pytest.raises(ValidationError) as refused:
        task_create(owner=user, title="t", due_date=MONDAY, due_time=given)
    assert set(refused.value.message_dict) == {"due_time"}


def test_a_time_without_a_date_is_refused_naming_due_time(user):
    with pytest.raises(ValidationError) as refused:
        task_create(owner=user, title="t", due_time="09:00")
    assert set(refused.value.message_dict) == {"due_time"}
    task = task_create(owner=user, title="t")
    with pytest.raises(ValidationError) as refused:
        task_update(task=task, due_time="09:00")
    assert set(refused.value.message_dict) == {"due_time"}
    assert stored(task) == (None, None, "", False)


def test_an_invalid_rule_is_refused_naming_recurrence(user):
    with pytest.raises(ValidationError) as refused:
        task_create(owner=user, title="t", due_date=MONDAY, recurrence="FREQ=MINUTELY")
    assert set(refused.value.message_dict) == {"recurrence"}
    assert not Task.objects.exists()


def test_a_repeat_without_a_date_starts_on_its_first_day_from_the_users_today(user):
    preferences_update(user=user, time_zone="Pacific/Kiritimati")
    task = task_create(owner=user, title="pay rent", recurrence="FREQ=DAILY")
    assert task.due_date == local_today("Pacific/Kiritimati")
    # The zone a client sends wins over the stored one.
    other = task_create(owner=user, title="x", recurrence="FREQ=DAILY", time_zone="Etc/GMT+12")
    assert other.due_date == local_today("Etc/GMT+12")


def test_clearing_the_date_clears_the_time_and_the_repeat(user):
    task = task_create(
        owner=user, title="t", due_date=MONDAY, due_time="08:00", recurrence="FREQ=DAILY"
    )
    task_update(task=task, clear_due_date=True)
    assert stored(task) == (None, None, "", False)


def test_clearing_the_time_and_stopping_the_repeat(user):
    task = task_create(
        owner=user, title="t", due_date=MONDAY, due_time="08:00", recurrence="FREQ=DAILY"
    )
    task_update(task=task, clear_due_time=True)
    assert stored(task) == (MONDAY, None, "FREQ=DAILY", False)
    task_update(task=task, recurrence="")
    assert stored(task) == (MONDAY, None, "", False)


def test_completing_a_repeating_task_moves_the_same_task(user):
    task = task_create(
        owner=user, title="water the plants", due_date=MONDAY, recurrence=EVERY_MONDAY
    )
    task_complete(task=task)
    assert task_moved_on(task)
    assert stored(task) == (date(2040, 1, 9), None, EVERY_MONDAY, False)
    assert Task.objects.count() == 1 and task.completed_at is None


def test_the_last_occurrence_completes_the_task(user):
    task = task_create(owner=user, title="t", due_date=MONDAY, recurrence="FREQ=DAILY;COUNT=2")
    task_complete(task=task)
    assert stored(task) == (date(2040, 1, 3), None, "FREQ=DAILY;COUNT=1", False)
    task_complete(task=task)
    assert not task_moved_on(task)
    assert stored(task) == (date(2040, 1, 3), None, "FREQ=DAILY;COUNT=1", True)


@pytest.mark.parametrize(
    "zone, before_change, utc_hours",
    [
        ("Europe/Berlin", date(2040, 3, 24), [7, 6, 6]),  # clocks forward on 25 March 2040
        ("America/New_York", date(2040, 3, 10), [13, 12, 12]),  # on 11 March 2040
        ("Europe/Berlin", date(2040, 10, 27), [6, 7, 7]),  # back on 28 October 2040
        ("America/New_York", date(2040, 11, 3), [12, 13, 13]),  # on 4 November 2040
    ],
)
def test_every_day_at_8am_stays_8am_across_daylight_saving(user, zone, before_change, utc_hours):
    preferences_update(user=user, time_zone=zone)
    task = task_create(
        owner=user,
        title="vitamins",
        due_date=before_change,
        due_time="08:00",
        recurrence="FREQ=DAILY",
    )
    moments = [local_moment(task.due_date, task.due_time, zone)]
    for _ in range(2):
        task_complete(task=task)
        assert task.due_time == time(8, 0)
        moments.append(local_moment(task.due_date, task.due_time, zone))
    assert [moment.hour for moment in moments] == utc_hours
    assert [moment.day for moment in moments] == [before_change.day + n for n in range(3)]


def test_the_31st_rule_skips_february(user):
    task = task_create(
        owner=user,
        title="invoice",
        due_date=date(2040, 1, 31),
        recurrence="FREQ=MONTHLY;BYMONTHDAY=31",
    )
    task_complete(task=task)
    assert task.due_date == date(2040, 3, 31)


# --- the change history and undo ------------------------------------------------------------


def test_a_page_completion_is_recorded_and_undone(user):
    task = task_create(owner=user, title="t", due_date=MONDAY, recurrence=EVERY_MONDAY)
    task_update_recorded(task=task, completed=True)
    change = TaskChange.objects.get(owner=user)
    assert change.kind == TaskChange.Kind.COMPLETE and change.call_id.startswith("bulk_")
    change_group_undo(owner=user, change_id=change.call_id, user=user)
    assert stored(task) == (MONDAY, None, EVERY_MONDAY, False)


def test_other_page_edits_are_not_recorded(user):
    task = task_create(owner=user, title="t", due_date=MONDAY)
    task_update_recorded(task=task, completed=True)
    task_update_recorded(task=task, title="u")
    assert not TaskChange.objects.exists()


WEDNESDAY = date(2040, 1, 4)
DAYS = {
    "yesterday": date(2040, 1, 3),
    "today": WEDNESDAY,
    "tomorrow": date(2040, 1, 5),
    "sunday": date(2040, 1, 8),
    "next monday": date(2040, 1, 9),
    "next sunday": date(2040, 1, 15),
    "the monday after": date(2040, 1, 16),
}


@pytest.mark.parametrize(
    "due, expected",
    [
        ("tomorrow", {"tomorrow"}),
        # The next calendar week, Monday to Sunday: distinct from "week" (today + 6 days).
        ("next_week", {"next monday", "next sunday"}),
        ("week", {"today", "tomorrow", "sunday", "next monday"}),
    ],
)
def test_due_tomorrow_and_next_week_at_a_fixed_today(user, due, expected):
    for title, day in DAYS.items():
        task_create(owner=user, title=title, due_date=day)
    found = task_list(owner=user, due=due, today=WEDNESDAY)
    assert {task.title for task in found} == expected


# From the Monday and from the Sunday of the week before, next week is the same.
@pytest.mark.parametrize("today", [date(2040, 1, 2), date(2040, 1, 8)])
def test_next_week_from_the_ends_of_a_week(user, today):
    for title, day in DAYS.items():
        task_create(owner=user, title=title, due_date=day)
    found = {task.title for task in task_list(owner=user, due="next_week", today=today)}
    assert found == {"next monday", "next sunday"}


# --- reminders follow the due time --------------------------------------------------------


def reminder_moments(task: Task) -> list:
    return [reminder.remind_at for reminder in task.reminders.order_by("remind_at")]


def test_a_task_given_a_time_gets_the_default_reminder(user):
    preferences_update(user=user, time_zone="Europe/Berlin", default_reminder_minutes=30)
    created = task_create(owner=user, title="a", due_date=MONDAY, due_time="09:00")
    assert reminder_moments(created) == [local_moment(MONDAY, time(8, 30), "Europe/Berlin")]
    later = task_create(owner=user, title="b", due_date=MONDAY)
    assert reminder_moments(later) == []
    task_update(task=later, due_time="10:00")
    assert reminder_moments(later) == [local_moment(MONDAY, time(9, 30), "Europe/Berlin")]


def test_a_relative_reminder_moves_with_the_repeating_task_and_back_on_undo(user):
    preferences_update(user=user, time_zone="America/New_York")
    task = task_create(
        owner=user, title="standup", due_date=MONDAY, due_time="09:00", recurrence=EVERY_MONDAY
    )
    reminder_add(task=task, minutes_before=15)
    first = local_moment(MONDAY, time(8, 45), "America/New_York")
    assert reminder_moments(task) == [first]
    task_update_recorded(task=task, completed=True)
    assert reminder_moments(task) == [first + timedelta(weeks=1)]
    change = TaskChange.objects.get(owner=user)
    change_group_undo(owner=user, change_id=change.call_id, user=user)
    assert reminder_moments(task) == [first]


def test_relative_reminders_follow_a_bulk_date_change(user):
    task = task_create(owner=user, title="t", due_date=MONDAY, due_time="09:00")
    reminder_add(task=task, minutes_before=60)
    tasks_bulk_change(owner=user, action="set_due_date", value="2040-01-05", ids=[task.pk])
    assert reminder_moments(task) == [local_moment(date(2040, 1, 5), time(8, 0), "UTC")]
    tasks_bulk_change(owner=user, action="clear_due_date", ids=[task.pk])
    assert reminder_moments(task) == []
