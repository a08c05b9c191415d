"""The offline model's list, priority, search and bulk phrases, end to end: each phrase sent
to POST /api/<user_id>/chat, answered through the real tools, checked in the database."""

from datetime import date, timedelta

import pytest

from chat.llm.offline.parsing import parse_intent
from tests.conftest import bearer
from todos.lists import list_create
from todos.models import Task, TaskList
from todos.services import task_complete, task_create

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 12, 4)  # a Friday


def chat(client, user, message: str) -> dict:
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": message},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def tasks(user):
    """An Inbox with "pay rent" (overdue) and "call the dentist"; a Groceries list with milk
    and eggs; "buy milk" in the Inbox; one completed task."""
    groceries = list_create(owner=user, name="Groceries")
    yesterday = date.today() - timedelta(days=1)
    task_create(owner=user, title="pay rent", due_date=yesterday)
    task_create(owner=user, title="call the dentist", description="about the filling", priority=1)
    task_create(owner=user, title="milk", task_list=groceries)
    task_create(owner=user, title="eggs", task_list=groceries)
    task_create(owner=user, title="buy milk")
    task_complete(task=task_create(owner=user, title="old thing"))
    return user


def titles(**filters) -> list[str]:
    return sorted(Task.objects.filter(**filters).values_list("title", flat=True))


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) or 7)


PHRASES = [
    (
        "add milk to groceries",
        ["list_lists", "add_task"],
        lambda: titles(list__name="Groceries").count("milk") == 2,
    ),
    (
        "add talk to bob",
        ["list_lists", "add_task"],
        lambda: "talk to bob" in titles(list__is_inbox=True),
    ),
    (
        "add pay rent p1",
        ["add_task"],
        lambda: Task.objects.filter(title="pay rent", priority=1).exists(),
    ),
    (
        "add pay rent high priority",
        ["add_task"],
        lambda: Task.objects.filter(title="pay rent", priority=1).exists(),
    ),
    ("what's on my groceries list?", ["list_tasks"], None),
    ("show my lists", ["list_lists"], None),
    ("show high priority tasks", ["list_tasks"], None),
    (
        "make pay rent urgent",
        ["list_tasks", "update_task"],
        lambda: Task.objects.get(title="pay rent").priority == 1,
    ),
    (
        "move buy milk to groceries",
        ["list_tasks", "update_task"],
        lambda: Task.objects.get(title="buy milk").list.name == "Groceries",
    ),
    ("find dentist", ["list_tasks"], None),
    ("search for RENT", ["list_tasks"], None),
    (
        "complete all groceries",
        ["list_tasks", "bulk_update_tasks"],
        lambda: titles(list__name="Groceries", completed=True) == ["eggs", "milk"],
    ),
    (
        "delete all completed tasks",
        ["list_tasks", "bulk_update_tasks"],
        lambda: "old thing" not in titles(),
    ),
    (
        "move everything overdue to monday",
        ["list_tasks", "bulk_update_tasks"],
        lambda: Task.objects.get(title="pay rent").due_date == next_monday(),
    ),
    (
        "create a list called work",
        ["create_list"],
        lambda: TaskList.objects.filter(name="work").exists(),
    ),
    (
        "rename list groceries to shopping",
        ["rename_list"],
        lambda: TaskList.objects.filter(name="shopping").exists(),
    ),
    (
        "delete the groceries list",
        ["delete_list"],
        lambda: (
            titles(list__is_inbox=True).count("milk") == 1
            and not TaskList.objects.filter(name="Groceries").exists()
        ),
    ),
]
REPLIES = {
    "what's on my groceries list?": ["Groceries has 2 tasks:", "#3 milk", "#4 eggs"],
    "show my lists": ["You have 2 lists:", "- Inbox (3 pending)", "- Groceries (2 pending)"],
    "find dentist": ['1 task match "dentist":', "#2 call the dentist (P1)"],
    "show high priority tasks": ["You have 1 P1 task:", "#2 call the dentist (P1)"],
    "search for RENT": ['1 task match "RENT":', "#1 pay rent"],
    "complete all groceries": ["Completed 2 tasks:", "#3 milk", "#4 eggs"],
    "delete the groceries list": ['Deleted the list "Groceries"; its 2 tasks moved to your Inbox.'],
}


@pytest.mark.parametrize(("message", "tools", "check"), PHRASES, ids=[p[0] for p in PHRASES])
def test_each_phrase_does_what_it_says(client, tasks, message, tools, check):
    reply = chat(client, tasks, message)
    assert [call["name"] for call in reply["tool_calls"]] == tools
    assert all(call["output"]["ok"] for call in reply["tool_calls"]), reply["tool_calls"]
    if check is not None:
        assert check(), reply["response"]
    for text in REPLIES.get(message, []):
        assert text in reply["response"]
    assert "#" in reply["response"] or tools[-1].endswith("list") or tools == ["list_lists"]
    for call in reply["tool_calls"]:  # the model sees numbers, never database ids
        shown = [call["output"].get("task") or {}, *(call["output"].get("tasks") or [])]
        assert not any("id" in task for task in shown)


def test_a_bulk_change_is_one_undoable_chip(client, tasks):
    reply = chat(client, tasks, "complete all groceries")
    bulk = reply["tool_calls"][-1]
    undone = client.post(
        f"/api/{tasks.id}/chat/tool-calls/{bulk['call_id']}/undo",
        HTTP_AUTHORIZATION=bearer(tasks),
    )
    assert undone.status_code == 200, undone.content
    assert len(undone.json()["tasks"]) == 2
    assert titles(list__name="Groceries", completed=True) == []


@pytest.mark.parametrize(
    ("message", "fields"),
    [
        ("add milk to groceries", {"kind": "add", "list_name": "groceries"}),
        ("add pay rent p2", {"kind": "add", "priority": 2}),
        ("add pay rent, low priority", {"kind": "add", "priority": 3}),
        ("add milk to my groceries list", {"kind": "add", "list_said": True}),
        ("what's on my todo list?", {"kind": "list", "list_name": None}),
        ("what's on my plate?", {"kind": "list", "list_name": None}),
        ("show p2 tasks", {"kind": "list", "priority": 2}),
        ("make task 3 p3", {"kind": "update", "priority": 3}),
        ("prioritize pay rent", {"kind": "update", "priority": 1}),
        ("delete all tasks", {"kind": "delete"}),  # still one at a time: no filter named
        ("delete all groceries", {"kind": "bulk", "bulk_action": "delete", "status": "all"}),
        ("clear completed", {"kind": "bulk", "bulk_action": "delete", "status": "completed"}),
        ("move all tasks due today to tomorrow", {"kind": "bulk", "due": "today"}),
        ("move pay rent to monday", {"kind": "update", "new_due_date": "2026-12-07"}),
        ("delete the list work and its tasks", {"kind": "delete_list", "delete_tasks": True}),
        ("what lists do i have?", {"kind": "lists"}),
    ],
)
def test_phrase_table(message, fields):
    intent = parse_intent(message, TODAY)
    assert {name: getattr(intent, name) for name in fields} == fields
