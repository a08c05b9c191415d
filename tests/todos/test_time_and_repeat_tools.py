"""Times of day and repeats through the agent's tools: add_task / update_task take
`due_time` and `recurrence`, complete_task moves a repeating task (recorded for undo),
list_tasks knows `tomorrow` and `next_week`. Due dates in 2040: each completion is early."""

from datetime import date, time, timedelta

import pytest

from config.timezones import local_today
from tests.todos.test_repeating_tasks import EVERY_MONDAY, MONDAY, stored
from tests.todos.test_tools import invoke
from todos.changes import last_change_undo
from todos.models import TaskChange
from todos.services import task_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_tool_records_the_completion_and_undo_brings_the_date_back(user):
    task = task_create(
        owner=user,
        title="pay rent",
        due_date=date(2040, 1, 1),
        recurrence="FREQ=MONTHLY;BYMONTHDAY=1",
    )
    result = invoke(user, "complete_task", number=task.number)
    assert result["ok"] and result["moved_to_next"] is True
    assert result["task"]["due_date"] == "2040-02-01"
    assert result["task"]["recurrence_text"] == "every month on the 1st"
    change = TaskChange.objects.get(owner=user)
    assert change.kind == TaskChange.Kind.COMPLETE
    assert (change.before["due_date"], change.after["due_date"]) == ("2040-01-01", "2040-02-01")
    undone = invoke(user, "undo_last_change")
    assert undone["ok"] and undone["task"]["due_date"] == "2040-01-01"
    assert stored(task) == (date(2040, 1, 1), None, "FREQ=MONTHLY;BYMONTHDAY=1", False)


def test_undo_restores_the_time_and_the_count(user):
    task = task_create(
        owner=user, title="t", due_date=MONDAY, due_time="08:00", recurrence="FREQ=DAILY;COUNT=5"
    )
    invoke(user, "complete_task", number=task.number)
    assert stored(task) == (date(2040, 1, 3), time(8, 0), "FREQ=DAILY;COUNT=4", False)
    last_change_undo(user=user)
    assert stored(task) == (MONDAY, time(8, 0), "FREQ=DAILY;COUNT=5", False)


# --- tools ----------------------------------------------------------------------------------


def test_add_task_takes_a_time_and_a_repeat(user):
    result = invoke(
        user,
        "add_task",
        title="standup",
        due_date="2040-01-02",
        due_time="09:30",
        recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    )
    assert result["ok"], result
    assert result["task"]["due_time"] == "09:30"
    assert result["task"]["recurrence_text"] == "every weekday"


@pytest.mark.parametrize(
    "arguments, field",
    [
        ({"due_time": "09:30"}, "due_time"),
        ({"due_date": "2040-01-02", "due_time": "half past"}, "due_time"),
        ({"due_date": "2040-01-02", "recurrence": "every monday"}, "recurrence"),
        ({"due_date": "2040-01-02", "recurrence": "FREQ=MINUTELY"}, "recurrence"),
    ],
)
def test_tool_errors_name_the_argument(user, arguments, field):
    result = invoke(user, "add_task", title="t", **arguments)
    assert result["ok"] is False and result["error"].startswith(f"{field}:")


def test_update_task_sets_clears_and_stops(user):
    task = task_create(owner=user, title="t", due_date=MONDAY)
    result = invoke(
        user, "update_task", number=task.number, due_time="18:00", recurrence="FREQ=DAILY"
    )
    assert (result["task"]["due_time"], result["task"]["recurrence_text"]) == ("18:00", "every day")
    result = invoke(user, "update_task", number=task.number, due_time="", recurrence="")
    assert (result["task"]["due_time"], result["task"]["recurrence_text"]) == (None, "")


def test_bulk_complete_moves_repeating_tasks_and_completes_the_others(user):
    repeating = task_create(owner=user, title="r", due_date=MONDAY, recurrence=EVERY_MONDAY)
    plain = task_create(owner=user, title="p", due_date=MONDAY)
    result = invoke(
        user, "bulk_update_tasks", numbers=[repeating.number, plain.number], action="complete"
    )
    assert result["ok"], result
    assert stored(repeating) == (date(2040, 1, 9), None, EVERY_MONDAY, False)
    assert stored(plain)[3] is True
    undone = invoke(user, "undo_last_change")
    assert undone["ok"]
    assert stored(repeating) == (MONDAY, None, EVERY_MONDAY, False)
    assert stored(plain)[3] is False


def test_bulk_clear_due_date_clears_time_and_repeat(user):
    task = task_create(
        owner=user, title="t", due_date=MONDAY, due_time="07:00", recurrence="FREQ=DAILY"
    )
    invoke(user, "bulk_update_tasks", numbers=[task.number], action="clear_due_date")
    assert stored(task) == (None, None, "", False)


def test_list_tasks_takes_the_new_due_filters(user):
    tomorrow = local_today("Pacific/Kiritimati") + timedelta(days=1)
    task_create(owner=user, title="tomorrow there", due_date=tomorrow)
    listed = invoke(user, "list_tasks", due="tomorrow", time_zone="Pacific/Kiritimati")
    assert [task["title"] for task in listed["tasks"]] == ["tomorrow there"]
    assert invoke(user, "list_tasks", due="next_week")["ok"]
