"""What a run leaves in the transcript: after success, a model error, a client leaving; history."""

import asyncio
import threading
from datetime import timedelta

import httpx
import openai
import pytest
from agents.testing import ModelStep, assistant_message, function_call
from asgiref.sync import async_to_sync
from django.conf import settings
from django.utils import timezone

from chat.llm.offline.talk import HELP_TEXT
from chat.models import Conversation, Message
from chat.runs import saving as saving_module
from chat.runs.run import run_turn
from chat.runs.stop import RunStop
from chat.turns import turn_finish, turn_start
from tests.conftest import bearer
from tests.runs.replies import settled_reply
from tests.sse import stream_chat
from tests.waiting import DEADLINE_S
from todos.models import Task


def open_turn(user, text, conversation_id=None):
    return turn_start(
        user=user,
        conversation_id=conversation_id,
        text=text,
        model_name="scripted",
        history_limit=settings.CHAT_HISTORY_MAX_MESSAGES,
    )


async def collect_async(turn) -> list:
    return [event.as_dict() async for event in run_turn(turn, RunStop())]


def collect(turn) -> list:
    return async_to_sync(collect_async)(turn)


@pytest.mark.django_db(transaction=True)
def test_model_error_becomes_an_error_event_and_an_error_message(user, scripted_model, caplog):
    request = httpx.Request("POST", "https://api.example.com/v1/responses")
    failure = openai.InternalServerError(
        "upstream exploded: sk-secret-key-123456",
        response=httpx.Response(500, request=request),
        body=None,
    )
    scripted_model(ModelStep.raise_error(failure))
    turn = open_turn(user, "add buy milk")

    events = collect(turn)

    assert [event["type"] for event in events] == ["start", "error"]
    error = events[-1]
    assert error["code"] == "model_unavailable"
    assert "sk-secret" not in error["message"] and "Traceback" not in error["message"]
    reply = Message.objects.get(pk=turn.assistant_message_id)
    assert reply.status == "error" and reply.error_code == "model_unavailable"
    assert "sk-secret" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_exception_is_a_model_error(user, scripted_model):
    scripted_model(ModelStep.raise_error(RuntimeError("boom")))
    turn = open_turn(user, "hello")
    events = collect(turn)
    assert events[-1] == {
        "type": "error",
        "seq": 1,
        "code": "model_error",
        "message": events[-1]["message"],
    }
    assert Message.objects.get(pk=turn.assistant_message_id).status == "error"


@pytest.mark.django_db(transaction=True)
def test_partial_output_is_kept_with_the_error(user, scripted_model):
    scripted_model(
        [function_call("add_task", {"title": "buy milk"}, call_id="call_1")],
        ModelStep.raise_error(RuntimeError("died after the tool ran")),
    )
    turn = open_turn(user, "add buy milk")
    events = collect(turn)
    assert [event["type"] for event in events if event["type"] != "thinking"] == [
        "start",
        "tool_call",
        "tool_result",
        "error",
    ]
    reply = Message.objects.get(pk=turn.assistant_message_id)
    assert reply.status == "error"
    assert reply.tool_calls[0]["name"] == "add_task" and reply.tool_calls[0]["output"]["ok"] is True


def _leave_mid_reply(live_server_url: str, user) -> None:
    url = f"{live_server_url}/api/{user.id}/chat/stream"
    received: list[str] = []
    with (
        httpx.Client() as client,
        client.stream(
            "POST", url, json={"message": "help"}, headers={"Authorization": bearer(user)}
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                received.append(line)
            if sum('"type":"text"' in line for line in received) >= 2:
                break  # leave while the reply is still being written


def test_a_client_that_leaves_does_not_stop_the_run(live_server_url, user, settings):
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 0
    settings.OFFLINE_MODEL_TOKEN_MS = 20  # slow enough to leave mid-reply
    _leave_mid_reply(live_server_url, user)
    reply = settled_reply(Message.objects.get(role="assistant").run_id)
    assert reply.status == "complete"
    assert reply.content == HELP_TEXT, "the whole reply is saved"
    assert reply.duration_ms is not None


def test_without_continue_on_disconnect_a_client_that_leaves_interrupts(
    live_server_url, user, settings
):
    settings.CHAT_CONTINUE_ON_DISCONNECT = False
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 0
    settings.OFFLINE_MODEL_TOKEN_MS = 150
    _leave_mid_reply(live_server_url, user)
    reply = settled_reply(Message.objects.get(role="assistant").run_id)
    assert reply.status == "interrupted"
    assert reply.content, "what was produced before the client left is kept"
    assert reply.duration_ms is not None


@pytest.mark.django_db(transaction=True)
def test_history_reaches_the_model_across_three_turns(user, scripted_model):
    model = scripted_model(
        [function_call("add_task", {"title": "buy milk"}, call_id="call_a")],
        [assistant_message("Added buy milk.")],
        [assistant_message("You have one task.")],
        [assistant_message("Bye!")],
    )
    first = open_turn(user, "add buy milk")
    collect(first)
    second = open_turn(user, "how many tasks?", first.conversation_id)
    collect(second)
    third = open_turn(user, "thanks", first.conversation_id)
    collect(third)

    final_input = model.last_call.input
    kinds = [item.get("type") or item.get("role") for item in final_input]
    assert kinds == [
        "user",
        "function_call",
        "function_call_output",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert final_input[0]["content"] == "add buy milk"
    assert final_input[1]["name"] == "add_task" and final_input[1]["call_id"] == "call_a"
    assert '"buy milk"' in final_input[2]["output"]
    assert final_input[-1]["content"] == "thanks"
    assert Task.objects.filter(owner=user, title="buy milk").exists()
    assert Message.objects.filter(conversation_id=first.conversation_id).count() == 6


@pytest.mark.django_db
def test_history_is_bounded(user, settings):
    conversation = Conversation.objects.create(owner=user, title="long")
    Message.objects.bulk_create(
        Message(conversation=conversation, role="user", content=f"message {i}") for i in range(30)
    )
    turn = turn_start(
        user=user, conversation_id=conversation.id, text="latest", model_name="m", history_limit=10
    )
    assert len(turn.input_items) == 11
    assert turn.input_items[0]["content"] == "message 20"


def _seed_history(user, earlier_messages: int) -> Conversation:
    conversation = Conversation.objects.create(owner=user, title="seeded")
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            role="user" if i % 2 == 0 else "assistant",
            content=f"message {i}",
            tool_calls=[]
            if i % 2 == 0
            else [
                {"call_id": f"c{i}", "name": "list_tasks", "arguments": {}, "output": {"ok": True}}
            ],
        )
        for i in range(earlier_messages)
    )
    return conversation


@pytest.mark.django_db(transaction=True)
def test_a_turns_query_count_does_not_grow_with_history(user, scripted_model, query_log):
    counts = []
    for earlier in (5, 60):
        scripted_model([assistant_message("ok")])
        conversation = _seed_history(user, earlier)
        requester = type(user).objects.get(pk=user.pk)  # each request reads its user afresh
        before = len(query_log)
        turn = open_turn(requester, "hi", conversation.id)
        collect(turn)
        counts.append(len(query_log) - before)
    assert counts[0] == counts[1] > 0, counts


def test_a_run_longer_than_the_run_timeout_ends_with_an_error(live_server_url, user, settings):
    settings.OFFLINE_MODEL_TOKEN_MS = 200
    settings.CHAT_RUN_TIMEOUT_S = 0.5
    result = stream_chat(
        live_server_url, user.id, {"message": "help"}, {"Authorization": bearer(user)}
    )
    assert result.types[-1] == "error" and result.events[-1]["code"] == "model_timeout"
    reply = Message.objects.get(role="assistant")
    assert reply.status == "error" and reply.content == result.text != ""


@pytest.mark.django_db(transaction=True)
def test_a_client_leaving_during_the_final_save_keeps_the_reply_complete(
    user, scripted_model, monkeypatch
):
    scripted_model([assistant_message("Added buy milk.")])
    turn = open_turn(user, "add buy milk")
    saving, left = threading.Event(), threading.Event()
    saved_statuses = []

    def slow_turn_finish(*, turn, outcome):
        turn_finish(turn=turn, outcome=outcome)
        saved_statuses.append(outcome.status)
        saving.set()
        left.wait(DEADLINE_S)  # still on the database thread when the client leaves

    monkeypatch.setattr(saving_module, "turn_finish", slow_turn_finish)

    async def leave_during_save():
        consumer = asyncio.create_task(collect_async(turn))
        while not saving.is_set():
            await asyncio.sleep(0.01)
        consumer.cancel()
        await asyncio.sleep(0)  # the consumer takes the cancellation while the save is held
        left.set()
        await asyncio.gather(consumer, return_exceptions=True)

    async_to_sync(leave_during_save)()
    reply = Message.objects.get(pk=turn.assistant_message_id)
    assert saved_statuses == ["complete"]
    assert reply.status == "complete" and reply.content == "Added buy milk."


@pytest.mark.django_db(transaction=True)
def test_a_reply_abandoned_by_a_dead_process_is_closed_on_the_next_turn(user, settings):
    settings.CHAT_RUN_TIMEOUT_S = 60
    dead = open_turn(user, "add buy milk")  # its process died: nothing ever finishes it
    Message.objects.filter(pk=dead.assistant_message_id).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    open_turn(user, "hello again", dead.conversation_id)
    assert Message.objects.get(pk=dead.assistant_message_id).status == "interrupted"


@pytest.mark.django_db(transaction=True)
def test_model_output_the_database_cannot_hold_is_stored_cleaned(user, scripted_model):
    scripted_model([assistant_message("half an emoji \ud83d and a NUL \x00 here")])
    turn = open_turn(user, "hi")
    events = collect(turn)
    assert events[-1]["type"] == "done"
    reply = Message.objects.get(pk=turn.assistant_message_id)
    assert reply.content == "half an emoji \ufffd and a NUL  here"
