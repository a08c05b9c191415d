"""A PostgreSQL restart loses nothing: two uvicorn workers on a cluster of the test's own,
restarted while 16 streams run; then a database that stays away longer than a run's final
save may wait (CHAT_SAVE_RETRY_S).

The cluster and the workers are shared by the module (starting them costs seconds). The test
owns its database, so it does not use pytest-django's; it runs once, in the SQLite pass (the
PostgreSQL pass would only repeat it).
"""

import json
import subprocess
import sys
import threading
import uuid

import httpx
import psycopg
import pytest
from django.conf import settings

from tests.ops.postgres_server import PostgresCluster
from tests.waiting import wait_until
from tests.workers import PROJECT_DIR, Worker, start_workers, worker_env

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="owns its PostgreSQL cluster: runs once, in the SQLite pass",
)

STREAMS = 16
ACCOUNTS = 6  # at most 3 streams each (CHAT_MAX_ACTIVE_RUNS_PER_USER)
PASSWORD = "a-long-test-password-42"
WORKER_ENV = {
    # Every worker of the module shares one broker: a run is found dead from another worker.
    "CHAT_RUN_REDIS_PREFIX": f"taskstream-test:{uuid.uuid4().hex}:",
    "CHAT_RATE_LIMIT": "0",
    "AUTH_RATE_LIMIT": "0",
    "REGISTER_RATE_LIMIT": "0",
    # The reply's text comes seconds after its tool call: the restart falls between them.
    "OFFLINE_MODEL_FIRST_TOKEN_MS": "3000",
    "OFFLINE_MODEL_TOKEN_MS": "25",
}


@pytest.fixture(scope="module")
def cluster():
    with PostgresCluster() as cluster:
        url = cluster.create_database("taskstream")
        env = worker_env(DATABASE_URL=url)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=PROJECT_DIR,
            env=env,
            check=True,
            timeout=300,
        )
        cluster.database_url = url
        yield cluster


@pytest.fixture(scope="module")
def workers(cluster, redis_url):
    pair = start_workers(2, DATABASE_URL=cluster.database_url, REDIS_URL=redis_url, **WORKER_ENV)
    yield pair
    for worker in pair:
        worker.close()


@pytest.fixture(scope="module")
def accounts(workers) -> list[tuple[int, dict]]:
    made = []
    for number in range(ACCOUNTS):
        credentials = {"username": f"restart-{number}", "password": PASSWORD}
        registered = httpx.post(f"{workers[0].url}/api/auth/register/", json=credentials)
        assert registered.status_code == 201, registered.text
        token = httpx.post(f"{workers[0].url}/api/auth/token/", json=credentials).json()
        made.append((registered.json()["id"], {"Authorization": f"Bearer {token['access']}"}))
    return made


class Stream(threading.Thread):
    """One chat stream read to its end; `tool_done` is set once its tool call returned."""

    def __init__(self, worker: Worker, account: tuple[int, dict], message: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{worker.url}/api/{account[0]}/chat/stream"
        self.headers = account[1]
        self.message = message
        self.tool_done = threading.Event()
        self.events: list[dict] = []
        self.status: int | None = None

    def run(self) -> None:
        try:
            with (
                httpx.Client(timeout=120) as client,
                client.stream(
                    "POST", self.url, json={"message": self.message}, headers=self.headers
                ) as response,
            ):
                self.status = response.status_code
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        self.events.append(json.loads(line[len("data: ") :]))
                        if self.events[-1]["type"] == "tool_result":
                            self.tool_done.set()
        finally:
            self.tool_done.set()

    @property
    def run_id(self) -> str:
        return self.events[0]["run_id"]


def _replies(cluster: PostgresCluster, run_ids: list[str]) -> dict[str, tuple]:
    dsn = cluster.database_url.replace("postgres://", "postgresql://")
    with psycopg.connect(dsn) as db:
        rows = db.execute(
            "SELECT run_id::text, status, error_code, tool_calls FROM chat_message "
            "WHERE run_id = ANY(%s::uuid[])",
            [run_ids],
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def _ready(worker: Worker) -> bool:
    try:
        return httpx.get(f"{worker.url}/readyz", timeout=10).status_code == 200
    except httpx.TransportError:
        return False


def test_a_restart_mid_stream_saves_every_reply_with_its_tool_calls(cluster, workers, accounts):
    streams = [
        Stream(workers[number % 2], accounts[number % ACCOUNTS], f"add restart task {number}")
        for number in range(STREAMS)
    ]
    for stream in streams:
        stream.start()
    for stream in streams:
        assert stream.tool_done.wait(180)
    assert all(stream.status == 200 for stream in streams)

    cluster.restart()

    for stream in streams:
        stream.join(240)
    endings = [stream.events[-1] for stream in streams]
    assert all(ending["type"] == "done" for ending in endings), endings
    replies = _replies(cluster, [stream.run_id for stream in streams])
    for stream in streams:
        status, error_code, tool_calls = replies[stream.run_id]
        assert (status, error_code) == ("complete", "")
        assert [call["name"] for call in tool_calls] == ["add_task"]
        assert tool_calls[0]["output"]["ok"] is True

    for worker in workers:
        user_id, headers = accounts[0]
        statuses = [
            httpx.get(f"{worker.url}/api/{user_id}/tasks/", headers=headers, timeout=30).status_code
            for _ in range(20)
        ]
        assert statuses == [200] * 20
        wait_until(lambda worker=worker: _ready(worker), timeout=120, interval=0.2)
        assert all(_ready(worker) for _ in range(10))


def test_a_save_given_up_is_ended_error_with_its_tool_calls_by_the_next_worker(
    cluster, redis_url, workers, accounts
):
    (impatient,) = start_workers(
        1,
        DATABASE_URL=cluster.database_url,
        REDIS_URL=redis_url,
        CHAT_SAVE_RETRY_S="1",
        CHAT_RUN_LEASE_S="1",
        **WORKER_ENV,
    )
    try:
        stream = Stream(impatient, accounts[0], "add saved anyway")
        stream.start()
        assert stream.tool_done.wait(180)
        cluster.stop()
        try:
            stream.join(120)
            assert stream.events[-1]["type"] == "error"
            assert stream.events[-1]["code"] == "save_failed"
            assert "status=error error_code=save_failed" in impatient.output()
        finally:
            impatient.kill()  # before the database is back: another worker must end the reply
            cluster.start()
    finally:
        impatient.close()

    user_id, headers = accounts[0]
    conversation_id = stream.events[0]["conversation_id"]

    def next_turn_taken():
        answer = httpx.post(
            f"{workers[0].url}/api/{user_id}/chat",
            json={"message": "hello", "conversation_id": conversation_id},
            headers=headers,
            timeout=60,
        )
        return answer.status_code == 200

    wait_until(next_turn_taken, timeout=120, interval=1.0)
    status, error_code, tool_calls = _replies(cluster, [stream.run_id])[stream.run_id]
    assert (status, error_code) == ("error", "save_failed")
    assert [call["name"] for call in tool_calls] == ["add_task"]
