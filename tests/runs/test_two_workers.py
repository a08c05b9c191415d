"""Two uvicorn processes sharing the database and Redis: a run started on one is resumed,
cancelled and found dead from the other."""

import threading
import time
import uuid

import httpx
import pytest

from chat.llm.offline.talk import HELP_TEXT
from chat.models import Message
from tests.conftest import bearer
from tests.runs.replies import LONG_MESSAGE, LONG_REPLY, settled_reply
from tests.sse import read_events
from tests.waiting import DEADLINE_S
from tests.workers import start_workers

pytestmark = pytest.mark.django_db(transaction=True)

# The point is that a cancel reaches the run's worker through the broker, not a speed: the
# bound is far above what a loaded machine needs; the measured time is printed (pytest -rA).
CANCEL_BOUND_S = 15.0


def _pair(redis_url: str):
    return start_workers(
        2,
        REDIS_URL=redis_url,
        CHAT_RUN_REDIS_PREFIX=f"taskstream-test:{uuid.uuid4().hex}:",
        CHAT_RUN_LEASE_S="1",
        OFFLINE_MODEL_FIRST_TOKEN_MS="0",
        OFFLINE_MODEL_TOKEN_MS="25",
    )


@pytest.fixture(scope="module")
def workers(django_db_setup, redis_url):
    """Shared by the module's tests that leave both workers running and no run going (starting
    a pair costs seconds, tens of them on a loaded machine)."""
    pair = _pair(redis_url)
    yield pair
    for worker in pair:
        worker.close()


@pytest.fixture
def workers_to_kill(redis_url):
    """A pair of the test's own: the test kills worker a."""
    pair = _pair(redis_url)
    yield pair
    for worker in pair:
        worker.close()


def _start(worker, user, auth, stop_after=3, message="help"):
    status, frames, body = read_events(
        worker.url,
        f"/api/{user.id}/chat/stream",
        auth,
        method="POST",
        payload={"message": message},
        stop_after=stop_after,
    )
    assert status == 200, body
    return frames


def _events(worker, user, run_id, auth, **kwargs):
    return read_events(worker.url, f"/api/{user.id}/chat/runs/{run_id}/events", auth, **kwargs)


def test_started_on_a_resumed_on_b(workers, user, auth):
    a, b = workers
    first = _start(a, user, auth, stop_after=5)
    run_id, k = first[0].event["run_id"], first[-1].event["seq"]
    status, rest, _ = _events(b, user, run_id, {**auth, "Last-Event-ID": str(k)})
    assert status == 200
    seqs = [frame.event["seq"] for frame in rest]
    assert seqs == list(range(k + 1, k + 1 + len(seqs))) and rest[-1].event["type"] == "done"
    text = "".join(f.event["content"] for f in [*first, *rest] if f.event["type"] == "text")
    reply = settled_reply(run_id)
    assert reply.status == "complete" and reply.content == text == HELP_TEXT


def test_cancel_on_b_stops_the_run_on_a(workers, user, auth, record_property):
    a, b = workers
    run_id = _start(a, user, auth, stop_after=3, message=LONG_MESSAGE)[0].event["run_id"]
    listening, ended = threading.Event(), []

    def listen_on_a():
        frames = _events(a, user, run_id, auth, connected=listening)[1]
        ended.append((time.monotonic(), frames[-1].event))

    listener = threading.Thread(target=listen_on_a, daemon=True)
    listener.start()
    assert listening.wait(DEADLINE_S), "the events stream on worker a never sent a frame"
    sent = time.monotonic()
    response = httpx.post(
        f"{b.url}/api/{user.id}/chat/runs/{run_id}/cancel", headers=auth, timeout=DEADLINE_S
    )
    assert response.status_code == 202
    listener.join(timeout=DEADLINE_S)
    assert ended, "the run on worker a did not end"
    ((arrived, last),) = ended
    assert last["type"] == "done" and last["status"] == "cancelled"
    took_s = arrived - sent
    record_property("cancel_reached_the_other_worker_s", round(took_s, 3))
    print(f"cancel on b reached the run on a in {took_s:.3f} s")
    assert took_s < CANCEL_BOUND_S
    reply = settled_reply(run_id)
    assert reply.status == "cancelled" and 0 < len(reply.content) < len(LONG_REPLY)
    assert LONG_REPLY.startswith(reply.content)


def test_sigkill_of_a_mid_run_is_seen_from_b_as_interrupted(workers_to_kill, user, auth):
    a, b = workers_to_kill
    frames = _start(a, user, auth, stop_after=3, message=LONG_MESSAGE)
    run_id, conversation_id = frames[0].event["run_id"], frames[0].event["conversation_id"]
    a.kill()
    status, rest, _ = _events(b, user, run_id, {**auth, "Last-Event-ID": "1"})
    assert status == 200
    assert rest[-1].event["type"] == "error" and rest[-1].event["code"] == "interrupted"
    assert settled_reply(run_id).status == "interrupted"
    again = httpx.post(
        f"{b.url}/api/{user.id}/chat",
        json={"message": "hello", "conversation_id": conversation_id},
        headers=auth,
        timeout=DEADLINE_S,
    )
    assert again.status_code == 200, "the conversation accepts a new turn afterwards"


def test_a_dead_run_does_not_block_the_next_turn(workers_to_kill, user, auth):
    a, b = workers_to_kill
    frames = _start(a, user, auth, stop_after=2, message=LONG_MESSAGE)
    run_id, conversation_id = frames[0].event["run_id"], frames[0].event["conversation_id"]
    a.kill()
    time.sleep(1.2)  # past the lease
    response = httpx.post(
        f"{b.url}/api/{user.id}/chat",
        json={"message": "hello", "conversation_id": conversation_id},
        headers=auth,
        timeout=DEADLINE_S,
    )
    assert response.status_code == 200
    assert Message.objects.get(run_id=run_id).status == "interrupted"


def test_a_second_run_is_refused_on_the_other_worker(workers, user, auth):
    a, b = workers
    frames = _start(a, user, auth, stop_after=2, message=LONG_MESSAGE)
    response = httpx.post(
        f"{b.url}/api/{user.id}/chat/stream",
        json={"message": "hello", "conversation_id": frames[0].event["conversation_id"]},
        headers=auth,
        timeout=DEADLINE_S,
    )
    assert response.status_code == 409
    assert response.json()["run_id"] == frames[0].event["run_id"]
    # The workers serve the next test: the run ends here.
    run_id = frames[0].event["run_id"]
    cancel = httpx.post(
        f"{a.url}/api/{user.id}/chat/runs/{run_id}/cancel", headers=auth, timeout=DEADLINE_S
    )
    assert cancel.status_code == 202
    assert settled_reply(run_id).status == "cancelled"


def test_a_foreign_run_is_not_found_on_the_other_worker(workers, user, auth, other_user):
    a, b = workers
    run_id = _start(a, user, auth, stop_after=2)[0].event["run_id"]
    mallory = {"Authorization": bearer(other_user)}
    status, _, _ = _events(b, other_user, run_id, mallory)
    assert status == 404
    cancel = httpx.post(
        f"{b.url}/api/{other_user.id}/chat/runs/{run_id}/cancel",
        headers=mallory,
        timeout=DEADLINE_S,
    )
    assert cancel.status_code == 404
    assert settled_reply(run_id).status == "complete"
