"""Reminders through the agent's tools: add_task / update_task take `remind_at` (the user's
wall clock) and `remind_before_minutes`; task payloads list reminders on that clock; errors
name the argument. Dates in 2040: always ahead."""

from datetime import UTC, datetime

import pytest

from accounts.models import Preferences
from tests.todos.test_tools import invoke
from todos.bulk import tasks_bulk_change
from todos.changes import change_group_undo, last_change_undo
from todos.models import Reminder, Task
from todos.reminders import reminder_add
from todos.services import task_create

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


def test_undoing_a_delete_brings_the_reminders_back_as_they_were(user):
    """Deleting a task deletes its reminders with it: the delete records them, and its undo
    restores them, a sent one still sent (never delivered twice), a pending one still due."""
    task = task_create(
        owner=user, title="call mom", due_date="2040-01-02", due_time="17:00", time_zone="UTC"
    )
    reminder_add(task=task, minutes_before=30, time_zone="UTC")
    sent_at = datetime(2040, 1, 1, 9, tzinfo=UTC)
    Reminder.objects.create(
        task=task, owner=user, remind_at=sent_at, sent_at=sent_at, delivered=["page"]
    )
    assert invoke(user, "delete_task", number=task.number)["ok"]
    assert not Reminder.objects.exists()

    last_change_undo(user=user)
    restored = Task.objects.get()
    assert restored.pk == task.pk
    assert list(
        restored.reminders.order_by("remind_at").values_list(
            "remind_at", "minutes_before", "sent_at", "delivered"
        )
    ) == [
        (sent_at, None, sent_at, ["page"]),
        (datetime(2040, 1, 2, 16, 30, tzinfo=UTC), 30, None, []),
    ]


def test_undoing_a_bulk_delete_brings_each_tasks_reminders_back(user):
    for title in ("a", "b"):
        task = task_create(owner=user, title=title)
        reminder_add(task=task, remind_at=datetime(2040, 1, 2, 17, tzinfo=UTC))
    numbers = list(Task.objects.values_list("number", flat=True))
    change = tasks_bulk_change(owner=user, action="delete", numbers=numbers)
    assert not Reminder.objects.exists()

    change_group_undo(owner=user, change_id=change.change_id, user=user)
    by_title = dict(Task.objects.values_list("title", "reminders__remind_at"))
    assert by_title == {
        "a": datetime(2040, 1, 2, 17, tzinfo=UTC),
        "b": datetime(2040, 1, 2, 17, tzinfo=UTC),
    }
