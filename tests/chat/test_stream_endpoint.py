"""POST /api/<user_id>/chat/stream end to end: real uvicorn, real SSE client, offline model."""

import json

import httpx
import pytest

from chat.models import Conversation, Message
from tests.conftest import PASSWORD, bearer
from tests.sse import stream_chat
from todos.models import Task


@pytest.fixture
def auth(user):
    return {"Authorization": bearer(user)}


def test_add_buy_milk_streams_tool_events_and_saves_everything(live_server_url, user, auth):
    result = stream_chat(live_server_url, user.id, {"message": "add buy milk"}, auth)

    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/event-stream")
    assert result.headers["cache-control"] == "no-cache"
    assert result.headers["x-accel-buffering"] == "no"
    assert "content-encoding" not in result.headers

    events = result.events
    assert [event["seq"] for event in events] == list(range(len(events)))
    assert events[0]["type"] == "start"
    assert events[-1]["type"] == "done"
    assert result.types.count("done") == 1 and "error" not in result.types
    assert set(result.types[1:-1]) <= {"thinking", "text", "tool_call", "tool_result"}

    (call,) = result.of_type("tool_call")
    assert call["name"] == "add_task"
    assert call["arguments"]["title"] == "buy milk"
    (tool_result,) = result.of_type("tool_result")
    assert tool_result["call_id"] == call["call_id"]
    assert tool_result["name"] == "add_task"
    assert tool_result["output"]["ok"] is True
    assert tool_result["output"]["task"]["title"] == "buy milk"
    assert (
        result.types.index("tool_call")
        < result.types.index("tool_result")
        < result.types.index("text")
    )
    assert len(result.of_type("text")) > 3, "the reply arrives token by token"
    assert "buy milk" in result.text

    task = Task.objects.get(owner=user)
    assert task.title == "buy milk" and tool_result["output"]["task"]["number"] == task.number

    start, done = events[0], events[-1]
    conversation = Conversation.objects.get(pk=start["conversation_id"], owner=user)
    assert conversation.title == "add buy milk"
    user_message, reply = conversation.messages.all()
    assert user_message.pk == start["user_message_id"]
    assert (user_message.role, user_message.content) == ("user", "add buy milk")
    assert reply.pk == done["message_id"] and done["status"] == "complete"
    assert reply.role == "assistant" and reply.status == "complete"
    assert str(reply.run_id) == start["run_id"]
    assert reply.content == result.text
    assert reply.tool_calls == [
        {
            "call_id": call["call_id"],
            "name": "add_task",
            "arguments": call["arguments"],
            "output": tool_result["output"],
        }
    ]
    assert reply.model_name == "offline"
    assert reply.input_tokens > 0 and reply.output_tokens > 0
    assert (
        reply.time_to_first_token_ms is not None
        and reply.duration_ms >= reply.time_to_first_token_ms
    )


def test_frames_are_one_data_line(live_server_url, user, auth):
    """The reference client splits on blank lines and reads a frame only if it starts with
    `data: `; the `id:` lines are the resume endpoint's (tests/runs)."""
    with httpx.Client(timeout=30) as client:
        response = client.post(
            f"{live_server_url}/api/{user.id}/chat/stream", json={"message": "hello"}, headers=auth
        )
    frames = response.text.split("\n\n")
    assert frames[-1] == ""
    for frame in frames[:-1]:
        assert frame.startswith("data: ") and "\n" not in frame
        assert {"type", "seq"} <= set(json.loads(frame.removeprefix("data: ")))


def test_trailing_slash_works_without_redirect(live_server_url, user, auth):
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        response = client.post(
            f"{live_server_url}/api/{user.id}/chat/stream/", json={"message": "hi"}, headers=auth
        )
    assert response.status_code == 200
    assert response.text.rstrip().endswith("}")


def test_a_follow_up_turn_continues_the_conversation(live_server_url, user, auth):
    first = stream_chat(live_server_url, user.id, {"message": "add buy milk"}, auth)
    conversation_id = first.events[0]["conversation_id"]
    second = stream_chat(
        live_server_url, user.id, {"message": "delete it", "conversation_id": conversation_id}, auth
    )
    assert second.events[0]["conversation_id"] == conversation_id
    (call,) = second.of_type("tool_call")
    assert call["name"] == "delete_task"
    assert not Task.objects.filter(owner=user).exists()
    assert Message.objects.filter(conversation_id=conversation_id).count() == 4


def test_session_auth_on_the_middleware_free_path(live_server_url, user):
    """The chat endpoints are served without Django's middleware (config/asgi.py): they read
    the session and check CSRF themselves, exactly as the web page uses them."""
    with httpx.Client(base_url=live_server_url, timeout=30) as browser:
        csrf = browser.get("/accounts/login/").cookies["csrftoken"]
        signed_in = browser.post(
            "/accounts/login/",
            data={"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        )
        assert signed_in.status_code == 302
        url = f"/api/{user.id}/chat/stream"
        refused = browser.post(url, json={"message": "hi"})
        assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
        token = browser.cookies["csrftoken"]
        accepted = browser.post(url, json={"message": "hi"}, headers={"X-CSRFToken": token})
        assert accepted.status_code == 200
        assert accepted.text.rstrip().endswith('"status":"complete"}')
        browser.cookies.clear()
        anonymous = browser.post(url, json={"message": "hi"}, headers={"X-CSRFToken": token})
        assert anonymous.status_code == 401
