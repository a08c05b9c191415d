"""A run's reply is stored, and announced on the live stream, a moment before its run is
registered with the broker. Another tab that heard the announcement and asks for the run's
events in that moment gets them (proof run q3: the second page got a 404, and the reply never
streamed there)."""

import asyncio
import json
import uuid

import httpx
import pytest

from bench.inprocess import serve
from chat.llm.offline.talk import HELP_TEXT
from chat.runs.execution import start_run
from chat.turns import turn_start
from config.asgi import application
from tests.conftest import bearer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker")]


def _events(user, turn, auth) -> httpx.Response:
    async def scenario() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            path = f"/api/{user.pk}/chat/runs/{turn.run_id}/events"
            reading = asyncio.ensure_future(client.get(path, headers=auth, timeout=30))
            await asyncio.sleep(0.3)  # the reply is stored; its run not yet registered
            await start_run(turn)
            return await reading

    return serve(scenario)


def _stored_turn(user):
    return turn_start(
        run_id=uuid.uuid4(),
        user=user,
        conversation_id=None,
        text="help",
        model_name="offline",
        history_limit=50,
    )


def test_events_asked_for_before_the_run_is_registered_arrive_whole(user, settings):
    settings.OFFLINE_MODEL_TOKEN_MS = 0
    turn = _stored_turn(user)
    response = _events(user, turn, {"Authorization": bearer(user)})
    assert response.status_code == 200, response.text
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line[:6] == "data: "]
    assert [event["seq"] for event in events] == list(range(len(events)))
    assert (events[0]["type"], events[-1]["type"]) == ("start", "done")
    assert "".join(e["content"] for e in events if e["type"] == "text") == HELP_TEXT


def test_another_users_starting_run_is_not_found_at_once(user, other_user):
    turn = _stored_turn(user)
    auth = {"Authorization": bearer(other_user)}

    async def ask() -> int:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            path = f"/api/{other_user.pk}/chat/runs/{turn.run_id}/events"
            response = await client.get(path, headers=auth)
            return response.status_code

    assert serve(ask) == 404
