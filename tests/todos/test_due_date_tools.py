"""Due dates through the agent's tools: ISO in, ISO out, and a clear error for anything else."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from config.timezones import local_today
from tests.todos.test_tools import TOOLS, invoke
from todos.changes import change_undo
from todos.models import Task, TaskChange
from todos.services import task_complete, task_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_date_parameters_are_offered_to_the_model():
    assert "due_date" in TOOLS["add_task"].params_json_schema["properties"]
    update = TOOLS["update_task"].params_json_schema["properties"]
    assert {"due_date", "clear_due_date"} <= set(update)
    due = TOOLS["list_tasks"].params_json_schema["properties"]["due"]
    assert "week" in str(due) and "overdue" in str(due)


def test_add_task_with_a_due_date(user):
    result = invoke(user, "add_task", title="pay rent", due_date="2026-12-04")
    assert result["ok"] is True and result["task"]["due_date"] == "2026-12-04"
    assert Task.objects.get(owner=user).due_date == date(2026, 12, 4)


@pytest.mark.parametrize(
    "bad", ["friday", "2026-13-01", "2026-02-30", "12/05/2026", "20261205", "2026-12-05T10:00", ""]
)
def test_add_task_refuses_a_malformed_date_with_a_clear_error(user, bad):
    result = invoke(user, "add_task", title="pay rent", due_date=bad)
    assert result["ok"] is False
    assert "due_date" in result["error"] and "YYYY-MM-DD" in result["error"]
    assert not Task.objects.exists()


def test_a_date_of_the_wrong_type_is_a_tool_error_not_a_crash(user):
    result = invoke(user, "add_task", title="pay rent", due_date=20261205)
    assert result["ok"] is False
    assert not Task.objects.exists()


def test_update_task_moves_and_clears_the_date(user):
    task = task_create(owner=user, title="pay rent", due_date="2026-12-04")
    moved = invoke(user, "update_task", number=task.number, due_date="2026-12-07")
    assert moved["task"]["due_date"] == "2026-12-07" and moved["task"]["title"] == "pay rent"
    kept = invoke(user, "update_task", number=task.number, title="pay the rent")
    assert kept["task"]["due_date"] == "2026-12-07"
    cleared = invoke(user, "update_task", number=task.number, clear_due_date=True)
    assert cleared["ok"] is True and cleared["task"]["due_date"] is None
    task.refresh_from_db()
    assert task.due_date is None


def test_update_task_refuses_a_malformed_date_and_keeps_the_old_one(user):
    task = task_create(owner=user, title="pay rent", due_date="2026-12-04")
    result = invoke(user, "update_task", number=task.number, due_date="next friday")
    assert result["ok"] is False and "due_date" in result["error"]
    both = invoke(
        user, "update_task", number=task.number, due_date="2026-12-09", clear_due_date=True
    )
    assert both["ok"] is False and "not both" in both["error"]
    task.refresh_from_db()
    assert task.due_date == date(2026, 12, 4)


def test_list_tasks_by_due_counts_from_the_users_zone(user):
    zone = "Pacific/Kiritimati"  # UTC+14: often a day ahead of UTC
    today = local_today(zone)
    due_today = task_create(owner=user, title="today", due_date=today)
    late = task_create(owner=user, title="late", due_date=today - timedelta(days=1))
    task_complete(task=task_create(owner=user, title="late but done", due_date=date(2000, 1, 1)))
    undated = task_create(owner=user, title="someday")

    def ids(**arguments):
        result = invoke(user, "list_tasks", time_zone=zone, **arguments)
        assert result["ok"] is True
        return [task["number"] for task in result["tasks"]]

    assert ids(due="today") == [due_today.number]
    assert ids(due="overdue") == [late.number]
    assert ids(due="week") == [due_today.number]
    assert ids(due="none", status="pending") == [undated.number]
    listed = invoke(user, "list_tasks", time_zone=zone, due="today")
    assert listed["due"] == "today" and listed["tasks"][0]["due_date"] == today.isoformat()


def test_list_tasks_refuses_an_unknown_due_filter(user):
    assert invoke(user, "list_tasks", due="someday")["ok"] is False


def test_undo_puts_the_previous_due_date_back(user):
    task = task_create(owner=user, title="pay rent", due_date="2026-12-04")
    assert invoke(user, "update_task", number=task.number, due_date="2026-12-07")["ok"] is True
    with transaction.atomic():  # as chat.undo calls it: the change locked
        change = TaskChange.objects.select_for_update().get(owner=user)
        change_undo(change=change, user=user)
    task.refresh_from_db()
    assert task.due_date == date(2026, 12, 4)
