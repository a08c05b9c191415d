"""Undo of the assistant's tool calls: act through the offline model, then take it back with
POST /api/<user_id>/chat/tool-calls/<call_id>/undo."""

import pytest

from chat.history import history_input_items
from chat.models import Message
from chat.undo import tool_call_undo
from tests.api.conftest import assert_error
from tests.conftest import bearer
from todos.models import Task, TaskChange
from todos.services import task_create

pytestmark = pytest.mark.django_db(transaction=True)


def chat(client, user, message: str, conversation_id: int | None = None) -> dict:
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": message, "conversation_id": conversation_id},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 200, response.content
    return response.json()


def call_of(reply: dict, name: str) -> str:
    (call,) = [call for call in reply["tool_calls"] if call["name"] == name]
    assert call["output"]["ok"], call
    return call["call_id"]


def undo(client, user, call_id: str, as_user=None):
    return client.post(
        f"/api/{user.id}/chat/tool-calls/{call_id}/undo",
        HTTP_AUTHORIZATION=bearer(as_user or user),
    )


def state(user) -> list[dict]:
    """Every column of the user's tasks but `updated_at`: what "exactly as before" compares."""
    return [
        {k: v for k, v in row.items() if k != "updated_at"}
        for row in Task.objects.filter(owner=user).order_by("id").values()
    ]


@pytest.fixture
def milk(client, user) -> tuple[dict, Task]:
    """A conversation in which the assistant added "buy milk" (with a description)."""
    reply = chat(client, user, "add buy milk, notes: 2 litres")
    return reply, Task.objects.get(owner=user)


def test_undo_an_add_removes_the_task(client, user, milk):
    reply, _ = milk
    response = undo(client, user, call_of(reply, "add_task"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["task"] is None and body["undone_by"] == "alice" and body["undone_at"]
    assert body["call_id"] == call_of(reply, "add_task")
    assert state(user) == []


@pytest.mark.parametrize(
    ("message", "tool"),
    [
        ("complete buy milk", "complete_task"),
        ("rename buy milk to buy oat milk", "update_task"),
        ("update buy milk description to 1 litre", "update_task"),
        ("delete buy milk", "delete_task"),
    ],
)
def test_undo_puts_the_task_back_exactly(client, user, milk, message, tool):
    first, _ = milk
    before = state(user)
    reply = chat(client, user, message, first["conversation_id"])
    assert state(user) != before  # the assistant did change it

    response = undo(client, user, call_of(reply, tool))

    assert response.status_code == 200, response.content
    assert state(user) == before  # same id, title, description, completion, created_at
    task = response.json()["task"]
    assert task["id"] == before[0]["id"] and task["title"] == "buy milk"
    assert task["description"] == "2 litres" and task["completed"] is False


def test_undo_a_completion_restores_an_earlier_completion_time(client, user, milk):
    first, _ = milk
    chat(client, user, "complete buy milk", first["conversation_id"])
    completed = state(user)
    reply = chat(client, user, "delete buy milk", first["conversation_id"])
    assert undo(client, user, call_of(reply, "delete_task")).status_code == 200
    assert state(user) == completed and completed[0]["completed_at"] is not None


def test_a_deleted_task_whose_id_was_taken_comes_back_under_a_new_id(
    client, user, other_user, milk
):
    first, task = milk
    before = state(user)
    reply = chat(client, user, "delete buy milk", first["conversation_id"])
    squatter = task_create(owner=other_user, title="squatter")
    Task.objects.filter(pk=squatter.pk).update(id=task.pk)

    response = undo(client, user, call_of(reply, "delete_task"))

    assert response.status_code == 200
    restored = state(user)
    assert restored[0]["id"] != task.pk
    assert [{**row, "id": None} for row in restored] == [{**row, "id": None} for row in before]


def test_undo_after_a_later_edit_is_a_conflict_and_changes_nothing(client, user, milk):
    reply, task = milk
    edited = client.patch(
        f"/api/{user.id}/tasks/{task.id}/",
        {"title": "buy bread"},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert edited.status_code == 200
    before = state(user)

    response = undo(client, user, call_of(reply, "add_task"))

    body = assert_error(response, 409, "undo_conflict")
    assert "changed since" in body["detail"]
    assert state(user) == before
    assert TaskChange.objects.get().undone_at is None


def test_undo_of_a_completion_after_the_task_was_deleted_is_a_conflict(client, user, milk):
    first, task = milk
    reply = chat(client, user, "complete buy milk", first["conversation_id"])
    client.delete(f"/api/{user.id}/tasks/{task.id}/", HTTP_AUTHORIZATION=bearer(user))
    assert_error(undo(client, user, call_of(reply, "complete_task")), 409, "undo_conflict")
    assert state(user) == []


def test_undos_unwind_in_reverse_order(client, user, milk):
    first, _ = milk
    second = chat(client, user, "complete buy milk", first["conversation_id"])
    # The add cannot be undone while the completion stands...
    assert_error(undo(client, user, call_of(first, "add_task")), 409, "undo_conflict")
    # ...but once the completion is undone, the task is as the add left it.
    assert undo(client, user, call_of(second, "complete_task")).status_code == 200
    assert undo(client, user, call_of(first, "add_task")).status_code == 200
    assert state(user) == []


def test_a_second_undo_is_refused(client, user, milk):
    reply, _ = milk
    call_id = call_of(reply, "add_task")
    assert undo(client, user, call_id).status_code == 200
    assert_error(undo(client, user, call_id), 409, "already_undone")
    assert state(user) == []


def test_another_users_call_is_not_found_and_stays_as_it_is(client, user, other_user, milk):
    reply, _ = milk
    call_id = call_of(reply, "add_task")
    before = state(user)
    # Through mallory's own path: the call is not hers, so it does not exist.
    assert_error(undo(client, other_user, call_id), 404, "not_found")
    # Through alice's path with mallory's token: not her path.
    response = client.post(
        f"/api/{user.id}/chat/tool-calls/{call_id}/undo", HTTP_AUTHORIZATION=bearer(other_user)
    )
    assert_error(response, 403, "permission_denied")
    assert state(user) == before and TaskChange.objects.get().undone_at is None


def test_an_unknown_call_is_not_found(client, user):
    assert_error(undo(client, user, "call_nope"), 404, "not_found")


def test_undo_needs_credentials(client, user, milk):
    reply, _ = milk
    response = client.post(f"/api/{user.id}/chat/tool-calls/{call_of(reply, 'add_task')}/undo")
    assert response.status_code == 401
    assert Task.objects.filter(owner=user).exists()


def test_a_list_call_is_a_bad_request(client, user, milk):
    first, _ = milk
    reply = chat(client, user, "show my tasks", first["conversation_id"])
    before = state(user)
    body = assert_error(undo(client, user, call_of(reply, "list_tasks")), 400, "nothing_to_undo")
    assert "list_tasks" in body["detail"]
    assert state(user) == before


def test_a_failed_call_recorded_nothing_and_is_a_bad_request(client, user):
    reply = chat(client, user, "complete task 999")
    (call,) = reply["tool_calls"]
    assert call["output"]["ok"] is False
    assert not TaskChange.objects.exists()
    assert_error(undo(client, user, call["call_id"]), 400, "nothing_to_undo")


def test_the_transcript_shows_the_undo_on_the_call(client, user, milk):
    reply, _ = milk
    call_id = call_of(reply, "add_task")
    url = f"/api/{user.id}/conversations/{reply['conversation_id']}/"
    (stored,) = client.get(url, HTTP_AUTHORIZATION=bearer(user)).json()["messages"][1]["tool_calls"]
    assert (stored["undoable"], stored["undone_at"], stored["undone_by"]) == (True, None, None)

    undone_at = undo(client, user, call_id).json()["undone_at"]

    (stored,) = client.get(url, HTTP_AUTHORIZATION=bearer(user)).json()["messages"][1]["tool_calls"]
    assert (stored["undoable"], stored["undone_at"], stored["undone_by"]) == (
        False,
        undone_at,
        "alice",
    )
    assert stored["output"] == call_of_output(reply, "add_task")  # the call itself is kept


def call_of_output(reply: dict, name: str) -> dict:
    return next(call["output"] for call in reply["tool_calls"] if call["name"] == name)


def test_the_next_turn_knows_the_add_was_undone(client, user, milk):
    reply, _ = milk
    call_id = call_of(reply, "add_task")
    assert undo(client, user, call_id).status_code == 200

    # The model's input marks the call undone...
    messages = Message.objects.filter(conversation_id=reply["conversation_id"])
    (output,) = [
        item["output"]
        for item in history_input_items(messages)
        if item.get("type") == "function_call_output"
    ]
    assert '"undone": true' in output and "removed again" in output and "buy milk" in output
    # ...so "it" is no longer the undone task: the offline model asks instead of acting.
    follow_up = chat(client, user, "delete it", reply["conversation_id"])
    assert follow_up["tool_calls"] == []
    assert "Which task" in follow_up["response"]


def test_concurrent_undos_of_one_call_revert_it_once(user, milk, client):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import close_old_connections

    reply, _ = milk
    call_id = call_of(reply, "add_task")

    def attempt(_) -> str:
        try:
            tool_call_undo(user=user, call_id=call_id)
            return "undone"
        except Exception as exc:  # the loser's refusal, whichever it is
            return type(exc).__name__
        finally:
            close_old_connections()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, range(2)))

    assert outcomes == ["ChangeAlreadyUndone", "undone"]
    assert state(user) == []
