"""Smaller findings of the fault and abuse review: one visible-text rule for every displayed
user text, a path that climbs out of /static/, and the development server's client address."""

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from chat.models import Conversation
from tests.api.conftest import assert_error
from tests.workers import PROJECT_DIR, free_port
from todos.models import Task

BIDI_MESSAGE = "Bidirectional override and isolate characters are not allowed."


@pytest.mark.django_db(transaction=True)
def test_a_conversation_title_follows_the_rule_of_task_titles(api, user):
    reply = api.post(f"/api/{user.id}/chat", {"message": "hello"}, format="json")
    url = f"/api/{user.id}/conversations/{reply.json()['conversation_id']}/"
    for title, message in [("safe \u202egnp.exe", BIDI_MESSAGE), ("\u200b\u3164", None)]:
        body = assert_error(
            api.patch(url, {"title": title}, format="json"), 400, "invalid", {"title"}
        )
        if message:
            assert body["errors"]["title"] == [message]
    assert Conversation.objects.get().title == "hello"


@pytest.mark.django_db(transaction=True)
def test_a_title_made_from_a_first_message_drops_direction_controls(api, user):
    for message, title in [("pay \u202egnp.exe now", "pay gnp.exe now"), ("\u2066\u200b", "")]:
        reply = api.post(f"/api/{user.id}/chat", {"message": message}, format="json")
        assert reply.status_code == 200
        assert Conversation.objects.get(pk=reply.json()["conversation_id"]).title == title


@pytest.mark.django_db
def test_a_task_description_follows_the_rule_too(api, user):
    url = f"/api/{user.id}/tasks/"
    for description in ["see \u202etxt.exe", "\u200b\u3164"]:
        refused = api.post(url, {"title": "milk", "description": description}, format="json")
        assert_error(refused, 400, "invalid", {"description"})
    assert api.post(url, {"title": "milk", "description": ""}, format="json").status_code == 201
    assert list(Task.objects.values_list("description", flat=True)) == [""]


def _raw_get(base_url: str, path: str) -> int:
    """GET `path` exactly as written (an HTTP client would resolve the dot segments)."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/static/../../.env", "/static/../config/settings.py"])
def test_a_static_path_out_of_the_static_directories_is_404(live_server_url, path):
    assert _raw_get(live_server_url, path) == 404
    assert _raw_get(live_server_url, "/static/css/app.css") == 200


def test_the_makefile_runs_uvicorn_without_proxy_headers():
    run = Path(PROJECT_DIR / "Makefile").read_text().split("\nrun:")[1].split("\n\n")[0]
    assert "uvicorn" in run and "--no-proxy-headers" in run


def test_runserver_takes_no_client_address_from_x_forwarded_for():
    port = free_port()
    env = {
        **os.environ,
        "AUTH_RATE_LIMIT": "1/min",
        "REGISTER_RATE_LIMIT": "0",
        "DATABASE_URL": "sqlite:////nonexistent/never-opened.sqlite3",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        statuses = [
            httpx.post(
                f"{url}/api/auth/token/refresh/",
                json={"refresh": "not-a-token"},
                headers={"X-Forwarded-For": forged},
            ).status_code
            for forged in ("203.0.113.1", "203.0.113.2")
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == [401, 429], "one address: the forged header picked none of its own"
