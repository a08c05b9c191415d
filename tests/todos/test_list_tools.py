"""The agent's list, priority, search and bulk tools: tasks by number, lists by name, one
undoable change for a bulk call, and nothing of another user's."""

import pytest

from chat.undo import tool_call_undo
from tests.todos.test_tools import invoke
from todos.lists import inbox_for, list_create
from todos.models import Task, TaskChange
from todos.services import task_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_add_to_a_list_by_name_in_any_case_with_a_priority(user):
    list_create(owner=user, name="Groceries")
    added = invoke(user, "add_task", title="milk", list="groceries", priority=1)
    assert added["task"] | {"list": "Groceries", "priority": 1, "number": 1} == added["task"]
    assert invoke(user, "add_task", title="rent")["task"]["list"] == "Inbox"


def test_an_unknown_list_is_a_clear_error(user):
    result = invoke(user, "add_task", title="milk", list="Groceries")
    assert result == {"ok": False, "error": 'List "Groceries" not found'}
    assert not Task.objects.exists()


def test_list_tasks_by_list_priority_and_search(user):
    work = list_create(owner=user, name="Work")
    task_create(owner=user, title="Café with Ann", priority=2)
    task_create(owner=user, title="report", task_list=work, priority=1)
    task_create(owner=user, title="slides", task_list=work)

    def numbers(**filters):
        result = invoke(user, "list_tasks", **filters)
        assert result["ok"], result
        return [task["number"] for task in result["tasks"]]

    assert numbers(list="work") == [2, 3]
    assert numbers(priority=1) == [2]
    assert numbers(search="CAFÉ") == [1]
    assert numbers(list="work", search="SLIDES") == [3]
    assert invoke(user, "list_tasks", list="work")["list"] == "Work"  # as the user named it
    assert "id" not in invoke(user, "list_tasks")["tasks"][0]


def test_update_moves_and_prioritises(user):
    list_create(owner=user, name="Work")
    task = task_create(owner=user, title="report")
    result = invoke(user, "update_task", number=task.number, list="Work", priority=2)
    assert result["task"]["list"] == "Work" and result["task"]["priority"] == 2


def test_list_tools(user):
    assert invoke(user, "create_list", name="Work")["list"] == {"name": "Work", "inbox": False}
    duplicate = invoke(user, "create_list", name="WORK")
    assert duplicate["ok"] is False and "already have a list" in duplicate["error"]
    renamed = invoke(user, "rename_list", name="work", new_name="Job")
    assert renamed["old_name"] == "Work" and renamed["list"]["name"] == "Job"
    task_create(owner=user, title="report", task_list=inbox_for(owner=user))
    Task.objects.update(list=user.task_lists.get(name="Job"))
    listed = invoke(user, "list_lists")["lists"]
    assert [(x["name"], x["task_count"], x["pending_count"]) for x in listed] == [
        ("Inbox", 0, 0),
        ("Job", 1, 1),
    ]
    deleted = invoke(user, "delete_list", name="Job")
    assert deleted["tasks_moved_to_inbox"] == 1 and Task.objects.get().list.is_inbox
    for name in ("rename_list", "delete_list"):
        arguments = {"name": "Inbox"} | ({"new_name": "x"} if name == "rename_list" else {})
        refused = invoke(user, name, **arguments)
        assert refused["ok"] is False and "Inbox" in refused["error"]


def test_bulk_update_is_one_change_undone_as_one(user):
    for title in ("milk", "eggs", "rent"):
        task_create(owner=user, title=title)
    result = invoke(user, "bulk_update_tasks", numbers=[1, 2], action="complete")
    assert result["ok"] and [t["completed"] for t in result["tasks"]] == [True, True]
    assert set(TaskChange.objects.values_list("call_id", flat=True)) == {"call_test"}
    undone = tool_call_undo(user=user, call_id="call_test")
    assert len(undone.tasks) == 2
    assert not Task.objects.filter(completed=True).exists()


def test_bulk_move_and_priority_and_dates(user):
    list_create(owner=user, name="Work")
    for title in ("a", "b"):
        task_create(owner=user, title=title)
    moved = invoke(user, "bulk_update_tasks", numbers=[1, 2], action="move", list="work")
    assert {t["list"] for t in moved["tasks"]} == {"Work"}
    dated = invoke(
        user, "bulk_update_tasks", numbers=[2], action="set_due_date", due_date="2026-12-07"
    )
    assert dated["tasks"][0]["due_date"] == "2026-12-07"
    urgent = invoke(user, "bulk_update_tasks", numbers=[1], action="set_priority", priority=1)
    assert urgent["tasks"][0]["priority"] == 1


def test_bulk_with_another_users_number_changes_nothing(user, other_user):
    task_create(owner=user, title="mine")
    for title in ("theirs 1", "theirs 2"):
        task_create(owner=other_user, title=title)
    result = invoke(user, "bulk_update_tasks", numbers=[1, 2], action="delete")
    assert result == {"ok": False, "error": "You have no task #2."}
    assert Task.objects.filter(owner=user).count() == 1
    assert Task.objects.filter(owner=other_user).count() == 2
