"""Limits that hold against many free accounts: a sliding window (never 2N across a window's
edge), a malformed request uses up no turn, registrations per address, concurrent runs per
user (on every worker) and per worker, a daily token budget, and the memory finished runs hold.
"""

import asyncio
import tracemalloc
import uuid

import httpx
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from chat.models import DailyTokenUsage, Message
from chat.runs.brokers.base import RunInfo
from chat.runs.brokers.memory import MemoryRunBroker
from chat.runs.events import EventSequence, EventType
from chat.runs.execution import LocalRun
from config.env import RateLimit
from config.ratelimit import forget_local_attempts, hit
from tests.conftest import PASSWORD, bearer
from tests.fakes import FakeOpenAI
from tests.sse import read_events


@pytest.fixture(autouse=True)
def fresh_counters():
    """The local logs outlive a test: count from zero."""
    forget_local_attempts()
    yield
    forget_local_attempts()


# --- the sliding window --------------------------------------------------------------------


@pytest.fixture(params=["local", "redis"])
def limits_store(request, settings):
    """The embedded default (this process's memory) and the real Redis every worker shares."""
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
    return request.param


def test_n_plus_one_attempts_across_a_minute_boundary_the_last_is_refused(limits_store):
    limit, key = RateLimit(count=3, period_s=60), f"test:{uuid.uuid4()}"
    minute = 60 * 28_000_000  # any minute boundary
    attempts = [minute - 10, minute - 5, minute - 1, minute + 2]  # 4 within 12 s, across it
    assert [hit(key, limit, now=at) for at in attempts] == [None, None, None, 48]
    assert hit(key, limit, now=minute + 49.5) == 1, "still 3 in the last minute"
    assert hit(key, limit, now=minute + 50.5) is None, "the first attempt left the window"


@pytest.mark.django_db(transaction=True)
def test_a_malformed_request_uses_up_no_chat_turn(settings, user):
    settings.CHAT_RATE_LIMIT = RateLimit(count=1, period_s=60)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    path = f"/api/{user.id}/chat"
    assert client.post(path, {"message": ""}, format="json").status_code == 400
    assert client.post(path, {"mesage": "typo"}, format="json").status_code == 400
    assert client.post(path, {"message": "add tea"}, format="json").status_code == 200
    refused = client.post(path, {"message": "add milk"}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"


@pytest.mark.django_db
def test_registrations_per_address_are_limited_on_the_api_and_the_page(settings, client):
    settings.REGISTER_RATE_LIMIT = RateLimit(count=2, period_s=86400)
    api = APIClient()
    for number in range(2):
        made = api.post(
            "/api/auth/register/",
            {"username": f"free{number}", "password": PASSWORD},
            format="json",
        )
        assert made.status_code == 201
    refused = api.post(
        "/api/auth/register/", {"username": "free2", "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 80000
    form = {"username": "free3", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", form).status_code == 429
    assert not get_user_model().objects.filter(username__in=["free2", "free3"]).exists()


# --- concurrent runs -----------------------------------------------------------------------

SLOW = {"OFFLINE_MODEL_FIRST_TOKEN_MS": "0", "OFFLINE_MODEL_TOKEN_MS": "25"}  # 50 s a run


def _start(worker, user, message: str = "benchmark 2000"):
    """Start a run and hang up after its first event (the run goes on)."""
    status, frames, body = read_events(
        worker.url,
        f"/api/{user.id}/chat/stream",
        {"Authorization": bearer(user)},
        method="POST",
        payload={"message": message},
        stop_after=1,
    )
    return status, (frames[0].event["run_id"] if frames else None), body


def _cancel_and_wait(worker, user, run_id: str) -> None:
    auth = {"Authorization": bearer(user)}
    path = f"/api/{user.id}/chat/runs/{run_id}/cancel"
    assert httpx.post(f"{worker.url}{path}", headers=auth).status_code == 202
    _, frames, _ = read_events(worker.url, f"/api/{user.id}/chat/runs/{run_id}/events", auth)
    assert frames[-1].event["type"] == "done"


@pytest.mark.django_db(transaction=True)
def test_the_caps_on_runs_per_user_and_per_worker(uvicorn_workers, make_user):
    (worker,) = uvicorn_workers(
        1, env={"CHAT_MAX_ACTIVE_RUNS_PER_USER": "3", "CHAT_MAX_ACTIVE_RUNS": "4", **SLOW}
    )
    alice, bob = make_user("alice"), make_user("bob")
    runs = [_start(worker, alice) for _ in range(3)]
    assert [status for status, _, _ in runs] == [200] * 3
    stored = Message.objects.count()

    status, _, body = _start(worker, alice)
    assert (status, body["code"]) == (429, "too_many_active_runs")
    assert Message.objects.count() == stored, "nothing stored"

    bob_status, bob_run, _ = _start(worker, bob)
    assert bob_status == 200  # the worker's 4th run
    refused = httpx.post(
        f"{worker.url}/api/{bob.id}/chat/stream",
        json={"message": "hello"},
        headers={"Authorization": bearer(bob)},
    )
    assert (refused.status_code, refused.json()["code"]) == (503, "busy")
    assert int(refused.headers["Retry-After"]) >= 1

    _cancel_and_wait(worker, alice, runs[0][1])
    _cancel_and_wait(worker, bob, bob_run)
    status, run_id, _ = _start(worker, alice)
    assert status == 200, "a run that ended gives its slot back"
    for _, other, _ in [*runs[1:], (None, run_id, None)]:
        _cancel_and_wait(worker, alice, other)


@pytest.mark.django_db(transaction=True)
def test_the_cap_per_user_holds_across_workers_through_redis(uvicorn_workers, user, redis_url):
    a, b = uvicorn_workers(
        2, env={"REDIS_URL": redis_url, "CHAT_MAX_ACTIVE_RUNS_PER_USER": "3", **SLOW}
    )
    runs = [(a, _start(a, user)), (a, _start(a, user)), (b, _start(b, user))]
    assert [started[0] for _, started in runs] == [200] * 3
    stored = Message.objects.count()
    for worker in (a, b):
        status, _, body = _start(worker, user)
        assert (status, body["code"]) == (429, "too_many_active_runs")
    assert Message.objects.count() == stored

    worker, (_, run_id, _) = runs.pop()
    _cancel_and_wait(worker, user, run_id)
    status, run_id, _ = _start(a, user)
    assert status == 200, "the slot came back when the run on the other worker ended"
    for worker, (_, other, _) in [*runs, (a, (None, run_id, None))]:
        _cancel_and_wait(worker, user, other)


# --- the daily token budget ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_daily_token_budget_with_a_provider_reporting_usage(
    settings, live_server_url, user, admin_client
):
    with FakeOpenAI() as fake:  # 42 input + 17 output tokens per model request
        settings.OPENAI_API_KEY = fake.api_key
        settings.OPENAI_BASE_URL = fake.base_url
        settings.AGENT_MODEL = "gpt-test"
        settings.AGENT_API = "chat_completions"
        settings.CHAT_DAILY_TOKEN_BUDGET = 100
        auth = {"Authorization": bearer(user)}
        url = f"{live_server_url}/api/{user.id}/chat"
        for _ in range(2):  # 59, then 118 tokens: a turn starts while under the budget
            assert httpx.post(url, json={"message": "hello"}, headers=auth).status_code == 200
        stored = Message.objects.count()
        refused = httpx.post(url, json={"message": "hello"}, headers=auth)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "quota_exceeded" and body["resets_at"] in body["detail"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert Message.objects.count() == stored
    usage = DailyTokenUsage.objects.get(user=user)
    assert (usage.input_tokens, usage.output_tokens) == (84, 34)

    page = admin_client.get("/admin/chat/dailytokenusage/")
    assert page.status_code == 200
    assert user.username in page.content.decode() and ">118<" in page.content.decode()


# --- the memory finished runs hold ---------------------------------------------------------


def _finished_benchmark_run(number: int) -> LocalRun:
    run = LocalRun(info=RunInfo(run_id=str(number), user_id=1, conversation_id=1, message_id=1))
    sequence = EventSequence()
    run.log.append(sequence.make(EventType.START, conversation_id=1, run_id="r", user_message_id=1))
    for token in range(2000):
        run.log.append(sequence.make(EventType.TEXT, content=f" word{token}"))
    run.log.append(sequence.make(EventType.DONE, message_id=1, status="complete"))
    return run


def test_finished_runs_memory_is_bounded_oldest_first(settings):
    settings.CHAT_RUN_EVENTS_MAX_MB = 8
    broker = MemoryRunBroker()

    async def a_hundred_runs() -> None:  # ~19 MB of frames kept: over twice the bound
        for number in range(100):
            run = _finished_benchmark_run(number)
            await broker.run_started(run)
            await broker.run_ended(run)

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        asyncio.run(a_hundred_runs())
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert broker.finished_bytes <= 8 * 1024 * 1024
    assert held <= 10 * 1024 * 1024, f"{held} bytes held for an 8 MB bound"
    assert asyncio.run(broker.run_info("0")) is None, "evicted: reads as expired"
    assert asyncio.run(broker.run_info("99")) is not None
