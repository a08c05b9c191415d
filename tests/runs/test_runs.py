"""Runs that survive their response: resume, cancel, one run per conversation, isolation.

One module for every broker backend (the `broker` fixture), against a real uvicorn.
"""

import threading
import time
import uuid

import httpx
import pytest

from chat.llm.offline.talk import HELP_TEXT
from chat.models import Conversation, Message
from tests.conftest import bearer
from tests.runs.replies import LONG_MESSAGE, LONG_REPLY, settled_reply
from tests.sse import read_events
from tests.waiting import DEADLINE_S

pytestmark = pytest.mark.usefixtures("broker", "paced")


def _start(url, user, auth, message="help", stop_after=3, **payload):
    status, frames, body = read_events(
        url,
        f"/api/{user.id}/chat/stream",
        auth,
        method="POST",
        payload={"message": message, **payload},
        stop_after=stop_after,
    )
    assert status == 200, body
    return frames


def _events_path(user, run_id, after=None) -> str:
    query = "" if after is None else f"?after={after}"
    return f"/api/{user.id}/chat/runs/{run_id}/events{query}"


def test_a_dropped_client_resumes_after_last_event_id(live_server_url, user, auth):
    first = _start(live_server_url, user, auth, stop_after=4)
    run_id = first[0].event["run_id"]
    last_seen = first[-1].event["seq"]
    status, rest, _ = read_events(
        live_server_url,
        _events_path(user, run_id),
        {**auth, "Last-Event-ID": str(last_seen)},
    )
    assert status == 200
    seqs = [frame.event["seq"] for frame in rest]
    assert seqs == list(range(last_seen + 1, last_seen + 1 + len(seqs))), "each once, in order"
    assert [frame.id for frame in rest] == [str(seq) for seq in seqs]
    assert rest[-1].event == {
        "type": "done",
        "seq": seqs[-1],
        "message_id": rest[-1].event["message_id"],
        "status": "complete",
    }
    text = "".join(f.event["content"] for f in [*first, *rest] if f.event["type"] == "text")
    reply = settled_reply(run_id)
    assert reply.status == "complete" and reply.content == text == HELP_TEXT


def test_after_query_and_full_replay(live_server_url, user, auth):
    run_id = _start(live_server_url, user, auth, stop_after=1)[0].event["run_id"]
    _, everything, _ = read_events(live_server_url, _events_path(user, run_id), auth)
    assert [f.event["seq"] for f in everything] == list(range(len(everything)))
    assert everything[0].event["type"] == "start"
    _, tail, _ = read_events(live_server_url, _events_path(user, run_id, after=5), auth)
    assert [f.event for f in tail] == [f.event for f in everything[6:]]


def test_a_finished_run_is_still_readable(live_server_url, user, auth):
    frames = _start(live_server_url, user, auth, message="hello", stop_after=None)
    run_id = frames[0].event["run_id"]
    _, replay, _ = read_events(live_server_url, _events_path(user, run_id), auth)
    assert [f.event for f in replay] == [f.event for f in frames]


def test_a_resume_at_or_past_the_end_ends_at_once(live_server_url, user, auth):
    frames = _start(live_server_url, user, auth, message="hello", stop_after=None)
    run_id, final = frames[0].event["run_id"], frames[-1].event["seq"]
    for headers, after in [({"Last-Event-ID": str(final)}, None), ({}, 9999)]:
        path = _events_path(user, run_id, after=after)
        assert read_events(live_server_url, path, {**auth, **headers}, timeout=10)[:2] == (200, [])


def test_a_resume_past_the_end_of_a_live_run_ends_with_it(live_server_url, user, auth):
    run_id = _start(live_server_url, user, auth, stop_after=1)[0].event["run_id"]
    path = _events_path(user, run_id, after=9999)
    assert read_events(live_server_url, path, auth, timeout=20)[:2] == (200, [])


def _cancel(url, user, auth, run_id) -> httpx.Response:
    return httpx.post(f"{url}/api/{user.id}/chat/runs/{run_id}/cancel", headers=auth)


def test_cancel_stops_the_run_and_keeps_the_text(live_server_url, user, auth):
    frames = _start(live_server_url, user, auth, message=LONG_MESSAGE, stop_after=3)
    run_id = frames[0].event["run_id"]
    response = _cancel(live_server_url, user, auth, run_id)
    assert response.status_code == 202
    assert response.json() == {"run_id": run_id, "cancel_requested": True}
    _, rest, _ = read_events(live_server_url, _events_path(user, run_id), auth)
    assert rest[-1].event["type"] == "done" and rest[-1].event["status"] == "cancelled"
    reply = settled_reply(run_id)
    assert reply.status == "cancelled"
    text = "".join(f.event["content"] for f in rest if f.event["type"] == "text")
    assert reply.content == text and 0 < len(text) < len(LONG_REPLY)


def test_a_second_run_in_the_conversation_is_refused(live_server_url, user, auth):
    frames = _start(live_server_url, user, auth, message=LONG_MESSAGE, stop_after=2)
    run_id, conversation_id = frames[0].event["run_id"], frames[0].event["conversation_id"]
    before = Message.objects.filter(conversation_id=conversation_id).count()
    response = httpx.post(
        f"{live_server_url}/api/{user.id}/chat/stream",
        json={"message": "add refused task", "conversation_id": conversation_id},
        headers=auth,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "run_active" and response.json()["run_id"] == run_id
    assert Message.objects.filter(conversation_id=conversation_id).count() == before
    assert not Message.objects.filter(content="add refused task").exists()
    assert _cancel(live_server_url, user, auth, run_id).status_code == 202
    assert settled_reply(run_id).status == "cancelled"
    again = httpx.post(
        f"{live_server_url}/api/{user.id}/chat",
        json={"message": "hello", "conversation_id": conversation_id},
        headers=auth,
    )
    assert again.status_code == 200, "the conversation takes a new turn once the run is over"


def test_the_conversation_names_its_active_run(live_server_url, user, auth):
    frames = _start(live_server_url, user, auth, message=LONG_MESSAGE, stop_after=2)
    run_id, conversation_id = frames[0].event["run_id"], frames[0].event["conversation_id"]
    url = f"{live_server_url}/api/{user.id}/conversations/{conversation_id}/"
    assert httpx.get(url, headers=auth).json()["active_run_id"] == run_id
    assert _cancel(live_server_url, user, auth, run_id).status_code == 202
    assert settled_reply(run_id).status == "cancelled"
    assert httpx.get(url, headers=auth).json()["active_run_id"] is None


def test_another_users_run_is_not_found_and_keeps_running(live_server_url, user, auth, other_user):
    run_id = _start(live_server_url, user, auth, stop_after=2)[0].event["run_id"]
    mallory = {"Authorization": bearer(other_user)}
    status, _, body = read_events(live_server_url, _events_path(other_user, run_id), mallory)
    assert (status, body["code"]) == (404, "not_found")
    assert _cancel(live_server_url, other_user, mallory, run_id).status_code == 404
    # Their own path with alice's run id, and alice's path with mallory's token.
    assert _cancel(live_server_url, user, mallory, run_id).status_code == 403
    assert settled_reply(run_id).status == "complete"


@pytest.mark.parametrize(
    ("headers", "query", "status"),
    [
        ({}, "", 404),
        ({"Last-Event-ID": "x"}, "", 400),
        ({}, "?after=-5", 400),
        ({"Last-Event-ID": "1_0"}, "", 400),
        ({}, "?after=%2B3", 400),
        ({}, "?after=%203", 400),
    ],
)
def test_unknown_runs_and_bad_resume_points(live_server_url, user, auth, headers, query, status):
    path = f"/api/{user.id}/chat/runs/{uuid.uuid4()}/events{query}"
    got, _, body = read_events(live_server_url, path, {**auth, **headers})
    assert got == status and body["code"] in ("not_found", "invalid")


def test_the_reference_stream_tools_path_answers_like_stream(live_server_url, user, auth):
    status, frames, _ = read_events(
        live_server_url,
        f"/api/{user.id}/chat/stream-tools",
        auth,
        method="POST",
        payload={"message": "add buy milk"},
    )
    assert status == 200
    assert [f.event["type"] for f in frames][:1] == ["start"] and frames[-1].event["type"] == "done"
    assert Conversation.objects.filter(owner=user).count() == 1


def test_the_json_endpoint_runs_through_the_broker(live_server_url, user, auth):
    response = httpx.post(
        f"{live_server_url}/api/{user.id}/chat", json={"message": "hello"}, headers=auth
    )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "complete"
    _, replay, _ = read_events(live_server_url, _events_path(user, body["run_id"]), auth)
    assert "".join(f.event.get("content", "") for f in replay) == body["response"]


def test_two_listeners_see_the_same_events(live_server_url, user, auth):
    run_id = _start(live_server_url, user, auth, stop_after=1)[0].event["run_id"]
    seen: list[list[dict]] = []

    def listen():
        seen.append(
            [f.event for f in read_events(live_server_url, _events_path(user, run_id), auth)[1]]
        )

    listeners = [threading.Thread(target=listen) for _ in range(2)]
    for listener in listeners:
        listener.start()
    for listener in listeners:
        listener.join(timeout=DEADLINE_S)
    assert len(seen) == 2 and seen[0] == seen[1] and seen[0][-1]["type"] == "done"


def test_a_reply_left_streaming_by_a_dead_worker_is_ended_on_the_next_read(
    live_server_url, user, auth, settings
):
    settings.CHAT_RUN_LEASE_S = 0.2
    conversation = Conversation.objects.create(owner=user, title="left behind")
    Message.objects.create(conversation=conversation, role="user", content="help")
    orphan = Message.objects.create(
        conversation=conversation,
        role="assistant",
        status="streaming",
        content="I was cut",
        run_id=uuid.uuid4(),
    )
    time.sleep(0.3)  # past the lease, and no worker holds one
    url = f"{live_server_url}/api/{user.id}/conversations/{conversation.id}/"
    assert httpx.get(url, headers=auth).json()["active_run_id"] is None
    orphan.refresh_from_db()
    assert (orphan.status, orphan.content) == ("interrupted", "I was cut")
    again = httpx.post(
        f"{live_server_url}/api/{user.id}/chat",
        json={"message": "hello", "conversation_id": conversation.id},
        headers=auth,
    )
    assert again.status_code == 200
