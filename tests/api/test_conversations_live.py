"""A conversation while its reply is really streaming, over HTTP against a real server."""

import json

import httpx

from tests.conftest import bearer


def _events(lines):
    for line in lines:
        if line.startswith("data: "):
            yield json.loads(line.removeprefix("data: "))


def test_delete_is_refused_while_the_reply_streams_then_allowed(live_server_url, user, settings):
    # A slow model, so the reply is certainly still running when the DELETE arrives.
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 500
    url = f"/api/{user.id}/conversations/"
    with httpx.Client(base_url=live_server_url, headers={"Authorization": bearer(user)}) as client:
        body = {"message": "add buy milk"}
        with client.stream("POST", f"/api/{user.id}/chat/stream", json=body) as stream:
            assert stream.status_code == 200
            events = _events(stream.iter_lines())
            start = next(events)
            assert start["type"] == "start"
            conversation = start["conversation_id"]

            busy = client.delete(f"{url}{conversation}/")
            assert busy.status_code == 409
            assert busy.json()["code"] == "run_active"
            transcript = client.get(f"{url}{conversation}/").json()["messages"]
            assert [(m["role"], m["status"]) for m in transcript] == [
                ("user", "complete"),
                ("assistant", "streaming"),
            ]
            assert client.get(url).json()["results"][0]["last_message_preview"] == "add buy milk"

            assert [event["type"] for event in events][-1] == "done"

        transcript = client.get(f"{url}{conversation}/").json()["messages"]
        assert transcript[1]["status"] == "complete"
        assert [call["name"] for call in transcript[1]["tool_calls"]] == ["add_task"]

        assert client.delete(f"{url}{conversation}/").status_code == 204
        assert client.get(f"{url}{conversation}/").status_code == 404
