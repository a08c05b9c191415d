"""GET /api/auth/me/export/: everything stored about the caller, one JSON document, streamed
as an attachment, and nobody else's data."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.utils import timezone

from accounts import export
from chat.models import Message
from tests.accounts.conftest import bearer_client
from tests.api.conftest import assert_error
from tests.conftest import bearer
from todos.models import TaskChange

pytestmark = pytest.mark.django_db

ADD = {"call_id": "c1", "name": "add_task", "arguments": {"title": "milk"}, "output": {"ok": True}}
LIST = {"call_id": "c2", "name": "list_tasks", "arguments": {}, "output": {"tasks": []}}
STOPPED = {"call_id": "c3", "name": "delete_task", "arguments": {"number": 1}}


@pytest.fixture
def alices_data(user, other_user, make_conversation, make_task):
    tasks = [
        make_task(user, "buy milk"),
        make_task(user, "call mum", completed=True, completed_at=timezone.now()),
    ]
    first = make_conversation(
        user,
        "groceries",
        [
            ("user", "add milk"),
            (
                "assistant",
                "Added milk.",
                {"tool_calls": [ADD], "input_tokens": 12, "output_tokens": 5, "model_name": "m"},
            ),
        ],
    )
    second = make_conversation(
        user,
        "chores",
        [
            ("user", "list and delete"),
            ("assistant", "Stopped.", {"tool_calls": [LIST, STOPPED], "status": "interrupted"}),
            ("user", "again"),
            ("assistant", "", {"status": "error", "error_code": "model_timeout"}),
        ],
    )
    TaskChange.objects.create(
        owner=user, call_id="c1", kind="add", task_id=tasks[0].pk, after={"title": "buy milk"}
    )
    TaskChange.objects.create(
        owner=other_user, call_id="m1", kind="add", task_id=999, after={"title": "mallory's"}
    )
    make_task(other_user, "mallory's secret task")
    make_conversation(other_user, "mallory's chat", [("user", "mallory's secret message")])
    return {"tasks": tasks, "conversations": [first, second]}


def _download(client):
    response = client.get("/api/auth/me/export/")
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


def test_the_export_has_every_message_and_tool_call_and_only_this_users_data(
    api, user, alices_data
):
    response, raw = _download(api)

    assert response.streaming
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="taskstream-alice-')
    assert b"mallory" not in raw
    document = json.loads(raw)
    assert set(document) == {
        "exported_at",
        "user",
        "lists",
        "tasks",
        "task_changes",
        "conversations",
    }
    assert [each["name"] for each in document["lists"]] == ["Inbox"]
    assert {task["list"] for task in document["tasks"]} == {document["lists"][0]["id"]}
    assert document["user"]["id"] == user.pk and document["user"]["username"] == "alice"
    assert "password" not in document["user"]
    assert [task["title"] for task in document["tasks"]] == ["buy milk", "call mum"]
    assert document["tasks"][1]["completed"] is True
    (change,) = document["task_changes"]
    assert change["call_id"] == "c1" and change["kind"] == "add"
    assert change["before"] is None and change["after"] == {"title": "buy milk"}

    exported = {c["id"]: c for c in document["conversations"]}
    assert list(exported) == [c.pk for c in alices_data["conversations"]]
    for conversation in alices_data["conversations"]:
        stored = list(Message.objects.filter(conversation=conversation))
        messages = exported[conversation.pk]["messages"]
        assert [m["id"] for m in messages] == [m.pk for m in stored]
        for message, original in zip(messages, stored, strict=True):
            assert message["content"] == original.content
            assert message["status"] == original.status
            assert message["tool_calls"] == original.tool_calls
            assert message["input_tokens"] == original.input_tokens
    groceries, chores = document["conversations"]
    assert groceries["messages"][1]["tool_calls"] == [ADD]
    assert groceries["messages"][1]["output_tokens"] == 5
    assert chores["messages"][1]["tool_calls"] == [LIST, STOPPED]
    assert chores["messages"][3]["error_code"] == "model_timeout"


def test_the_file_is_indented_for_people_and_keeps_their_words(api, user, make_conversation):
    """Issue 27, item 15: one object per line, indented, not a single 7 KB line."""
    make_conversation(user, "café", [("user", "add crème brûlée")])
    raw = _download(api)[1].decode()
    lines = raw.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert '  "tasks": [],' in lines
    assert '          "content": "add crème brûlée",' in lines  # conversations[0].messages[0]
    assert max(map(len, lines)) < 200
    assert json.loads(raw)["conversations"][0]["title"] == "café"


def test_the_export_leaves_out_who_flagged_a_conversation_and_why(
    api, user, make_user, make_conversation
):
    """Issue 27, item 15: the owner learns that a conversation was flagged, and when; the
    moderator's name and reason (an internal note) stay with the moderators."""
    from chat.moderation import conversation_flag

    moderator = make_user("moderator-jane", is_staff=True, is_superuser=True)
    conversation = make_conversation(user, "groceries", [("user", "add milk")])
    conversation_flag(conversation=conversation, moderator=moderator, reason="looks like spam")
    _, raw = _download(api)

    assert b"moderator-jane" not in raw and b"looks like spam" not in raw
    (exported,) = json.loads(raw)["conversations"]
    assert exported["flagged"] is True and exported["flagged_at"]
    assert "flagged_by" not in exported and "flag_reason" not in exported


def test_another_user_exports_only_their_own(other_user, alices_data, client):
    client.force_login(other_user)
    _, raw = _download(client)
    document = json.loads(raw)
    assert document["user"]["username"] == "mallory"
    assert [c["title"] for c in document["conversations"]] == ["mallory's chat"]
    assert b"groceries" not in raw and b"buy milk" not in raw


def test_an_empty_account_exports_empty_lists(api):
    document = json.loads(_download(api)[1])
    assert document["tasks"] == [] and document["conversations"] == []
    assert document["task_changes"] == []


def test_unauthenticated_is_401(anon_api):
    assert_error(anon_api.get("/api/auth/me/export/"), 401, "not_authenticated")


def test_a_revoked_token_cannot_export(user, tokens):
    client = bearer_client(tokens["access"])
    client.post("/api/auth/logout/", {"all": True}, format="json")
    assert_error(client.get("/api/auth/me/export/"), 401, "token_not_valid")


@pytest.mark.django_db(transaction=True)
def test_the_export_streams_piece_by_piece_under_asgi(monkeypatch, user, make_conversation):
    monkeypatch.setattr(export, "CHUNK_SIZE", 2)
    for number in range(5):
        make_conversation(user, f"chat {number}", [("user", f"hi {number}")])

    authorization = bearer(user)

    async def download():
        response = await AsyncClient().get(
            "/api/auth/me/export/", headers={"Authorization": authorization}
        )
        return response, [part async for part in response.streaming_content]

    response, parts = async_to_sync(download)()

    assert response.status_code == 200
    assert response.is_async  # not drained into a list by Django before sending
    # Opening with the profile, the tasks' array (empty), one piece per conversation, closing.
    assert len(parts) >= 5 + 2
    document = json.loads(b"".join(parts))
    assert [c["messages"][0]["content"] for c in document["conversations"]] == [
        f"hi {n}" for n in range(5)
    ]
