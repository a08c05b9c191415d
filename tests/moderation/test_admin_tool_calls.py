"""The admin refuses tool calls the product cannot show, and shows odd stored ones anyway."""

import json

import pytest

from chat import export
from chat.models import Conversation, Message

from .conftest import change_url

pytestmark = pytest.mark.django_db

GOOD = [{"call_id": "call_1", "name": "add_task", "arguments": {"title": "milk"}, "output": {}}]


@pytest.fixture
def reply(user, make_conversation) -> Message:
    conversation = make_conversation(user, "Chat", [("user", "hi"), ("assistant", "Hello")])
    return conversation.messages.get(role="assistant")


def post_tool_calls(client, message: Message, tool_calls: str):
    data = {
        "conversation": message.conversation_id,
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "tool_calls": tool_calls,
        "run_id": "",
        "model_name": "",
        "input_tokens": "",
        "output_tokens": "",
        "time_to_first_token_ms": "",
        "duration_ms": "",
        "error_code": "",
    }
    return client.post(f"/admin/chat/message/{message.pk}/change/", data)


@pytest.mark.parametrize(
    "tool_calls",
    [
        '{"call_id": "c"}',
        '"text"',
        "[1]",
        '[{"call_id": "c", "name": "add_task", "arguments": "title=milk"}]',
        '[{"name": "add_task", "arguments": {}}]',
    ],
)
def test_a_shape_the_product_cannot_show_is_refused(superuser_client, reply, tool_calls):
    response = post_tool_calls(superuser_client, reply, tool_calls)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tool_calls"]
    reply.refresh_from_db()
    assert reply.tool_calls == []


def test_well_formed_tool_calls_are_saved(superuser_client, reply):
    response = post_tool_calls(superuser_client, reply, json.dumps(GOOD))
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.tool_calls == GOOD


def test_an_emptied_field_saves_no_tool_calls(superuser_client, reply):
    reply.tool_calls = GOOD
    reply.save()
    assert post_tool_calls(superuser_client, reply, "").status_code == 302
    reply.refresh_from_db()
    assert reply.tool_calls == []


@pytest.mark.parametrize("stored", [5, "text", {"a": 1}, [1, GOOD[0]]])
def test_the_transcript_and_exports_show_odd_stored_values(moderator_client, reply, stored):
    Message.objects.filter(pk=reply.pk).update(tool_calls=stored)
    assert moderator_client.get(change_url(reply.conversation)).status_code == 200
    conversations = Conversation.objects.filter(pk=reply.conversation_id)
    assert "Tool call" in "".join(export.export_markdown(conversations))
