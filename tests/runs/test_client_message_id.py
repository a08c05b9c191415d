"""A message sent twice (its `client_message_id`) starts one turn: the second request follows
the first one's run, or is told `409 duplicate_message` with its `run_id`."""

import threading
import uuid

import httpx
import pytest

from chat.models import Message
from tests.conftest import bearer
from tests.runs.replies import settled_reply
from tests.sse import read_events
from todos.models import Task

pytestmark = pytest.mark.usefixtures("broker", "paced")


def _send(url, user, auth, client_message_id, message="add buy milk", stop_after=None):
    return read_events(
        url,
        f"/api/{user.id}/chat/stream",
        auth,
        method="POST",
        payload={"message": message, "client_message_id": client_message_id},
        stop_after=stop_after,
    )


def test_sent_twice_at_once_is_one_turn(live_server_url, user, auth):
    client_message_id = str(uuid.uuid4())
    answers: list[tuple] = []

    def send():
        answers.append(_send(live_server_url, user, auth, client_message_id))

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)
    assert len(answers) == 2
    run_ids = set()
    for status, frames, body in answers:
        if status == 409:
            assert body["code"] == "duplicate_message"
            run_ids.add(body["run_id"])
        else:
            assert status == 200 and frames[-1].event["type"] == "done"
            run_ids.add(frames[0].event["run_id"])
    assert len(run_ids) == 1
    assert Message.objects.filter(role="user", content="add buy milk").count() == 1
    assert Task.objects.filter(owner=user, title__iexact="buy milk").count() == 1
    settled_reply(run_ids.pop())


def test_sent_again_after_the_reply_replays_it(live_server_url, user, auth):
    client_message_id = str(uuid.uuid4())
    status, first, _ = _send(live_server_url, user, auth, client_message_id)
    assert status == 200
    settled_reply(first[0].event["run_id"])
    stored = Message.objects.count()
    status, again, _ = _send(live_server_url, user, auth, client_message_id)
    assert status == 200 and [f.event for f in again] == [f.event for f in first]
    assert Message.objects.count() == stored
    assert Message.objects.get(role="user").client_message_id == uuid.UUID(client_message_id)
    once = httpx.post(
        f"{live_server_url}/api/{user.id}/chat",
        json={"message": "add buy milk", "client_message_id": client_message_id},
        headers=auth,
        timeout=30,
    )
    assert once.status_code == 200 and once.json()["run_id"] == first[0].event["run_id"]
    assert Message.objects.count() == stored
    assert Task.objects.filter(owner=user).count() == 1


def test_another_users_id_starts_nothing_of_theirs(live_server_url, user, auth, other_user):
    client_message_id = str(uuid.uuid4())
    assert _send(live_server_url, user, auth, client_message_id, message="hello")[0] == 200
    mallory = {"Authorization": bearer(other_user)}
    status, _, body = _send(live_server_url, other_user, mallory, client_message_id)
    assert (status, body["code"], body["run_id"]) == (409, "duplicate_message", None)
    assert not Message.objects.filter(conversation__owner=other_user).exists()


@pytest.mark.parametrize("value", ["not-a-uuid", 7, ""])
def test_a_client_message_id_must_be_a_uuid(live_server_url, user, auth, value):
    status, _, body = _send(live_server_url, user, auth, value)
    assert status == 400 and body["errors"] == {
        "client_message_id": ["A client message id must be a UUID."]
    }
    assert not Message.objects.exists()
