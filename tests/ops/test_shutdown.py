"""SIGTERM to a worker mid-run: what is in flight finishes within SHUTDOWN_GRACE_S, the rest is
ended `interrupted` at once and every listener hears it; the worker exits soon after."""

import threading
import time

import httpx
import pytest

from chat.llm.offline.talk import HELP_TEXT
from chat.models import Message
from tests.conftest import bearer
from tests.sse import read_events

pytestmark = pytest.mark.django_db(transaction=True)

# "help" takes about two seconds to stream at this pace.
PACED = {"OFFLINE_MODEL_FIRST_TOKEN_MS": "0", "OFFLINE_MODEL_TOKEN_MS": "30"}


def _start_run(worker, user, stop_after: int):
    status, frames, body = read_events(
        worker.url,
        f"/api/{user.id}/chat/stream",
        {"Authorization": bearer(user)},
        method="POST",
        payload={"message": "help"},
        stop_after=stop_after,
    )
    assert status == 200, body
    return frames


def _listen(worker, user, run_id: str, after: int, into: list) -> threading.Thread:
    """Follow the run on `worker` in a thread; `into` gets (arrival time, frames)."""

    def listen() -> None:
        headers = {"Authorization": bearer(user), "Last-Event-ID": str(after)}
        path = f"/api/{user.id}/chat/runs/{run_id}/events"
        _, frames, _ = read_events(worker.url, path, headers, timeout=30)
        into.append((time.monotonic(), frames))

    thread = threading.Thread(target=listen)
    thread.start()
    return thread


def test_with_a_grace_longer_than_the_run_the_reply_completes(uvicorn_workers, redis_url, user):
    (a,) = uvicorn_workers(1, env={"REDIS_URL": redis_url, "SHUTDOWN_GRACE_S": "30", **PACED})
    frames = _start_run(a, user, stop_after=3)
    run_id = frames[0].event["run_id"]
    heard: list = []
    listener = _listen(a, user, run_id, frames[-1].event["seq"], heard)
    time.sleep(0.2)
    signalled = time.monotonic()
    a.terminate()

    ready = httpx.get(f"{a.url}/readyz", timeout=5)
    assert ready.status_code == 503
    assert ready.json()["failing"] == ["shutdown"]
    assert time.monotonic() - signalled < 1.0, "not ready at once"
    messages = Message.objects.count()
    refused = httpx.post(
        f"{a.url}/api/{user.id}/chat/stream",
        json={"message": "add buy milk"},
        headers={"Authorization": bearer(user)},
    )
    assert refused.status_code == 503
    assert refused.json()["code"] == "shutting_down"
    assert Message.objects.count() == messages, "a refused run stores nothing"

    listener.join(timeout=30)
    ((_, rest),) = heard
    assert (rest[-1].event["type"], rest[-1].event["status"]) == ("done", "complete")
    reply = Message.objects.get(run_id=run_id)
    assert reply.status == Message.Status.COMPLETE
    assert reply.content == HELP_TEXT
    a.wait(timeout=10)
    assert time.monotonic() - signalled < 10, "the worker exits once its run is done"


def test_with_no_grace_the_run_is_interrupted_at_once_and_heard_on_the_other_worker(
    uvicorn_workers, redis_url, user
):
    a, b = uvicorn_workers(2, env={"REDIS_URL": redis_url, "SHUTDOWN_GRACE_S": "0", **PACED})
    frames = _start_run(a, user, stop_after=3)
    run_id = frames[0].event["run_id"]
    heard: list = []
    listener = _listen(b, user, run_id, frames[-1].event["seq"], heard)
    time.sleep(0.3)  # the listener on B is attached
    signalled = time.monotonic()
    a.terminate()

    listener.join(timeout=10)
    ((arrived, rest),) = heard
    assert rest[-1].event["type"] == "error"
    assert rest[-1].event["code"] == "interrupted"
    assert arrived - signalled < 1.0
    reply = Message.objects.get(run_id=run_id)
    assert reply.status == Message.Status.INTERRUPTED
    assert 0 < len(reply.content) < len(HELP_TEXT)
    a.wait(timeout=8)
    assert time.monotonic() - signalled < 8, "the worker exits within the grace and a few seconds"
    assert b.running
