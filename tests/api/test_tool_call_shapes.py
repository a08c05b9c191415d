"""A reply's stored tool calls in any shape: the owner's API and the model's history cope.

Runs store a list of call objects; an admin edit or an old row may hold something else.
"""

import pytest

from chat.history import history_input_items
from chat.models import Message
from chat.tool_calls import tool_calls_problem

pytestmark = pytest.mark.django_db

GOOD = {"call_id": "call_1", "name": "add_task", "arguments": {"title": "milk"}, "output": {}}
CUT_OFF = {"call_id": "call_2", "name": "list_tasks", "arguments": {}}
MALFORMED_ENTRIES = [
    1,
    "text",
    None,
    [],
    {},
    {"call_id": 3, "name": "add_task", "arguments": {}},
    {"call_id": "c", "name": "", "arguments": {}},
    {"call_id": "c", "name": "add_task", "arguments": "not an object"},
    {"call_id": "c", "name": "add_task"},
]
ODD_VALUES = [{"not": "a list"}, "text", 5, True, [*MALFORMED_ENTRIES, GOOD, CUT_OFF]]


@pytest.fixture(params=ODD_VALUES, ids=["object", "text", "number", "bool", "mixed-list"])
def odd_reply(request, user, make_conversation) -> Message:
    conversation = make_conversation(
        user, "Odd", [("user", "add milk"), ("assistant", "Added.", {"tool_calls": request.param})]
    )
    return conversation.messages.get(role="assistant")


def test_the_owner_reads_the_conversation(api, user, odd_reply):
    response = api.get(f"/api/{user.id}/conversations/{odd_reply.conversation_id}/")
    assert response.status_code == 200
    (reply,) = [m for m in response.json()["messages"] if m["role"] == "assistant"]
    stored = [{key: call[key] for key in GOOD} for call in reply["tool_calls"]]
    if isinstance(odd_reply.tool_calls, list):
        assert stored == [GOOD, {**CUT_OFF, "output": None}]
    else:
        assert reply["tool_calls"] == []


def test_the_models_history_keeps_only_calls_it_can_replay(odd_reply):
    items = history_input_items(odd_reply.conversation.messages.all())
    calls = [item for item in items if item.get("type") == "function_call"]
    expected = ["call_1"] if isinstance(odd_reply.tool_calls, list) else []
    assert [call["call_id"] for call in calls] == expected
    assert items[-1] == {"role": "assistant", "content": "Added."}


def test_every_malformed_entry_is_named():
    assert tool_calls_problem([GOOD, CUT_OFF]) is None
    assert tool_calls_problem([]) is None
    assert tool_calls_problem({"not": "a list"}) == "Tool calls must be a list of objects."
    for entry in MALFORMED_ENTRIES:
        assert tool_calls_problem([GOOD, entry]).startswith("Tool call 2: ")
