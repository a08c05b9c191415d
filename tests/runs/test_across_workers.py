"""Runs across workers with the default lease (issue 25): a silent run followed from another
worker, many listeners through one Redis reader, resuming at the end, and a killed worker's
runs ended whether or not anyone listens."""

import asyncio
import json
import time
import uuid

import httpx
import pytest
import redis

from chat.models import Message
from tests.runs.replies import settled_reply
from tests.sse import read_events
from tests.workers import start_workers

pytestmark = pytest.mark.django_db(transaction=True)

THINKING_MS = "9000"  # a model that thinks longer than redis-py's 5 s socket timeout


def _workers(redis_url: str, **overrides: str):
    return start_workers(
        2,
        REDIS_URL=redis_url,
        CHAT_RUN_REDIS_PREFIX=f"taskstream-test:{uuid.uuid4().hex}:",
        CHAT_RATE_LIMIT="100000/min",
        OFFLINE_MODEL_FIRST_TOKEN_MS=THINKING_MS,
        OFFLINE_MODEL_TOKEN_MS="25",
        **overrides,
    )


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker, redis_url):
    workers = _workers(redis_url)
    yield workers
    for worker in workers:
        worker.close()


def _start(worker, user, auth, message="help", stop_after=1):
    status, frames, body = read_events(
        worker.url,
        f"/api/{user.id}/chat/stream",
        auth,
        method="POST",
        payload={"message": message},
        stop_after=stop_after,
    )
    assert status == 200, body
    return frames[0].event


def _events_path(user, run_id: str) -> str:
    return f"/api/{user.id}/chat/runs/{run_id}/events"


def test_a_run_silent_for_9_s_followed_from_the_other_worker_completes(pair, user, auth):
    a, b = pair
    run_id = _start(a, user, auth)["run_id"]
    status, frames, _ = read_events(b.url, _events_path(user, run_id), auth, timeout=60)
    assert status == 200
    seqs = [frame.event["seq"] for frame in frames]
    assert seqs == list(range(len(seqs)))
    assert frames[-1].event["type"] == "done" and frames[-1].event["status"] == "complete"
    assert "Timeout reading" not in b.output()


def test_a_resume_at_or_past_the_end_ends_at_once(pair, user, auth):
    a, b = pair
    run_id = _start(a, user, auth, message="hello", stop_after=None)["run_id"]
    _, frames, _ = read_events(a.url, _events_path(user, run_id), auth, timeout=60)
    final = frames[-1].event["seq"]
    for worker in (a, b):
        for headers, query in [({"Last-Event-ID": str(final)}, ""), ({}, "?after=9999")]:
            path = _events_path(user, run_id) + query
            status, rest, _ = read_events(worker.url, path, {**auth, **headers}, timeout=20)
            assert (status, rest) == (200, [])


def _connections_of(worker, redis_url: str) -> int:
    names = redis.Redis.from_url(redis_url).client_list()
    return sum(1 for client in names if client["name"] == f"taskstream-{worker.process.pid}")


async def _listen(client: httpx.AsyncClient, url: str, auth: dict) -> list[dict]:
    events = []
    async with client.stream("GET", url, headers=auth) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
    return events


def test_500_listeners_on_b_follow_50_runs_on_a_through_one_reader(pair, user, auth, redis_url):
    a, b = pair
    run_ids = [_start(a, user, auth)["run_id"] for _ in range(50)]
    counts: list[int] = []

    async def listen_all() -> list[list[dict]]:
        limits = httpx.Limits(max_connections=600, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            listeners = [
                asyncio.ensure_future(_listen(client, b.url + _events_path(user, run_id), auth))
                for run_id in run_ids
                for _ in range(10)
            ]
            while not all(listener.done() for listener in listeners):
                counts.append(_connections_of(b, redis_url))
                await asyncio.wait(listeners, timeout=0.5)
            return [listener.result() for listener in listeners]

    results = asyncio.run(listen_all())
    assert len(results) == 500
    for index, events in enumerate(results):
        run_id = run_ids[index // 10]
        assert [event["seq"] for event in events] == list(range(len(events))), run_id
        assert events[0]["run_id"] == run_id and events[-1]["type"] == "done"
    for index in range(0, 500, 10):
        assert all(results[index + k] == results[index] for k in range(10))
    assert counts and max(counts) <= 8, counts


def test_a_killed_workers_runs_are_all_ended_listened_to_or_not(user, auth, redis_url):
    a, b = _workers(redis_url)
    try:
        run_ids = [_start(a, user, auth)["run_id"] for _ in range(10)]
        a.kill()
        # One listener on B (the default lease: it must outlast redis-py's socket timeout).
        status, frames, _ = read_events(b.url, _events_path(user, run_ids[0]), auth, timeout=60)
        assert status == 200
        assert frames[-1].event["type"] == "error" and frames[-1].event["code"] == "interrupted"
        # Nobody reads the other nine: B's sweep ends them (a generous bound, not a timing).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            statuses = set(
                Message.objects.filter(run_id__in=run_ids).values_list("status", flat=True)
            )
            if statuses == {"interrupted"}:
                break
            time.sleep(0.5)
        assert statuses == {"interrupted"}
        assert settled_reply(run_ids[-1]).status == "interrupted"
    finally:
        for worker in (a, b):
            worker.close()
