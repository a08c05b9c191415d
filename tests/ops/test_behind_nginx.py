"""The repository's nginx config in front of two uvicorn workers sharing the database and Redis."""

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from chat.models import Message
from tests.conftest import bearer
from tests.ops.nginx import Nginx

READ_LOOP = Path(__file__).with_name("use_chat_read_loop.mjs")
# Paced so that a reply takes about a second: buffering anywhere would show.
PACED_MODEL = {"OFFLINE_MODEL_FIRST_TOKEN_MS": "100", "OFFLINE_MODEL_TOKEN_MS": "40"}

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
        httpx.Client(timeout=30) as client,
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
    # Buffered by the proxy, everything would arrive together at the end.
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
        ["node", str(READ_LOOP), nginx.url, str(user.id), bearer(user).split()[1], "add buy milk"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen = json.loads(finished.stdout)
    assert seen["types"][0] == "start"
    assert seen["types"][-1] == "done"
    assert "buy milk" in seen["fullResponse"]
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


def test_nginx_does_not_publish_metrics(stack):
    nginx, _ = stack
    assert httpx.get(f"{nginx.url}/metrics").status_code == 404
