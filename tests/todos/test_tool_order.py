"""A turn's tool calls change the list in the order the model made them, one at a time.

The SDK starts a turn's calls at once and each runs on a database thread: without an order,
"add milk" and "add eggs" could number eggs first, and "complete #3" could run before the
"add" that made #3.
"""

import asyncio
import json

import pytest
from agents.tool_context import ToolContext
from asgiref.sync import async_to_sync

from tests.todos.factories import bulk_tasks
from todos.models import Task
from todos.tools import TASK_TOOLS, TaskToolContext

TOOLS = {tool.name: tool for tool in TASK_TOOLS}
pytestmark = pytest.mark.django_db(transaction=True)


def test_calls_made_together_run_one_at_a_time_in_the_models_order(user):
    bulk_tasks(user, (f"task {n}" for n in range(1, 401)))
    recorded = []
    run = TaskToolContext(user=user, record_call=lambda call_id, *_: recorded.append(call_id))
    calls = [  # the first is the slowest: 400 tasks in one change
        ("bulk_update_tasks", {"numbers": list(range(1, 401)), "action": "complete"}),
        ("add_task", {"title": "milk"}),
        ("add_task", {"title": "eggs"}),
        ("complete_task", {"number": 402}),
    ]

    async def turn() -> list[str]:
        return await asyncio.gather(
            *(
                TOOLS[name].on_invoke_tool(
                    ToolContext(
                        context=run,
                        tool_name=name,
                        tool_call_id=f"call_{index}",
                        tool_arguments=json.dumps(arguments),
                    ),
                    json.dumps(arguments),
                )
                for index, (name, arguments) in enumerate(calls)
            )
        )

    outputs = [json.loads(output) for output in async_to_sync(turn)()]
    assert all(output["ok"] for output in outputs), outputs
    assert recorded == ["call_0", "call_1", "call_2", "call_3"]
    added = dict(Task.objects.filter(owner=user, number__gt=400).values_list("title", "number"))
    assert added == {"milk": 401, "eggs": 402}
    assert Task.objects.get(owner=user, number=402).completed
