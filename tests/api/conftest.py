"""Data for the REST API tests, made through the same code paths the product uses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Conversation, Message
from todos.models import Task
from todos.services import task_create


def assert_error(response, status: int, code: str, fields: set[str] | None = None) -> dict:
    """The response is the API's one error shape: {"detail", "code", "errors"?}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"]
    assert body["code"] == code
    if fields is None:
        assert set(body) == {"detail", "code"}
    else:
        assert set(body) == {"detail", "code", "errors"}
        assert set(body["errors"]) == fields
        assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)
    return body


@pytest.fixture
def make_task():
    def make(owner, title: str = "Buy milk", **fields) -> Task:
        task = task_create(owner=owner, title=title, description=fields.pop("description", ""))
        if fields:
            Task.objects.filter(pk=task.pk).update(**fields)
            task.refresh_from_db()
        return task

    return make


@pytest.fixture
def make_conversation():
    """A conversation with `messages`: (role, content) or (role, content, {field: value})."""

    def make(owner, title: str = "A chat", messages=(), updated_minutes_ago: int | None = None):
        conversation = Conversation.objects.create(owner=owner, title=title)
        base = timezone.now() - timedelta(hours=1)
        for index, (role, content, *extra) in enumerate(messages):
            message = Message.objects.create(
                conversation=conversation,
                role=role,
                content=content,
                **(extra[0] if extra else {}),
            )
            # Distinct, increasing timestamps: order is then by time, not by luck.
            Message.objects.filter(pk=message.pk).update(created_at=base + timedelta(seconds=index))
        if updated_minutes_ago is not None:
            Conversation.objects.filter(pk=conversation.pk).update(
                updated_at=timezone.now() - timedelta(minutes=updated_minutes_ago)
            )
        conversation.refresh_from_db()
        return conversation

    return make
