"""`Representation` (config/representation.py) describes an instance exactly as its output
serializer's `to_representation` does: the same keys in the same order, the same values, for
the chat messages and tasks the live stream carries and for the cases it leaves to DRF."""

import datetime
import uuid

import pytest
from django.utils import timezone
from rest_framework import serializers

from chat.apis import MessageOutputSerializer
from chat.models import Conversation, Message
from config.representation import Representation
from todos.apis import TaskOutputSerializer
from todos.reminders import reminder_add
from todos.services import task_create

pytestmark = pytest.mark.django_db


def _same(serializer_class: type[serializers.Serializer], instance) -> dict:
    ours = Representation(serializer_class)(instance)
    theirs = serializer_class().to_representation(instance)
    assert list(ours.items()) == list(theirs.items())
    return ours


def test_chat_messages_are_described_as_the_api_describes_them(user):
    conversation = Conversation.objects.create(owner=user, title="Groceries")
    asked = Message.objects.create(conversation=conversation, role="user", content="add milk")
    streaming = Message.objects.create(
        conversation=conversation, role="assistant", status="streaming", run_id=uuid.uuid4()
    )
    answered = Message.objects.create(
        conversation=conversation,
        role="assistant",
        content="Added “milk”.",
        tool_calls=[{"call_id": "c1", "name": "add_task", "arguments": {"title": "milk"}}],
        input_tokens=12,
        output_tokens=3,
        time_to_first_token_ms=40,
        duration_ms=90,
    )
    for message in (asked, streaming, answered):
        described = _same(MessageOutputSerializer, message)
    assert described["input_tokens"] == 12 and described["tool_calls"]
    assert _same(MessageOutputSerializer, streaming)["run_id"] == str(streaming.run_id)


def test_tasks_are_described_as_the_api_describes_them(user):
    plain = task_create(owner=user, title="Call mom")
    timed = task_create(
        owner=user,
        title="Dentist",
        due_date=timezone.localdate() + datetime.timedelta(days=30),  # reminded in the future
        due_time=datetime.time(9, 30),
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        priority=3,
    )
    reminder_add(task=timed, minutes_before=30)
    for task in (plain, timed):
        _same(TaskOutputSerializer, task)
    assert _same(TaskOutputSerializer, timed)["reminders"], "its reminder"


class _Odd(serializers.Serializer):
    """Fields a single `getattr` does not read: left to DRF."""

    nested = serializers.CharField(source="inner.name")
    shout = serializers.CharField(source="upper")  # a callable attribute: called
    missing = serializers.CharField(required=False)  # absent: skipped
    fallback = serializers.CharField(default="none")  # absent: its default
    secret = serializers.CharField(write_only=True)
    name = serializers.CharField()


class _Thing:
    def __init__(self) -> None:
        self.name, self.secret = "tea", "hidden"
        self.inner = type("Inner", (), {"name": "cup"})()

    def upper(self) -> str:
        return self.name.upper()


def test_what_one_getattr_cannot_read_is_read_as_drf_reads_it():
    described = _same(_Odd, _Thing())
    assert described == {"nested": "cup", "shout": "TEA", "fallback": "none", "name": "tea"}
    assert _same(_Odd, {"inner": {"name": "mug"}, "upper": "A", "name": "b"}) == {
        "nested": "mug",
        "shout": "A",
        "fallback": "none",
        "name": "b",
    }
