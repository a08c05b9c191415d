"""The agent's task tools, invoked as the SDK invokes them: JSON arguments in, JSON out."""

import json

import pytest
from agents.tool_context import ToolContext
from asgiref.sync import async_to_sync

from todos.models import Task, TaskChange
from todos.services import task_complete, task_create
from todos.tools import TASK_TOOLS, TaskToolContext

TOOLS = {tool.name: tool for tool in TASK_TOOLS}
pytestmark = pytest.mark.django_db(transaction=True)


def invoke(user, tool: str, /, time_zone: str = "", **arguments) -> dict:
    raw = json.dumps(arguments)
    context = ToolContext(
        context=TaskToolContext(user=user, time_zone=time_zone),
        tool_name=tool,
        tool_call_id="call_test",
        tool_arguments=raw,
    )
    return json.loads(async_to_sync(TOOLS[tool].on_invoke_tool)(context, raw))


def test_the_tools_and_no_user_parameter():
    assert set(TOOLS) == {
        "add_task",
        "list_tasks",
        "complete_task",
        "delete_task",
        "update_task",
        "bulk_update_tasks",
        "list_lists",
        "create_list",
        "rename_list",
        "delete_list",
        "undo_last_change",
    }
    for tool in TASK_TOOLS:
        properties = tool.params_json_schema["properties"]
        assert not {"user", "user_id", "owner"} & set(properties), tool.name
        assert tool.description


def test_add_task(user):
    result = invoke(user, "add_task", title="  buy milk ", description="2 litres")
    assert result == {
        "ok": True,
        "action": "added",
        "task": {
            "number": 1,
            "title": "buy milk",
            "description": "2 litres",
            "completed": False,
            "due_date": None,
            "due_time": None,
            "recurrence_text": "",
            "reminders": [],
            "priority": 4,
            "list": "Inbox",
        },
    }


def test_add_task_without_description(user):
    assert invoke(user, "add_task", title="call mom")["task"]["description"] == ""


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_add_task_with_a_bad_title_is_an_error_result(user, title):
    result = invoke(user, "add_task", title=title)
    assert result["ok"] is False and "title" in result["error"].lower()
    assert not Task.objects.exists()


def test_a_title_too_long_is_explained_in_plain_words(user):
    result = invoke(user, "add_task", title="x" * 300)
    assert result["error"].endswith("Task titles can be up to 200 characters — this one has 300.")


def test_list_tasks_by_status(user, other_user):
    done = task_complete(task=task_create(owner=user, title="done"))
    todo = task_create(owner=user, title="todo")
    task_create(owner=other_user, title="not yours")
    numbers = [t["number"] for t in invoke(user, "list_tasks")["tasks"]]
    assert numbers == [todo.number, done.number] == [2, 1]
    pending = invoke(user, "list_tasks", status="pending")["tasks"]
    assert [t["number"] for t in pending] == [todo.number]
    completed = invoke(user, "list_tasks", status="completed")
    assert completed["status"] == "completed"
    assert [t["number"] for t in completed["tasks"]] == [done.number]


def test_list_tasks_rejects_an_unknown_status(user):
    result = invoke(user, "list_tasks", status="everything")
    assert result["ok"] is False


def test_complete_task(user):
    task = task_create(owner=user, title="ship it")
    result = invoke(user, "complete_task", number=task.number)
    assert result["action"] == "completed" and result["task"]["completed"] is True
    task.refresh_from_db()
    assert task.completed and task.completed_at


def test_delete_task(user):
    task = task_create(owner=user, title="old")
    result = invoke(user, "delete_task", number=task.number)
    assert result == {
        "ok": True,
        "action": "deleted",
        "task": {
            "number": task.number,
            "title": "old",
            "description": "",
            "completed": False,
            "due_date": None,
            "due_time": None,
            "recurrence_text": "",
            "reminders": [],
            "priority": 4,
            "list": "Inbox",
        },
    }
    assert not Task.objects.exists()


def test_update_task_changes_only_given_fields(user):
    task = task_create(owner=user, title="buy milk", description="2 litres")
    result = invoke(user, "update_task", number=task.number, title="buy oat milk", description=None)
    assert result["task"]["title"] == "buy oat milk" and result["task"]["description"] == "2 litres"
    result = invoke(user, "update_task", number=task.number, description="1 litre")
    assert result["task"] == {**result["task"], "title": "buy oat milk", "description": "1 litre"}


@pytest.mark.parametrize(
    "name, extra",
    [("complete_task", {}), ("delete_task", {}), ("update_task", {"title": "hijacked"})],
)
def test_another_users_number_is_not_found_exactly_like_a_missing_one(
    user, other_user, name, extra
):
    task_create(owner=other_user, title="first")
    theirs = task_create(owner=other_user, title="private")  # their #2; alice has only #1
    task_create(owner=user, title="mine")
    foreign = invoke(user, name, number=theirs.number, **extra)
    missing = invoke(user, name, number=999_999, **extra)
    assert foreign == {"ok": False, "error": "You have no task #2."}
    assert missing == {"ok": False, "error": "You have no task #999999."}
    theirs.refresh_from_db()
    assert theirs.title == "private" and not theirs.completed


def test_bad_arguments_never_crash(user):
    tool = TOOLS["complete_task"]
    context = ToolContext(
        context=TaskToolContext(user=user),
        tool_name="complete_task",
        tool_call_id="c",
        tool_arguments="{",
    )
    for raw in ["{", '{"number": "seven"}', "{}", '{"number": 1, "user_id": 2}']:
        result = json.loads(async_to_sync(tool.on_invoke_tool)(context, raw))
        assert result["ok"] is False


def test_each_change_is_recorded_under_the_call_id_with_before_and_after(user):
    invoke(user, "add_task", title="buy milk")
    task = Task.objects.get(owner=user)
    invoke(user, "update_task", number=task.number, title="buy oat milk")
    invoke(user, "complete_task", number=task.number)
    invoke(user, "delete_task", number=task.number)
    invoke(user, "list_tasks")  # a read records nothing

    changes = list(TaskChange.objects.order_by("id"))
    assert [(c.kind, c.call_id, c.task_id, c.owner) for c in changes] == [
        (kind, "call_test", task.id, user) for kind in ("add", "update", "complete", "delete")
    ]
    add, update, complete, delete = changes
    assert add.before is None and add.after["title"] == "buy milk"
    assert update.before == add.after and update.after["title"] == "buy oat milk"
    assert complete.before == update.after
    assert complete.after["completed"] is True and complete.after["completed_at"]
    assert delete.before == complete.after and delete.after is None
    # Every editable field (a field added to Task later too), not the bookkeeping ones.
    assert {"title", "description", "completed", "completed_at", "created_at"} <= set(add.after)
    assert not {"id", "owner", "owner_id", "updated_at"} & set(add.after)


def test_a_call_that_fails_records_no_change(user):
    task = task_create(owner=user, title="buy milk")
    assert invoke(user, "update_task", number=task.number, title="x" * 201)["ok"] is False
    assert invoke(user, "complete_task", number=999_999)["ok"] is False
    assert not TaskChange.objects.exists()


def _invoke_as(user, name: str, call_id: str, **arguments) -> dict:
    raw = json.dumps(arguments)
    context = ToolContext(
        context=TaskToolContext(user=user),
        tool_name=name,
        tool_call_id=call_id,
        tool_arguments=raw,
    )
    return json.loads(async_to_sync(TOOLS[name].on_invoke_tool)(context, raw))


def test_undo_last_change_takes_back_the_latest_change_then_the_one_before(user, other_user):
    """Issue 27, item 4: "undo" undoes the assistant's own last change, for this user only."""
    added = _invoke_as(user, "add_task", "c1", title="buy milk")["task"]
    _invoke_as(user, "complete_task", "c2", number=added["number"])
    _invoke_as(other_user, "add_task", "m1", title="mallory's")

    undone = invoke(user, "undo_last_change")
    assert undone["ok"] is True and undone["action"] == "undone"
    assert undone["call_id"] == "c2" and undone["kind"] == "complete"
    assert undone["task"]["title"] == "buy milk" and undone["task"]["completed"] is False
    assert not Task.objects.get(owner=user).completed

    undone = invoke(user, "undo_last_change")
    assert (undone["call_id"], undone["kind"]) == ("c1", "add")
    assert undone["task"] == {"number": added["number"], "title": "buy milk"}
    assert not Task.objects.filter(owner=user).exists()
    assert TaskChange.objects.get(call_id="c1").undone_by == user

    nothing = invoke(user, "undo_last_change")
    assert nothing == {"ok": False, "error": "There is no change of mine left to undo."}
    assert Task.objects.filter(owner=other_user).count() == 1


def test_undo_last_change_refuses_a_task_changed_since(user):
    _invoke_as(user, "add_task", "c1", title="buy milk")
    task_complete(task=Task.objects.get(owner=user))  # by hand, not by the assistant
    result = invoke(user, "undo_last_change")
    assert result["ok"] is False and "changed since" in result["error"]
    assert Task.objects.get(owner=user).completed
