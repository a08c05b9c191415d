"""A run stopped while a tool's database work is under way records what the tool really did."""

import asyncio
import threading

import pytest
from agents.testing import assistant_message, function_call
from asgiref.sync import async_to_sync

from chat.history import history_input_items
from chat.models import Message
from chat.runs.events import EventType
from chat.runs.run import run_turn
from chat.runs.stop import RunStop
from tests.chat.test_run_persistence import open_turn
from tests.waiting import DEADLINE_S
from todos import services
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delete_cut_off_by_cancel_is_recorded_with_its_real_outcome(
    user, scripted_model, monkeypatch
):
    task = task_create(owner=user, title="buy milk")
    scripted_model(
        [function_call("delete_task", {"number": task.number}, call_id="call_del")],
        [assistant_message("Deleted buy milk.")],
    )
    deleting, cancelled = threading.Event(), threading.Event()
    real_delete = services.task_delete

    def delete_once_cancelled(**kwargs):
        deleting.set()
        cancelled.wait(timeout=DEADLINE_S)  # the run is stopped while this transaction is under way
        return real_delete(**kwargs)

    monkeypatch.setattr(services, "task_delete", delete_once_cancelled)
    turn = open_turn(user, "delete buy milk")
    stop = RunStop()

    async def run_and_cancel_mid_tool():
        events = []
        async for event in run_turn(turn, stop):
            events.append(event)
            if event.type is EventType.TOOL_CALL:
                assert await asyncio.to_thread(deleting.wait, DEADLINE_S), "the tool ran"
                stop.request_cancel()
                cancelled.set()
        return events

    events = async_to_sync(run_and_cancel_mid_tool)()
    assert events[-1].type is EventType.DONE and events[-1].data["status"] == "cancelled"
    assert not Task.objects.filter(pk=task.pk).exists(), "the tool's work committed"
    reply = Message.objects.get(pk=turn.assistant_message_id)
    assert reply.status == "cancelled"
    (call,) = reply.tool_calls
    assert call["call_id"] == "call_del"
    assert call["output"]["ok"] is True and call["output"]["action"] == "deleted"
    items = history_input_items([Message.objects.get(pk=turn.user_message_id), reply])
    outputs = [item for item in items if item.get("type") == "function_call_output"]
    assert [item["call_id"] for item in outputs] == ["call_del"], "the model learns of it"
