"""Deleting an account while one of its replies is streaming: the run is cancelled first (on
every run broker), then the rows go. Against a real uvicorn."""

import time

import httpx
import pytest
from asgiref.sync import async_to_sync

from chat.models import Message
from chat.runs.brokers import run_broker
from tests.conftest import PASSWORD, bearer
from tests.runs.conftest import broker  # noqa: F401  (each test once per run broker)
from tests.runs.replies import LONG_MESSAGE
from tests.sse import read_events
from todos.models import Task

# Slow enough that the reply is still being written when the deletion arrives: the long reply
# takes 400 s at this pace.
TOKEN_MS = 200
# The deletion cancels the run rather than waiting for its end: far above what a loaded machine
# needs, far below the run's length.
DELETE_BOUND_S = 30


@pytest.fixture
def slow_model(settings):
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 0
    settings.OFFLINE_MODEL_TOKEN_MS = TOKEN_MS


def test_deleting_the_account_cancels_its_run_in_progress_first(
    live_server_url,
    user,
    broker,  # noqa: F811  (the fixture imported above)
    slow_model,
):
    auth = {"Authorization": bearer(user)}
    status, frames, body = read_events(
        live_server_url,
        f"/api/{user.pk}/chat/stream",
        auth,
        method="POST",
        payload={"message": LONG_MESSAGE},
        stop_after=1,
    )
    assert status == 200, body
    run_id = frames[0].event["run_id"]
    assert async_to_sync(run_broker().is_alive)(run_id)
    assert Message.objects.get(run_id=run_id).status == "streaming"

    started = time.monotonic()
    response = httpx.request(
        "DELETE",
        f"{live_server_url}/api/auth/me/",
        json={"password": PASSWORD},
        headers=auth,
    )

    assert response.status_code == 204, response.text
    took_s = time.monotonic() - started
    print(f"deleted the account with a run in progress in {took_s:.3f} s")
    assert took_s < DELETE_BOUND_S
    assert not async_to_sync(run_broker().is_alive)(run_id)
    assert not Message.objects.filter(run_id=run_id).exists()
    assert not Task.objects.exists()
    again = httpx.get(f"{live_server_url}/api/auth/me/", headers=auth)
    assert again.status_code == 401 and again.json()["code"] == "token_not_valid"
