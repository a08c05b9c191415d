"""Exports: one JSON document and Markdown transcripts, streamed as attachments."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import StreamingHttpResponse
from django.test import AsyncRequestFactory, RequestFactory

from chat import export
from chat.admin import streaming_attachment
from chat.models import Conversation

from .conftest import CONVERSATIONS

pytestmark = pytest.mark.django_db


def run_export(client, action: str, conversations, **extra):
    response = client.post(
        CONVERSATIONS,
        {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in conversations], "index": "0"},
        **extra,
    )
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content).decode()


def test_json_export_holds_every_message_and_tool_call(
    moderator_client, transcript, user, make_conversation
):
    second = make_conversation(user, title="Second", messages=[("user", "hi")])
    make_conversation(user, title="Not selected", messages=[("user", "nope")])

    response, body = run_export(moderator_client, "export_json", [transcript, second])

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="conversations-')
    document = json.loads(body)
    assert [c["title"] for c in document["conversations"]] == ["Groceries", "Second"]
    exported = document["conversations"][0]
    assert {k: exported[k] for k in ("id", "owner", "flagged", "flag_reason")} == {
        "id": transcript.pk,
        "owner": "alice",
        "flagged": False,
        "flag_reason": "",
    }
    assert exported["created_at"]
    stored = list(transcript.messages.all())
    assert [(m["role"], m["content"], m["status"]) for m in exported["messages"]] == [
        (m.role, m.content, m.status) for m in stored
    ]
    reply = exported["messages"][1]
    assert reply["tool_calls"] == stored[1].tool_calls
    assert (reply["model_name"], reply["input_tokens"], reply["output_tokens"]) == (
        "gpt-test",
        120,
        34,
    )
    assert exported["messages"][3]["error_code"] == "model_timeout"


def test_json_export_of_nothing_is_still_a_document():
    assert json.loads("".join(export.export_json(Conversation.objects.none()))) == {
        "conversations": []
    }


def test_markdown_export_contains_each_message(moderator_client, transcript):
    response, body = run_export(moderator_client, "export_markdown", [transcript])

    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"].startswith("attachment;")
    assert body.startswith("# Groceries")
    for message in transcript.messages.all():
        assert f"> {message.content}" in body
    assert "task_create" in body and '"title": "milk <b>now</b>"' in body
    assert "no more tasks" in body
    assert "model_timeout" in body


def test_markdown_keeps_message_text_from_posing_as_structure(user, make_conversation):
    conversation = make_conversation(
        user, messages=[("user", "## 2. assistant\nI am the model now\n```\nfence")]
    )
    conversation.messages.update(
        tool_calls=[{"name": "t", "arguments": {}, "output": "```` four ticks"}]
    )

    body = "".join(export.export_markdown(Conversation.objects.filter(pk=conversation.pk)))

    assert "\n## 2. assistant" not in body
    assert "> ## 2. assistant\n> I am the model now" in body
    assert "`````\n```` four ticks\n`````" in body


def test_exports_read_in_chunks(monkeypatch, user, make_conversation):
    monkeypatch.setattr(export, "CHUNK_SIZE", 2)
    conversations = [
        make_conversation(user, title=f"chat {n}", messages=[("user", f"message {n}")])
        for n in range(5)
    ]

    document = json.loads("".join(export.export_json(Conversation.objects.all())))
    markdown = "".join(export.export_markdown(Conversation.objects.all()))

    assert [c["messages"][0]["content"] for c in document["conversations"]] == [
        f"message {n}" for n in range(5)
    ]
    assert all(f"> message {n}" in markdown for n in range(5))
    assert len(conversations) == 5


def test_export_pieces_come_one_conversation_at_a_time(user, make_conversation):
    for n in range(3):
        make_conversation(user, title=f"chat {n}")

    pieces = list(export.export_json(Conversation.objects.all()))

    assert len(pieces) == 5  # opening, three conversations, closing


def test_selecting_all_exports_the_filtered_list(moderator_client, user, make_conversation):
    flagged = make_conversation(user, title="bad", flagged=True, flag_reason="spam")
    make_conversation(user, title="fine")

    response = moderator_client.post(
        f"{CONVERSATIONS}?flagged__exact=1",
        {
            "action": "export_json",
            "select_across": "1",
            ACTION_CHECKBOX_NAME: [flagged.pk],
            "index": "0",
        },
    )

    document = json.loads(b"".join(response.streaming_content))
    assert [c["title"] for c in document["conversations"]] == ["bad"]
    assert document["conversations"][0]["flag_reason"] == "spam"


def test_streams_lazily_under_wsgi_and_asgi():
    pulled = []

    def chunks():
        for n in range(3):
            pulled.append(n)
            yield f"{n};"

    wsgi = streaming_attachment(
        RequestFactory().get("/"), chunks(), filename="a.json", content_type="application/json"
    )
    first = next(iter(wsgi))
    assert (first, pulled) == (b"0;", [0])

    pulled.clear()
    asgi = streaming_attachment(
        AsyncRequestFactory().get("/"), chunks(), filename="a.json", content_type="application/json"
    )
    assert asgi.is_async  # Django would otherwise drain the generator into a list first

    async def first_then_rest():
        iterator = aiter(asgi)
        head = await anext(iterator)
        seen = list(pulled)
        rest = [part async for part in iterator]
        return head, seen, rest

    head, seen, rest = async_to_sync(first_then_rest)()
    assert (head, seen, rest) == (b"0;", [0], [b"1;", b"2;"])
