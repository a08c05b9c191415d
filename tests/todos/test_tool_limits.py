"""A turn's tool calls are capped (AGENT_MAX_TOOL_CALLS) and list_tasks is bounded."""

import json

import pytest
from agents.tool_context import ToolContext
from asgiref.sync import async_to_sync
from django.test import override_settings

from chat.llm.offline.replies import listing_text
from tests.conftest import bearer
from tests.todos.factories import bulk_tasks
from todos.models import Task
from todos.tools import LIST_TASKS_MAX, TASK_TOOLS, TaskToolContext

TOOLS = {tool.name: tool for tool in TASK_TOOLS}
pytestmark = pytest.mark.django_db(transaction=True)


def invoke(context: TaskToolContext, name: str, **arguments) -> dict:
    raw = json.dumps(arguments)
    tool_context = ToolContext(
        context=context, tool_name=name, tool_call_id="call_test", tool_arguments=raw
    )
    return json.loads(async_to_sync(TOOLS[name].on_invoke_tool)(tool_context, raw))


@override_settings(AGENT_MAX_TOOL_CALLS=3)
def test_calls_past_the_limit_answer_an_error_and_change_nothing(user):
    run = TaskToolContext(user=user)
    results = [invoke(run, "add_task", title=f"task {n}") for n in range(3)]
    refused = invoke(run, "add_task", title="one too many")
    assert all(result["ok"] for result in results)
    assert refused == {
        "ok": False,
        "error": "At most 3 tool calls per message; send the rest in another message.",
    }
    assert invoke(run, "list_tasks")["ok"] is False  # every tool counts
    assert Task.objects.filter(owner=user).count() == 3
    assert invoke(TaskToolContext(user=user), "list_tasks")["ok"]  # the next run starts afresh


def test_the_default_limit_is_20(user):
    assert TaskToolContext(user=user).max_tool_calls == 20


def test_list_tasks_shows_at_most_50_and_counts_the_rest(user):
    bulk_tasks(user, (f"task {n}" for n in range(LIST_TASKS_MAX + 7)))
    listed = invoke(TaskToolContext(user=user), "list_tasks")
    assert len(listed["tasks"]) == LIST_TASKS_MAX == 50 and listed["more"] == 7
    assert invoke(TaskToolContext(user=user), "list_tasks", status="completed")["more"] == 0


def test_the_offline_model_counts_what_a_listing_does_not_show():
    output = {"ok": True, "status": "all", "tasks": [{"number": 1, "title": "a"}], "more": 4}
    assert listing_text(output) == "You have 5 tasks:\n- #1 a\n\u2026and 4 more."


def test_an_add_of_25_tasks_adds_20_and_the_reply_says_why_once(client, user):
    titles = [f"item{n}" for n in range(25)]
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": "add " + ", ".join(titles)},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 200
    body = response.json()
    assert Task.objects.filter(owner=user).count() == 20
    assert body["response"].startswith("Added 20 tasks:")
    error = "Sorry, that didn't work: At most 20 tool calls per message"
    assert body["response"].count(error) == 1
    assert sum(not call["output"]["ok"] for call in body["tool_calls"]) == 5
