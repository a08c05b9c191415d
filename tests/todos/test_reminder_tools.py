"""Reminders through the agent's tools: add_task / update_task take `remind_at` (the user's
wall clock) and `remind_before_minutes`; task payloads list reminders on that clock; errors
name the argument. Dates in 2040: always ahead."""

from datetime import UTC, datetime

import pytest

from accounts.models import Preferences
from tests.todos.test_tools import invoke
from todos.changes import last_change_undo
from todos.models import Reminder, Task

pytestmark = pytest.mark.django_db(transaction=True)


def test_remind_me_to_call_mom_at_5pm(user):
    """The task gets its due time and a reminder at that moment, in the user's zone."""
    result = invoke(
        user,
        "add_task",
        time_zone="America/New_York",
        title="call mom",
        due_date="2040-01-02",
        due_time="17:00",
        remind_at="2040-01-02T17:00",
    )
    assert result["ok"], result
    assert result["task"]["reminders"] == ["2040-01-02 17:00"]
    reminder = Reminder.objects.get()
    assert reminder.remind_at == datetime(2040, 1, 2, 22, 0, tzinfo=UTC)
    assert reminder.minutes_before == 0  # at the due moment: it follows the task


def test_remind_before_minutes_and_no_default_when_one_is_asked_for(user):
    Preferences.objects.create(user=user, time_zone="Europe/Berlin", default_reminder_minutes=5)
    result = invoke(
        user,
        "add_task",
        title="standup",
        due_date="2040-01-02",
        due_time="09:30",
        remind_before_minutes=30,
    )
    assert result["task"]["reminders"] == ["2040-01-02 09:00"]
    # Without one asked for, the default.
    result = invoke(user, "add_task", title="lunch", due_date="2040-01-02", due_time="12:00")
    assert result["task"]["reminders"] == ["2040-01-02 11:55"]
    # update_task adds one; list_tasks shows them.
    result = invoke(user, "update_task", number=1, remind_at="2040-01-01 20:00")
    assert result["task"]["reminders"] == ["2040-01-01 20:00", "2040-01-02 09:00"]
    listed = invoke(user, "list_tasks")
    assert {task["title"]: task["reminders"] for task in listed["tasks"]} == {
        "lunch": ["2040-01-02 11:55"],
        "standup": ["2040-01-01 20:00", "2040-01-02 09:00"],
    }


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"remind_at": "tomorrow 5pm"}, "remind_at: "),
        ({"remind_at": "2040-02-30T10:00"}, "remind_at: "),
        ({"remind_at": "2000-01-01T10:00"}, "remind_at: That moment has passed"),
        ({"remind_before_minutes": 30}, "remind_before_minutes: The task has no due time"),
    ],
)
def test_bad_reminder_arguments_name_the_argument_and_add_nothing(user, arguments, message):
    result = invoke(user, "add_task", title="call mom", **arguments)
    assert not result["ok"] and result["error"].startswith(message), result
    assert not Task.objects.exists() and not Reminder.objects.exists()


def test_undoing_the_add_takes_its_reminders_along(user):
    invoke(user, "add_task", title="call mom", remind_at="2040-01-02T17:00")
    last_change_undo(user=user)
    assert not Reminder.objects.exists()
