"""POST /api/<user_id>/chat: the same turn as the stream, answered as one JSON document."""

import logging

import httpx
import openai
import pytest
from agents.testing import ModelStep

from chat.models import Message
from tests.conftest import bearer
from todos.models import Task

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_turn_answers_with_the_reply_and_its_tool_calls(client, user):
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": "add buy milk"},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 200
    body = response.json()
    task = Task.objects.get(owner=user)
    assert body["conversation_id"] and body["message_id"]
    assert "buy milk" in body["response"]
    (call,) = body["tool_calls"]
    assert call["name"] == "add_task" and call["arguments"] == {"title": "buy milk"}
    assert call["output"]["task"]["number"] == task.number
    reply = Message.objects.get(pk=body["message_id"])
    assert reply.status == "complete" and reply.content == body["response"]
    assert reply.tool_calls[0]["name"] == "add_task"


def test_a_follow_up_with_the_conversation_id(client, user):
    auth = {"HTTP_AUTHORIZATION": bearer(user)}
    first = client.post(
        f"/api/{user.id}/chat", {"message": "add call mom"}, content_type="application/json", **auth
    ).json()
    second = client.post(
        f"/api/{user.id}/chat/",
        {"message": "complete it", "conversation_id": first["conversation_id"]},
        content_type="application/json",
        **auth,
    ).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert second["tool_calls"][0]["name"] == "complete_task"
    assert Task.objects.get(owner=user).completed


def test_a_model_failure_is_a_502_with_the_error_shape(client, user, scripted_model, caplog):
    request = httpx.Request("POST", "https://api.example.com/v1/responses")
    scripted_model(
        ModelStep.raise_error(
            openai.RateLimitError(
                "slow down", response=httpx.Response(429, request=request), body=None
            )
        )
    )
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": "hi"},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 502
    body = response.json()
    assert body["code"] == "model_rate_limited" and body["detail"]
    assert Message.objects.get(pk=body["message_id"]).status == "error"
    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == ["chat.runs"]


def test_bad_input_is_400(client, user):
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": " "},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 400
    assert "message" in response.json()["errors"]
