"""/api/<user_id>/conversations/: list, retrieve, rename, delete."""

import uuid

import pytest

from chat.conversations import PREVIEW_MAX_CHARS
from chat.models import TITLE_MAX_LENGTH, Conversation, Message
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

USER, ASSISTANT = Message.Role.USER, Message.Role.ASSISTANT
STREAMING = {"status": Message.Status.STREAMING}


def conversations_url(user) -> str:
    return f"/api/{user.id}/conversations/"


def conversation_url(user, conversation) -> str:
    return f"/api/{user.id}/conversations/{conversation.id}/"


# --- list ------------------------------------------------------------------------------------


def test_list_with_message_count_and_last_message_preview(api, user, make_conversation):
    long_reply = "Sure. " + "x" * 300
    conversation = make_conversation(
        user, "Groceries", [(USER, "Add milk"), (ASSISTANT, long_reply)]
    )

    response = api.get(conversations_url(user))
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == conversation.id
    assert item["title"] == "Groceries"
    assert item["message_count"] == 2
    assert item["last_message_role"] == "assistant"
    assert item["last_message_preview"] == long_reply[:PREVIEW_MAX_CHARS]
    assert item["last_message_at"] is not None
    assert {"created_at", "updated_at"} <= set(item)


def test_list_preview_is_the_last_message(api, user, make_conversation):
    make_conversation(user, messages=[(USER, "first"), (ASSISTANT, "second"), (USER, "third")])
    [item] = api.get(conversations_url(user)).json()["results"]
    assert (item["message_count"], item["last_message_preview"]) == (3, "third")
    assert item["last_message_role"] == "user"


def test_list_preview_skips_a_reply_without_text(api, user, make_conversation):
    make_conversation(user, messages=[(USER, "add milk"), (ASSISTANT, "", STREAMING)])
    [item] = api.get(conversations_url(user)).json()["results"]
    assert item["message_count"] == 2
    assert (item["last_message_role"], item["last_message_preview"]) == ("user", "add milk")


def test_list_empty_conversation(api, user, make_conversation):
    make_conversation(user)
    [item] = api.get(conversations_url(user)).json()["results"]
    assert item["message_count"] == 0
    assert item["last_message_role"] is None
    assert item["last_message_preview"] is None
    assert item["last_message_at"] is None


def test_list_newest_first(api, user, make_conversation):
    old = make_conversation(user, "old", updated_minutes_ago=30)
    recent = make_conversation(user, "recent", updated_minutes_ago=1)
    middle = make_conversation(user, "middle", updated_minutes_ago=10)

    results = api.get(conversations_url(user)).json()["results"]
    assert [c["id"] for c in results] == [recent.id, middle.id, old.id]


def test_list_only_mine(api, user, other_user, make_conversation):
    mine = make_conversation(user, "mine", [(USER, "hello")])
    make_conversation(other_user, "theirs", [(USER, "secret"), (ASSISTANT, "shh")])
    body = api.get(conversations_url(user)).json()
    assert body["count"] == 1
    assert [c["id"] for c in body["results"]] == [mine.id]
    assert body["results"][0]["message_count"] == 1


def test_list_is_paginated(api, user, make_conversation):
    for number in range(23):
        make_conversation(user, f"chat {number}", updated_minutes_ago=number)

    first = api.get(conversations_url(user)).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (23, 20, None)
    second = api.get(first["next"]).json()
    assert (second["count"], len(second["results"]), second["next"]) == (23, 3, None)
    assert [c["title"] for c in second["results"]] == ["chat 20", "chat 21", "chat 22"]


@pytest.mark.parametrize("page", ["abc", "0", "3"])
def test_list_bad_page_is_404(api, user, make_conversation, page):
    make_conversation(user)
    assert_error(api.get(conversations_url(user), {"page": page}), 404, "not_found")


@pytest.mark.parametrize("conversations", [3, 30])
def test_list_query_count_does_not_grow(
    api, user, make_conversation, django_assert_num_queries, conversations
):
    for number in range(conversations):
        make_conversation(user, f"chat {number}", [(USER, f"q{number}"), (ASSISTANT, "a")])

    # The JWT's user, the page count, the page: the same for 3 conversations or 30.
    with django_assert_num_queries(3):
        response = api.get(conversations_url(user))
    results = response.json()["results"]
    assert len(results) == min(conversations, 20)
    assert all(item["message_count"] == 2 for item in results)


# --- retrieve --------------------------------------------------------------------------------


def test_retrieve_messages_in_order_with_tool_calls(api, user, make_conversation):
    run_id = uuid.uuid4()
    tool_calls = [
        {
            "call_id": "call_1",
            "name": "add_task",
            "arguments": {"title": "Buy milk"},
            "output": {"ok": True, "task": {"id": 1}},
        },
        # Cut off before the tool returned: no output yet.
        {"call_id": "call_2", "name": "list_tasks", "arguments": {}},
    ]
    conversation = make_conversation(
        user,
        "Groceries",
        [
            (USER, "Add milk"),
            (
                ASSISTANT,
                "Added it.",
                {
                    "tool_calls": tool_calls,
                    "run_id": run_id,
                    "model_name": "offline",
                    "input_tokens": 12,
                    "output_tokens": 5,
                    "time_to_first_token_ms": 40,
                    "duration_ms": 300,
                },
            ),
            (USER, "Thanks"),
            (ASSISTANT, "", {"status": Message.Status.ERROR, "error_code": "model_timeout"}),
        ],
    )

    response = api.get(conversation_url(user, conversation))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"]) == (conversation.id, "Groceries")
    messages = body["messages"]
    assert [(m["role"], m["content"], m["status"]) for m in messages] == [
        ("user", "Add milk", "complete"),
        ("assistant", "Added it.", "complete"),
        ("user", "Thanks", "complete"),
        ("assistant", "", "error"),
    ]
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)
    reply = messages[1]
    # No change was recorded for these calls (they were not made by a tool): not undoable.
    not_undoable = {"undoable": False, "undone_at": None, "undone_by": None}
    assert reply["tool_calls"] == [
        {**tool_calls[0], **not_undoable},
        {**tool_calls[1], "output": None, **not_undoable},
    ]
    assert reply["run_id"] == str(run_id)
    assert (reply["model_name"], reply["input_tokens"], reply["output_tokens"]) == (
        "offline",
        12,
        5,
    )
    assert (reply["time_to_first_token_ms"], reply["duration_ms"]) == (40, 300)
    assert messages[3]["error_code"] == "model_timeout"
    assert messages[0]["tool_calls"] == [] and messages[0]["run_id"] is None


def test_retrieve_empty_conversation(api, user, make_conversation):
    conversation = make_conversation(user)
    assert api.get(conversation_url(user, conversation)).json()["messages"] == []


# --- rename ----------------------------------------------------------------------------------


def test_rename(api, user, make_conversation):
    conversation = make_conversation(user, "Old", [(USER, "hi")])
    response = api.patch(conversation_url(user, conversation), {"title": "  New  "}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "New"
    assert len(response.json()["messages"]) == 1
    conversation.refresh_from_db()
    assert conversation.title == "New"


@pytest.mark.parametrize(
    "payload",
    [{"title": ""}, {"title": "   "}, {"title": None}, {"title": "x" * (TITLE_MAX_LENGTH + 1)}],
)
def test_rename_validation(api, user, make_conversation, payload):
    conversation = make_conversation(user, "Old")
    response = api.patch(conversation_url(user, conversation), payload, format="json")
    assert_error(response, 400, "invalid", {"title"})
    conversation.refresh_from_db()
    assert conversation.title == "Old"


def test_rename_bad_json(api, user, make_conversation):
    conversation = make_conversation(user)
    response = api.generic(
        "PATCH", conversation_url(user, conversation), "title=x", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


# --- delete ----------------------------------------------------------------------------------


def test_delete_removes_the_conversation_and_its_messages(api, user, make_conversation):
    conversation = make_conversation(user, messages=[(USER, "hi"), (ASSISTANT, "hello")])
    kept = make_conversation(user, messages=[(USER, "keep me")])

    response = api.delete(conversation_url(user, conversation))
    assert response.status_code == 204
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Message.objects.filter(conversation_id=conversation.pk).exists()
    assert Message.objects.filter(conversation=kept).count() == 1
    assert_error(api.get(conversation_url(user, conversation)), 404, "not_found")


def test_delete_while_a_reply_is_streaming_is_409(api, user, make_conversation, settings):
    settings.CHAT_RUN_TIMEOUT_S = 3 * 3600  # the fixture's messages are an hour old
    conversation = make_conversation(user, messages=[(USER, "hi"), (ASSISTANT, "hel", STREAMING)])
    response = api.delete(conversation_url(user, conversation))
    body = assert_error(response, 409, "run_active")
    assert "streaming" in body["detail"]
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_a_reply_streaming_for_longer_than_any_run_can_does_not_block_delete(
    api, user, make_conversation, settings
):
    # A process that died mid-run leaves its reply "streaming"; a run never lasts this long.
    settings.CHAT_RUN_TIMEOUT_S = 600
    conversation = make_conversation(user, messages=[(USER, "hi"), (ASSISTANT, "hel", STREAMING)])
    assert api.delete(conversation_url(user, conversation)).status_code == 204


@pytest.mark.parametrize(
    "status", [s for s in Message.Status.values if s != Message.Status.STREAMING]
)
def test_delete_after_the_reply_ended(api, user, make_conversation, status):
    conversation = make_conversation(
        user, messages=[(USER, "hi"), (ASSISTANT, "hello", {"status": status})]
    )
    assert api.delete(conversation_url(user, conversation)).status_code == 204


# --- another user's conversations do not exist -----------------------------------------------


@pytest.mark.parametrize(
    "method, payload", [("get", None), ("patch", {"title": "pwned"}), ("delete", None)]
)
def test_another_users_conversation_is_404(
    api, user, other_user, make_conversation, method, payload
):
    theirs = make_conversation(other_user, "theirs", [(USER, "secret")])
    url = f"/api/{user.id}/conversations/{theirs.id}/"
    response = getattr(api, method)(url, payload, format="json")
    body = assert_error(response, 404, "not_found")
    assert "secret" not in response.content.decode() and "theirs" not in body["detail"]
    theirs.refresh_from_db()
    assert theirs.title == "theirs"
    assert Message.objects.filter(conversation=theirs).count() == 1


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_missing_conversation_is_404(api, user, method):
    response = getattr(api, method)(f"/api/{user.id}/conversations/999999/", {}, format="json")
    assert_error(response, 404, "not_found")
