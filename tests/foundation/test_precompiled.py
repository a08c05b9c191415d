"""The precompiled statements of the chat path store and read exactly what the ORM would: every
column of a row inserted both ways is the same (defaults, auto timestamps, JSON, UUIDs, NULLs),
an UPDATE matches, converts and counts rows as `QuerySet.update` does, and a SELECT converts
what it reads as `values_list` does."""

import uuid

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from chat.models import Conversation, Message
from config.precompiled import (
    PrecompiledInsert,
    PrecompiledSelect,
    PrecompiledUpdate,
    _unchanged_test,
)

pytestmark = pytest.mark.django_db


def _row(message: Message) -> dict:
    """The stored row, but what differs between two inserts of the same message."""
    stored = Message.objects.get(pk=message.pk)
    assert stored.created_at is not None
    assert stored.client_message_id == message.client_message_id
    return model_to_dict(stored, exclude=["id", "created_at", "client_message_id"])


def test_an_insert_stores_what_bulk_create_stores(user):
    conversation = Conversation(owner=user, title="Groceries")
    PrecompiledInsert(Conversation)(conversation)
    assert conversation.pk is not None and not conversation._state.adding
    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.owner_id, stored.title, stored.flagged) == (user.pk, "Groceries", False)
    assert stored.created_at == conversation.created_at and stored.updated_at is not None

    def pair() -> list[Message]:
        return [
            Message(
                conversation=conversation,
                role=Message.Role.USER,
                content="add milk ✓",
                client_message_id=uuid.uuid4(),
            ),
            Message(
                conversation=conversation,
                role=Message.Role.ASSISTANT,
                status=Message.Status.STREAMING,
                run_id=uuid.UUID(int=7),
                tool_calls=[{"call_id": "c1", "output": {"ok": True}}],
            ),
        ]

    precompiled, orm = pair(), pair()
    PrecompiledInsert(Message)(*precompiled)
    Message.objects.bulk_create(orm)
    assert precompiled[1].pk == precompiled[0].pk + 1
    for ours, theirs in zip(precompiled, orm, strict=True):
        assert _row(ours) == _row(theirs)


def test_an_update_matches_converts_and_counts_like_the_orm(user):
    conversation = Conversation.objects.create(owner=user)
    reply = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, status=Message.Status.STREAMING
    )
    finish = PrecompiledUpdate(
        Message, columns=["status", "tool_calls", "input_tokens"], where=["id", "status"]
    )
    calls = [{"call_id": "c1", "arguments": {"title": "milk"}}]
    assert finish([Message.Status.COMPLETE, calls, None], where=[reply.pk, "streaming"]) == 1
    reply.refresh_from_db()
    assert (reply.status, reply.tool_calls, reply.input_tokens) == ("complete", calls, None)
    # No longer streaming: nothing matches.
    assert finish(["error", [], 3], where=[reply.pk, "streaming"]) == 0
    reply.refresh_from_db()
    assert reply.status == "complete"


def test_a_select_reads_what_values_list_reads(user):
    conversation = Conversation.objects.create(owner=user)
    reply = Message.objects.create(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        run_id=uuid.uuid4(),
        tool_calls=[{"call_id": "c1", "output": None}],
    )
    columns = ["run_id", "created_at", "tool_calls", "input_tokens", "status"]
    read = PrecompiledSelect(Message, columns=columns, where=["conversation", "role"])
    expected = list(Message.objects.filter(pk=reply.pk).values_list(*columns))
    assert read([conversation.pk, "assistant"]) == expected
    assert read([conversation.pk, "user"]) == []


def test_a_value_passed_as_it_is_is_what_the_field_would_store():
    """The statements skip a field's conversion for the values it stores unchanged: for every
    column of the chat path's models, each such value is one the field's own conversion
    returns equal and of the same type; the others still go through it."""
    samples = ["", "milk", Message.Role.USER, 0, 7, True, False, None, 1.5, uuid.uuid4()]
    samples += [timezone.now(), [], {"ok": True}]
    skipped = 0
    for model in (Conversation, Message):
        for field in model._meta.concrete_fields:
            unchanged = _unchanged_test(field)
            for value in samples:
                if unchanged(value):
                    stored = field.get_db_prep_save(value, connection)
                    assert stored == value and type(stored) is type(value), (field, value)
                    skipped += 1
    assert skipped >= 40, "text, integer, boolean and foreign key columns take the short way"
    uuids, json = Message._meta.get_field("run_id"), Message._meta.get_field("tool_calls")
    assert not _unchanged_test(uuids)(uuid.uuid4()) and not _unchanged_test(json)([])
