"""Redis going away for 5 s under 20 streams on two workers (its own redis-server: the shared
one is never stopped): the streams go on, new turns are refused with 503 and store nothing,
and once Redis is back every reply is whole, resumable elsewhere, and new turns are served."""

import json
import threading
import time
import uuid

import httpx
import pytest

from chat.models import Message
from tests.conftest import bearer
from tests.ops.redis_server import RedisServer
from tests.runs.replies import settled_reply
from tests.sse import read_events
from tests.waiting import wait_until
from tests.workers import start_workers

pytestmark = pytest.mark.django_db(transaction=True)


class Listener(threading.Thread):
    """Starts a turn and reads its whole stream, keeping each event as it arrives."""

    def __init__(self, worker, user, auth) -> None:
        super().__init__(daemon=True)
        self.worker, self.user, self.auth = worker, user, auth
        self.events: list[dict] = []
        self.status: int | None = None

    def run(self) -> None:
        url = f"{self.worker.url}/api/{self.user.id}/chat/stream"
        with httpx.stream(
            "POST", url, json={"message": "help"}, headers=self.auth, timeout=120
        ) as response:
            self.status = response.status_code
            for line in response.iter_lines():
                if line.startswith("data: "):
                    self.events.append(json.loads(line[len("data: ") :]))


def test_streams_survive_a_redis_outage_and_turns_are_refused_meanwhile(user):
    auth = {"Authorization": bearer(user)}
    with RedisServer() as own_redis:
        workers = start_workers(
            2,
            REDIS_URL=own_redis.url,
            CHAT_RUN_REDIS_PREFIX=f"taskstream-test:{uuid.uuid4().hex}:",
            CHAT_RATE_LIMIT="100000/min",
            OFFLINE_MODEL_FIRST_TOKEN_MS="0",
            OFFLINE_MODEL_TOKEN_MS="150",
        )
        try:
            listeners = [Listener(workers[i % 2], user, auth) for i in range(20)]
            for listener in listeners:
                listener.start()
            wait_until(lambda: all(len(listener.events) >= 2 for listener in listeners))

            own_redis.stop()
            stored = Message.objects.count()
            for worker in workers:
                refused = httpx.post(
                    f"{worker.url}/api/{user.id}/chat", json={"message": "hello"}, headers=auth
                )
                assert refused.status_code == 503, refused.text
                assert refused.json()["code"] == "broker_unavailable"
                assert int(refused.headers["Retry-After"]) > 0
                assert httpx.get(f"{worker.url}/readyz", timeout=10).status_code == 503
            assert Message.objects.count() == stored, "a refused turn stores nothing"
            time.sleep(5)  # the outage
            own_redis.start()

            for listener in listeners:
                listener.join(timeout=120)
            for listener in listeners:
                events = listener.events
                assert listener.status == 200
                assert [event["seq"] for event in events] == list(range(len(events)))
                assert events[-1]["type"] == "done", events[-1]
                run_id = events[0]["run_id"]
                text = "".join(e["content"] for e in events if e["type"] == "text")
                reply = settled_reply(run_id)
                assert (reply.status, reply.content) == ("complete", text)
                # Resumed on the other worker, from the start: everything, from Redis.
                other = workers[1] if listener.worker is workers[0] else workers[0]
                path = f"/api/{user.id}/chat/runs/{run_id}/events"
                status, replay, _ = read_events(other.url, path, auth, timeout=30)
                assert status == 200 and [frame.event for frame in replay] == events

            for worker in workers:
                assert httpx.get(f"{worker.url}/readyz", timeout=10).status_code == 200
                for _ in range(12):  # more than the pool's connections, each maybe broken
                    turn = httpx.post(
                        f"{worker.url}/api/{user.id}/chat",
                        # One token: "hello" took 2.8 s a turn at this pace, 67 s for the 24.
                        json={"message": "benchmark 1"},
                        headers=auth,
                        timeout=60,
                    )
                    assert turn.status_code == 200, turn.text
            assert not Message.objects.filter(status="streaming").exists()
        finally:
            for worker in workers:
                worker.close()
