"""Two uvicorn workers sharing the database and Redis: every change path, taken through worker
A, reaches a live stream open on worker B in commit order, exactly once; resume and sign-out
across workers; idle streams cost no query and little memory."""

import re
import uuid

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.conftest import PASSWORD, bearer
from tests.live.listener import LiveListener
from tests.sse import stream_chat
from tests.workers import start_workers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def workers(django_db_setup, redis_url):
    pair = start_workers(
        2,
        REDIS_URL=redis_url,
        CHAT_KEEPALIVE_S="0.5",
        LIVE_REDIS_PREFIX=f"taskstream-test:{uuid.uuid4().hex}:live:",
    )
    yield pair
    for worker in pair:
        worker.close()


def worker_password(user) -> None:
    """A password hash the workers can check (the test process hashes with MD5, which their
    settings do not list): PBKDF2, with few iterations."""
    salt = PBKDF2PasswordHasher().salt()
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, salt, iterations=1000)
    user.save(update_fields=["password"])


@pytest.fixture
def auth(user) -> dict:
    worker_password(user)
    return {"Authorization": bearer(user)}


def _sentinel(client: httpx.Client, user) -> None:
    client.post(f"/api/{user.pk}/tasks/", json={"title": "sentinel"}).raise_for_status()


def _until_sentinel(listener: LiveListener) -> list[dict]:
    def is_sentinel(event: dict) -> bool:
        return event.get("task", {}).get("title") == "sentinel"

    assert listener.wait_until(lambda lst: any(is_sentinel(e) for e in lst.events)), listener.types
    events = listener.events
    return events[: next(i for i, event in enumerate(events) if is_sentinel(event))]


def _admin_client(worker) -> httpx.Client:
    worker_password(get_user_model().objects.create_superuser("root"))
    client = httpx.Client(base_url=worker.url, timeout=60)
    login = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
    signed_in = client.post(
        "/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": "root", "password": PASSWORD},
    )
    assert signed_in.status_code == 302, signed_in.text
    return client


def test_every_change_path_through_a_reaches_b_in_order_once(workers, user, auth):
    a, b = workers
    with (
        httpx.Client(base_url=a.url, headers=auth, timeout=60) as api,
        LiveListener(b.url, user.pk, auth) as live,
    ):
        # REST
        task = api.post(f"/api/{user.pk}/tasks/", json={"title": "rest"}).json()
        api.patch(f"/api/{user.pk}/tasks/{task['id']}/", json={"completed": True})
        api.delete(f"/api/{user.pk}/tasks/{task['id']}/")
        # the agent's tools, in a chat turn
        turn = stream_chat(a.url, user.pk, {"message": "add walk the dog"}, auth)
        start = turn.of_type("start")[0]
        call_id = turn.of_type("tool_call")[0]["call_id"]
        conversation = f"/api/{user.pk}/conversations/{start['conversation_id']}/"
        api.patch(conversation, json={"title": "renamed"}).raise_for_status()
        # undo of the tool's change
        api.post(f"/api/{user.pk}/chat/tool-calls/{call_id}/undo").raise_for_status()
        api.delete(conversation).raise_for_status()
        # admin
        admin = _admin_client(a)
        try:
            added = api.post(f"/api/{user.pk}/tasks/", json={"title": "for admin"}).json()
            page = admin.get(f"/admin/todos/task/{added['id']}/change/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
            saved = admin.post(
                f"/admin/todos/task/{added['id']}/change/",
                data={
                    "csrfmiddlewaretoken": token,
                    "title": "edited by staff",
                    "description": "",
                    "completed": "on",
                    "due_date": "",
                    "_save": "Save",
                },
            )
            assert saved.status_code == 302, saved.text
        finally:
            admin.close()
        _sentinel(api, user)
        events = _until_sentinel(live)
    assert [event["type"] for event in events] == [
        "task.created",
        "task.updated",
        "task.deleted",
        "conversation.created",
        "message.created",
        "run.started",
        "task.created",
        "run.finished",
        "conversation.updated",
        "task.deleted",  # undo of the add
        "conversation.deleted",
        "task.created",
        "task.updated",
    ]
    assert events[-1]["task"]["title"] == "edited by staff" and events[-1]["task"]["completed"]
    assert events[5]["run_id"] == start["run_id"] and events[7]["status"] == "complete"
    assert events[9]["task_id"] == events[6]["task"]["id"]


def test_many_changes_arrive_in_commit_order_exactly_once(workers, user, auth):
    a, b = workers
    with (
        httpx.Client(base_url=a.url, headers=auth, timeout=60) as api,
        LiveListener(b.url, user.pk, auth) as live,
    ):
        ids = [
            api.post(f"/api/{user.pk}/tasks/", json={"title": f"t{n}"}).json()["id"]
            for n in range(50)
        ]
        _sentinel(api, user)
        events = _until_sentinel(live)
    assert [event["task"]["id"] for event in events] == ids
    event_ids = [frame.id for frame in live.frames if frame.event]
    assert len(set(event_ids)) == len(event_ids)


def test_resume_on_b_after_a_drop_misses_nothing(workers, user, auth):
    a, b = workers
    with httpx.Client(base_url=a.url, headers=auth, timeout=60) as api:
        with LiveListener(b.url, user.pk, auth) as live:
            api.post(f"/api/{user.pk}/tasks/", json={"title": "seen"})
            live.wait_for(1)
        for title in ("missed 1", "missed 2"):
            api.post(f"/api/{user.pk}/tasks/", json={"title": title})
        with LiveListener(b.url, user.pk, auth, after=live.last_id) as resumed:
            _sentinel(api, user)
            events = _until_sentinel(resumed)
    assert [event["task"]["title"] for event in events] == ["missed 1", "missed 2"]


def test_b_never_carries_another_users_events(workers, user, other_user, auth):
    a, b = workers
    other = {"Authorization": bearer(other_user)}
    with (
        httpx.Client(base_url=a.url, headers=other, timeout=60) as theirs,
        httpx.Client(base_url=a.url, headers=auth, timeout=60) as mine,
        LiveListener(b.url, user.pk, auth) as live,
    ):
        theirs.post(f"/api/{other_user.pk}/tasks/", json={"title": "not yours"})
        _sentinel(mine, user)
        assert _until_sentinel(live) == []
    with LiveListener(b.url, other_user.pk, auth) as forbidden:
        pass
    assert forbidden.status == 403


def test_signing_out_everywhere_on_a_closes_the_stream_on_b(workers, user, auth):
    a, b = workers
    with LiveListener(b.url, user.pk, auth) as live:
        httpx.post(f"{a.url}/api/auth/logout/", json={"all": True}, headers=auth, timeout=60)
        assert live.ended.wait(60)
    assert live.types == ["account.signed_out"]


def test_deleting_the_account_on_a_closes_the_stream_on_b(workers, user, auth):
    a, b = workers
    with LiveListener(b.url, user.pk, auth) as live:
        response = httpx.request(
            "DELETE",
            f"{a.url}/api/auth/me/",
            json={"password": PASSWORD},
            headers=auth,
            timeout=60,
        )
        assert response.status_code == 204
        assert live.ended.wait(60)
    assert live.types[0] == "account.signed_out"
    assert live.events[0]["reason"] == "account_deleted"
