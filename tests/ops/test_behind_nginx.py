"""The repository's nginx config in front of two uvicorn workers sharing the database and Redis."""

import gzip
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from chat.llm.offline.talk import HELP_TEXT
from chat.models import Message
from tests.conftest import bearer
from tests.ops.nginx import Nginx
from tests.ops.prometheus import scrape, scrape_idle, value
from tests.runs.replies import LONG_MESSAGE
from tests.sse import read_events
from tests.waiting import DEADLINE_S

READ_LOOP = Path(__file__).with_name("use_chat_read_loop.mjs")
# Paced so that "help" takes about three seconds: buffering anywhere would show.
PACED_MODEL = {"OFFLINE_MODEL_FIRST_TOKEN_MS": "100", "OFFLINE_MODEL_TOKEN_MS": "40"}
# The point is that the cancel reaches the run through nginx, not a speed: far above what a
# loaded machine needs.
CANCEL_BOUND_S = 15.0

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def stack(module_uvicorn_workers, redis_url):
    env = {"REDIS_URL": redis_url, "METRICS_ENABLED": "true", **PACED_MODEL}
    workers = module_uvicorn_workers(2, env=env)
    with Nginx(workers) as nginx:
        yield nginx, workers


def timed_events(base_url: str, user, message: str) -> list[tuple[float, dict]]:
    """Each event of one streamed turn with the seconds after the request it arrived."""
    started = time.monotonic()
    timed = []
    url = f"{base_url}/api/{user.id}/chat/stream"
    with (
        httpx.Client(timeout=DEADLINE_S) as client,
        connect_sse(
            client, "POST", url, json={"message": message}, headers={"Authorization": bearer(user)}
        ) as source,
    ):
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for sse in source.iter_sse():
            timed.append((time.monotonic() - started, json.loads(sse.data)))
    return timed


def test_a_stream_through_nginx_arrives_event_by_event(stack, user):
    nginx, _ = stack
    timed = timed_events(nginx.url, user, "help")
    texts = [at for at, event in timed if event["type"] == "text"]
    terminal_at, terminal = timed[-1]
    assert terminal["type"] == "done"
    assert len(texts) >= 10
    # Buffered by the proxy, everything would arrive together at the end. (The tokens are due
    # on fixed deadlines over three seconds: only a stall of the worker longer than that would
    # bunch them up the same way.)
    assert terminal_at - texts[0] > 0.3
    assert texts[len(texts) // 2] - texts[0] > 0.1
    reply = Message.objects.get(pk=terminal["message_id"])
    assert reply.status == Message.Status.COMPLETE
    assert reply.content == "".join(
        event["content"] for _, event in timed if event["type"] == "text"
    )


def test_the_reference_browser_read_loop_works_through_nginx(stack, user):
    nginx, _ = stack
    finished = subprocess.run(
        ["node", str(READ_LOOP), nginx.url, str(user.id), bearer(user).split()[1], "help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(finished.stdout)
    assert seen["types"][0] == "start"
    assert seen["types"][-1] == "done"
    assert seen["fullResponse"] == HELP_TEXT
    assert seen["conversationId"] is not None
    assert seen["endMs"] - seen["textAtMs"][0] > 100  # incremental in the hook too
    reply = Message.objects.get(conversation_id=seen["conversationId"], role="assistant")
    assert reply.content == seen["fullResponse"]


def test_nginx_spreads_requests_over_both_workers(stack, user):
    nginx, workers = stack
    for _ in range(4):
        assert (
            httpx.get(
                f"{nginx.url}/api/auth/me/", headers={"Authorization": bearer(user)}
            ).status_code
            == 200
        )
    for worker in workers:
        assert "/api/auth/me/" in worker.output()


def test_nginx_serves_the_static_files_precompressed_and_cached_for_good(stack):
    """Issue 27, item 16: with SERVE_STATIC=false the proxy serves STATIC_ROOT itself, the
    .gz copies collectstatic made, hashed names cached for a year."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    nginx, _ = stack
    for name in ("js/chat.js", "css/app.css", "img/favicon.svg"):
        url = nginx.url + staticfiles_storage.url(name)
        with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200, url
            assert response.headers["Content-Encoding"] == "gzip", url
            assert "Accept-Encoding" in response.headers["Vary"]
            assert response.headers["Cache-Control"] == "public, max-age=315360000, immutable"
            body = gzip.decompress(b"".join(response.iter_raw()))
        assert (
            body
            == Path(staticfiles_storage.path(staticfiles_storage.stored_name(name))).read_bytes()
        )
    plain = httpx.get(nginx.url + "/static/js/chat.js")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "public, max-age=3600"


def test_nginx_does_not_publish_metrics(stack):
    nginx, _ = stack
    assert httpx.get(f"{nginx.url}/metrics").status_code == 404


def _served(workers, needle: str) -> list[int]:
    """How many access-log lines containing `needle` each worker has written."""
    return [worker.output().count(needle) for worker in workers]


def test_a_run_resumes_through_nginx_on_either_worker(stack, user):
    nginx, workers = stack
    auth = {"Authorization": bearer(user)}
    path = f"/api/{user.id}/chat/stream"
    _, seen, _ = read_events(
        nginx.url, path, auth, method="POST", payload={"message": "help"}, stop_after=3
    )
    run_id = seen[0].event["run_id"]
    events_path = f"/api/{user.id}/chat/runs/{run_id}/events"
    while seen[-1].event["type"] not in ("done", "error"):
        headers = {**auth, "Last-Event-ID": str(seen[-1].event["seq"])}
        status, more, body = read_events(nginx.url, events_path, headers, stop_after=4)
        assert status == 200, body
        seen += more
    assert [frame.event["seq"] for frame in seen] == list(range(len(seen)))
    assert seen[-1].event["status"] == "complete"
    assert all(count > 0 for count in _served(workers, events_path)), "both workers resumed it"
    text = "".join(frame.event["content"] for frame in seen if frame.event["type"] == "text")
    assert Message.objects.get(run_id=run_id).content == text


def test_a_run_is_cancelled_through_nginx_whichever_worker_the_cancel_reaches(stack, user):
    nginx, workers = stack
    auth = {"Authorization": bearer(user)}
    stream_line = f"POST /api/{user.id}/chat/stream "
    outcomes = set()
    for attempt in range(6):
        before = _served(workers, stream_line)
        _, frames, _ = read_events(
            nginx.url,
            f"/api/{user.id}/chat/stream",
            auth,
            method="POST",
            payload={"message": LONG_MESSAGE},
            stop_after=2,
        )
        if attempt % 2:  # nginx takes turns: one request in between moves the cancel along
            httpx.get(f"{nginx.url}/healthz")
        run_id = frames[0].event["run_id"]
        cancel_path = f"/api/{user.id}/chat/runs/{run_id}/cancel"
        sent = time.monotonic()
        assert httpx.post(f"{nginx.url}{cancel_path}", headers=auth).status_code == 202
        headers = {**auth, "Last-Event-ID": str(frames[-1].event["seq"])}
        events_path = f"/api/{user.id}/chat/runs/{run_id}/events"
        _, rest, _ = read_events(nginx.url, events_path, headers)
        assert (rest[-1].event["type"], rest[-1].event["status"]) == ("done", "cancelled")
        took_s = time.monotonic() - sent
        print(f"attempt {attempt}: cancelled through nginx in {took_s:.3f} s")
        assert took_s < CANCEL_BOUND_S
        assert Message.objects.get(run_id=run_id).status == Message.Status.CANCELLED
        ran_on = [a - b for a, b in zip(_served(workers, stream_line), before, strict=True)]
        cancelled_on = [count > 0 for count in _served(workers, cancel_path)]
        outcomes.add("same worker" if cancelled_on[ran_on.index(1)] else "other worker")
        if len(outcomes) == 2:
            break
    assert outcomes == {"same worker", "other worker"}


def test_metrics_move_after_runs_and_agree_across_the_workers(stack, user):
    nginx, (a, b) = stack
    before = scrape_idle(a.url)
    relayed = 0
    for message in ("add buy milk", "add walk the dog"):
        _, frames, _ = read_events(
            nginx.url,
            f"/api/{user.id}/chat/stream",
            {"Authorization": bearer(user)},
            method="POST",
            payload={"message": message},
        )
        assert frames[-1].event["type"] == "done"
        relayed += len(frames)
    from_a = scrape_idle(a.url)
    from_b = scrape(b.url)

    def moved(name: str, **labels: str) -> float:
        assert value(from_a, name, **labels) == value(from_b, name, **labels), name
        return value(from_a, name, **labels) - value(before, name, **labels)

    assert moved("taskstream_runs_started_total") == 2
    assert moved("taskstream_runs_finished_total", status="complete") == 2
    assert moved("taskstream_tool_calls_total", tool="add_task") == 2
    assert moved("taskstream_events_relayed_total") == relayed
    assert moved("taskstream_time_to_first_token_seconds_count") == 2
    assert moved("taskstream_run_duration_seconds_count") == 2
    assert value(from_a, "taskstream_runs_active") == 0
    ok = {"class": "2xx"}
    assert (
        value(from_a, "taskstream_http_responses_total", **ok)
        - value(before, "taskstream_http_responses_total", **ok)
        >= 3
    )  # the two streams and the first scrape
    assert value(from_b, "taskstream_http_responses_total", **ok) == (
        value(from_a, "taskstream_http_responses_total", **ok) + 1  # the scrape of A
    )
