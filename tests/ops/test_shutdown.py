"""SIGTERM to a worker mid-run: what is in flight finishes within SHUTDOWN_GRACE_S, the rest is
ended `interrupted` at once and every listener hears it; the worker exits soon after.

"At once" and "soon" are checked against bounds far above what a loaded machine needs, yet far
below the time the behaviour they rule out would take (waiting out the grace, or the run); the
measured times are printed (pytest -rA)."""

import threading
import time

import httpx
import pytest

from chat.llm.offline.talk import HELP_TEXT
from chat.models import Message
from tests.conftest import bearer
from tests.runs.replies import LONG_MESSAGE, LONG_REPLY
from tests.sse import read_events
from tests.waiting import DEADLINE_S, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# "help" takes about two seconds to stream at this pace.
PACED = {"OFFLINE_MODEL_FIRST_TOKEN_MS": "0", "OFFLINE_MODEL_TOKEN_MS": "30"}
# A grace the worker must not wait out when its run ends sooner.
LONG_GRACE_S = 120
# "At once" on a machine that may be many times slower than a quiet one.
AT_ONCE_S = 15.0


def _start_run(worker, user, stop_after: int, message: str = "help"):
    status, frames, body = read_events(
        worker.url,
        f"/api/{user.id}/chat/stream",
        {"Authorization": bearer(user)},
        method="POST",
        payload={"message": message},
        stop_after=stop_after,
    )
    assert status == 200, body
    return frames


def _listen(worker, user, run_id: str, after: int, into: list) -> threading.Thread:
    """Follow the run on `worker` in a thread until a frame has arrived (it is attached);
    `into` gets (arrival time, frames) when the stream ends."""
    attached = threading.Event()

    def listen() -> None:
        headers = {"Authorization": bearer(user), "Last-Event-ID": str(after)}
        path = f"/api/{user.id}/chat/runs/{run_id}/events"
        _, frames, _ = read_events(worker.url, path, headers, connected=attached)
        into.append((time.monotonic(), frames))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert attached.wait(DEADLINE_S), "the listener never received a frame"
    return thread


def _not_ready(worker) -> httpx.Response | None:
    response = httpx.get(f"{worker.url}/readyz", timeout=DEADLINE_S)
    return response if response.status_code == 503 else None


def test_with_a_grace_longer_than_the_run_the_reply_completes(uvicorn_workers, redis_url, user):
    env = {"REDIS_URL": redis_url, "SHUTDOWN_GRACE_S": str(LONG_GRACE_S), **PACED}
    (a,) = uvicorn_workers(1, env=env)
    frames = _start_run(a, user, stop_after=3)
    run_id = frames[0].event["run_id"]
    heard: list = []
    listener = _listen(a, user, run_id, frames[-1].event["seq"], heard)
    signalled = time.monotonic()
    a.terminate()

    # The signal is handled asynchronously: a request right after it may still find it ready.
    ready = wait_until(lambda: _not_ready(a), timeout=AT_ONCE_S, message="/readyz stayed 200")
    print(f"not ready {time.monotonic() - signalled:.3f} s after SIGTERM")
    assert ready.json()["failing"] == ["shutdown"]
    messages = Message.objects.count()
    refused = httpx.post(
        f"{a.url}/api/{user.id}/chat/stream",
        json={"message": "add buy milk"},
        headers={"Authorization": bearer(user)},
        timeout=DEADLINE_S,
    )
    assert refused.status_code == 503
    assert refused.json()["code"] == "shutting_down"
    assert Message.objects.count() == messages, "a refused run stores nothing"

    listener.join(timeout=DEADLINE_S)
    ((_, rest),) = heard
    assert (rest[-1].event["type"], rest[-1].event["status"]) == ("done", "complete")
    reply = Message.objects.get(run_id=run_id)
    assert reply.status == Message.Status.COMPLETE
    assert reply.content == HELP_TEXT
    a.wait(timeout=DEADLINE_S)
    exited_s = time.monotonic() - signalled
    print(f"exited {exited_s:.3f} s after SIGTERM (grace {LONG_GRACE_S} s)")
    assert exited_s < LONG_GRACE_S / 2, "the worker exits once its run is done"


def test_with_no_grace_the_run_is_interrupted_at_once_and_heard_on_the_other_worker(
    uvicorn_workers, redis_url, user
):
    a, b = uvicorn_workers(2, env={"REDIS_URL": redis_url, "SHUTDOWN_GRACE_S": "0", **PACED})
    frames = _start_run(a, user, stop_after=3, message=LONG_MESSAGE)
    run_id = frames[0].event["run_id"]
    heard: list = []
    listener = _listen(b, user, run_id, frames[-1].event["seq"], heard)
    signalled = time.monotonic()
    a.terminate()

    listener.join(timeout=DEADLINE_S)
    ((arrived, rest),) = heard
    assert rest[-1].event["type"] == "error"
    assert rest[-1].event["code"] == "interrupted"
    print(f"worker b heard the interruption {arrived - signalled:.3f} s after SIGTERM")
    assert arrived - signalled < AT_ONCE_S
    reply = Message.objects.get(run_id=run_id)
    assert reply.status == Message.Status.INTERRUPTED
    assert 0 < len(reply.content) < len(LONG_REPLY) and LONG_REPLY.startswith(reply.content)
    a.wait(timeout=DEADLINE_S)
    exited_s = time.monotonic() - signalled
    print(f"exited {exited_s:.3f} s after SIGTERM (grace 0 s)")
    assert exited_s < AT_ONCE_S * 2, "the worker exits within the grace and a few seconds"
    assert b.running
