"""GET /api/<user_id>/events on one worker (the in-process live log): what each change
publishes, in commit order, exactly once; resume, retention, isolation, limits, sign-out."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from live.events import EVENT_FIELDS, LiveEventType
from tests.conftest import PASSWORD, bearer
from tests.live.listener import LiveListener
from tests.sse import stream_chat
from todos.services import task_create

pytestmark = pytest.mark.usefixtures("live_backend")


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


def _sentinel(user) -> None:
    """A last change: once its event arrived, everything published before it has too."""
    task_create(owner=user, title="sentinel")


def _until_sentinel(listener: LiveListener) -> list[dict]:
    assert listener.wait_until(
        lambda lst: any(e.get("task", {}).get("title") == "sentinel" for e in lst.events)
    ), listener.types
    events = listener.events
    return events[
        : next(i for i, e in enumerate(events) if e.get("task", {}).get("title") == "sentinel")
    ]


def test_rest_task_changes_arrive_in_commit_order_exactly_once(live_server_url, user, auth):
    api = _api(user)
    with LiveListener(live_server_url, user.pk, auth) as live:
        created = api.post(f"/api/{user.pk}/tasks/", {"title": "buy milk"}, format="json").json()
        updated = api.patch(
            f"/api/{user.pk}/tasks/{created['id']}/", {"completed": True}, format="json"
        ).json()
        api.delete(f"/api/{user.pk}/tasks/{created['id']}/")
        _sentinel(user)
        events = _until_sentinel(live)
    assert events == [
        {"type": "task.created", "task": created},
        {"type": "task.updated", "task": updated},
        {"type": "task.deleted", "task_id": created["id"]},
    ]
    assert live.frames[0].event is None and live.frames[0].id  # the resume point first
    assert all(frame.id for frame in live.frames)


def test_a_rolled_back_change_publishes_nothing(live_server_url, user, auth):
    with LiveListener(live_server_url, user.pk, auth) as live:
        with pytest.raises(RuntimeError), transaction.atomic():
            task_create(owner=user, title="never")
            raise RuntimeError("roll back")
        with transaction.atomic():
            task_create(owner=user, title="kept")
            try:
                with transaction.atomic():  # a savepoint rolled back inside a commit
                    task_create(owner=user, title="savepoint")
                    raise RuntimeError
            except RuntimeError:
                pass
        _sentinel(user)
        events = _until_sentinel(live)
    assert [e["task"]["title"] for e in events] == ["kept"]


def test_resume_with_last_event_id_misses_nothing(live_server_url, user, auth):
    with LiveListener(live_server_url, user.pk, auth) as live:
        task_create(owner=user, title="seen")
        live.wait_for(1)
    resume_at = live.last_id
    for title in ("missed 1", "missed 2"):
        task_create(owner=user, title=title)
    with LiveListener(live_server_url, user.pk, auth, after=resume_at) as resumed:
        _sentinel(user)
        events = _until_sentinel(resumed)
    assert [e["task"]["title"] for e in events] == ["missed 1", "missed 2"]
    # ?after= is the same resume point, for clients that cannot set the header.
    with LiveListener(
        live_server_url, user.pk, auth, after=resume_at, after_in_query=True
    ) as by_query:
        assert [e["task"]["title"] for e in by_query.wait_for(3)] == [
            "missed 1",
            "missed 2",
            "sentinel",
        ]


def test_a_resume_point_past_retention_gets_resync(live_server_url, user, auth, settings):
    with LiveListener(live_server_url, user.pk, auth) as live:
        task_create(owner=user, title="old")
        live.wait_for(1)
    settings.LIVE_EVENTS_TTL_S = 0.001
    task_create(owner=user, title="trims the old one")
    with LiveListener(live_server_url, user.pk, auth, after=live.last_id) as resumed:
        settings.LIVE_EVENTS_TTL_S = 600
        _sentinel(user)
        events = resumed.wait_for(2)
    assert [e["type"] for e in events] == ["resync", "task.created"]
    with LiveListener(live_server_url, user.pk, auth, after="1-0") as ancient:
        assert ancient.wait_for(1)[0]["type"] == "resync"


def test_users_never_see_each_other(live_server_url, user, other_user, auth):
    with (
        LiveListener(live_server_url, user.pk, auth) as mine,
        LiveListener(
            live_server_url, other_user.pk, {"Authorization": bearer(other_user)}
        ) as theirs,
    ):
        task_create(owner=other_user, title="theirs")
        _sentinel(user)
        assert [e["task"]["title"] for e in _until_sentinel(mine)] == []
        # Their own last change, committed after mine: had mine reached their stream, it
        # would stand before this one.
        task_create(owner=other_user, title="theirs, last")
        assert theirs.wait_until(lambda lst: len(lst.events) >= 2), theirs.types
        assert [e["task"]["title"] for e in theirs.events] == ["theirs", "theirs, last"]
    with LiveListener(live_server_url, other_user.pk, auth) as not_mine:
        pass
    assert not_mine.status == 403 and not_mine.body["code"] == "permission_denied"
    with LiveListener(live_server_url, user.pk, {}) as anonymous:
        pass
    assert anonymous.status == 401


def test_bad_resume_point_is_a_400(live_server_url, user, auth):
    with LiveListener(live_server_url, user.pk, auth, after="yesterday") as live:
        pass
    assert live.status == 400 and live.body["code"] == "invalid" and "after" in live.body["errors"]


def test_a_chat_turn_publishes_its_conversation_messages_and_run(live_server_url, user, auth):
    with LiveListener(live_server_url, user.pk, auth) as live:
        result = stream_chat(live_server_url, user.pk, {"message": "add buy milk"}, auth)
        done = result.of_type("done")[0]
        _sentinel(user)
        events = _until_sentinel(live)
    start = result.of_type("start")[0]
    assert [e["type"] for e in events] == [
        "conversation.created",
        "message.created",
        "run.started",
        "task.created",
        "run.finished",
    ]
    conversation, message, started, task, finished = events
    assert conversation["conversation"]["id"] == start["conversation_id"]
    assert message["message"]["content"] == "add buy milk"
    assert message["message"]["id"] == start["user_message_id"]
    assert started == {
        "type": "run.started",
        "conversation_id": start["conversation_id"],
        "run_id": start["run_id"],
        "message_id": done["message_id"],
        "status": "streaming",
    }
    assert task["task"]["title"].lower() == "buy milk"
    assert finished == started | {"type": "run.finished", "status": "complete"}


def test_every_event_type_is_documented():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "LIVE.md").read_text()
    for event_type, fields in EVENT_FIELDS.items():
        assert f"`{event_type.value}`" in docs
        for name in fields:
            assert f"`{name}`" in docs, (event_type, name)
    assert set(EVENT_FIELDS) == set(LiveEventType)


def test_sign_out_everywhere_closes_the_users_streams(live_server_url, user, auth):
    client = APIClient()
    client.login(username=user.username, password=PASSWORD)
    session_key = client.cookies["sessionid"].value
    cookies = {"Cookie": f"sessionid={session_key}"}
    with (
        LiveListener(live_server_url, user.pk, auth) as by_token,
        LiveListener(live_server_url, user.pk, cookies) as by_session,
    ):
        _api(user).post("/api/auth/logout/", {"all": True}, format="json")
        assert by_token.ended.wait(30) and by_session.ended.wait(30)
    for live in (by_token, by_session):
        assert live.types == ["account.signed_out"]
        assert live.events[-1]["reason"] == "signed_out_everywhere"


def test_a_password_change_keeps_the_callers_own_session_open(live_server_url, user, auth):
    client = APIClient()
    client.login(username=user.username, password=PASSWORD)
    cookies = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    with (
        LiveListener(live_server_url, user.pk, auth) as by_token,
        LiveListener(live_server_url, user.pk, cookies) as same_session,
    ):
        client.credentials(HTTP_X_CSRFTOKEN="unused")
        response = client.post(
            "/api/auth/password/",
            {"old_password": PASSWORD, "new_password": "another-long-password-43"},
            format="json",
        )
        assert response.status_code == 204, response.content
        assert by_token.ended.wait(30)
        _sentinel(user)
        assert same_session.wait_for(1, types={"task.created"})
    assert by_token.types == ["account.signed_out"]
    assert by_token.events[0]["reason"] == "password_changed"
    assert "account.signed_out" not in same_session.types


def test_deleting_the_account_closes_its_streams(live_server_url, user, auth):
    task_create(owner=user, title="goes with the account")
    with LiveListener(live_server_url, user.pk, auth) as live:
        response = _api(user).delete("/api/auth/me/", {"password": PASSWORD}, format="json")
        assert response.status_code == 204
        assert live.ended.wait(30)
    assert live.types == ["account.signed_out"]
    assert live.events[0]["reason"] == "account_deleted"


def test_past_the_per_user_limit_the_oldest_stream_is_replaced(
    live_server_url, user, auth, settings
):
    settings.LIVE_STREAMS_PER_USER = 2
    with (  # opened in this order
        LiveListener(live_server_url, user.pk, auth) as oldest,
        LiveListener(live_server_url, user.pk, auth) as second,
        LiveListener(live_server_url, user.pk, auth) as third,
    ):
        assert oldest.ended.wait(30)
        _sentinel(user)
        assert second.wait_for(1) and third.wait_for(1)
    assert oldest.types == ["replaced"]
    assert "replaced" not in second.types + third.types


def test_lists_publish_and_a_deleted_lists_tasks_move_in_one_bulk_event(
    live_server_url, user, auth
):
    api = _api(user)
    base = f"/api/{user.pk}/lists/"
    with LiveListener(live_server_url, user.pk, auth) as live:
        work = api.post(base, {"name": "Work"}, format="json").json()
        home = api.post(base, {"name": "Home"}, format="json").json()
        api.patch(f"{base}{work['id']}/", {"name": "Office"}, format="json")
        api.patch(f"{base}{home['id']}/", {"position": 0}, format="json")
        task = api.post(
            f"/api/{user.pk}/tasks/", {"title": "report", "list": work["id"]}, format="json"
        ).json()
        assert api.delete(f"{base}{work['id']}/").status_code == 204
        _sentinel(user)
        events = _until_sentinel(live)
    types = [event["type"] for event in events]
    assert types[:3] == ["list.created", "list.created", "list.updated"]
    assert events[0]["list"]["name"] == "Work" and events[2]["list"]["name"] == "Office"
    # The move: every list whose position changed, Home first now.
    moved = [e["list"] for e in events if e["type"] == "list.updated"][1:]
    assert {each["id"]: each["position"] for each in moved} == {home["id"]: 1, work["id"]: 2}
    assert types[-3:] == ["task.created", "tasks.bulk", "list.deleted"]
    bulk = events[-2]
    inbox = task_list_inbox(user)
    assert bulk["task_ids"] == [task["id"]] and bulk["change"] == {"list": inbox}
    assert events[-1]["list_id"] == work["id"]


def task_list_inbox(user) -> int:
    from todos.lists import inbox_for

    return inbox_for(owner=user).pk


def test_a_bulk_change_and_its_undo_publish_every_task_once(live_server_url, user, auth):
    api = _api(user)
    ids = [task_create(owner=user, title=f"t{n}").pk for n in range(3)]
    with LiveListener(live_server_url, user.pk, auth) as live:
        done = api.post(
            f"/api/{user.pk}/tasks/bulk/", {"action": "complete", "ids": ids}, format="json"
        ).json()
        api.post(f"/api/{user.pk}/tasks/changes/{done['change_id']}/undo")
        removed = api.post(
            f"/api/{user.pk}/tasks/bulk/", {"action": "delete", "ids": ids[:2]}, format="json"
        ).json()
        api.post(f"/api/{user.pk}/tasks/changes/{removed['change_id']}/undo")
        _sentinel(user)
        events = _until_sentinel(live)
    bulk, *rest = events
    assert bulk["type"] == "tasks.bulk" and bulk["task_ids"] == ids
    assert bulk["change"]["completed"] is True and bulk["change"]["completed_at"]
    # Each group in the order the service went through its tasks.
    assert sorted((e["type"], e["task"]["id"]) for e in rest[:3]) == [
        ("task.updated", i) for i in ids
    ]
    assert all(not e["task"]["completed"] for e in rest[:3])
    assert sorted((e["type"], e["task_id"]) for e in rest[3:5]) == [
        ("task.deleted", i) for i in ids[:2]
    ]
    assert sorted((e["type"], e["task"]["id"]) for e in rest[5:]) == [
        ("task.created", i) for i in ids[:2]
    ]


def test_signing_out_of_one_session_closes_only_its_streams(live_server_url, user, auth):
    leaving, staying = APIClient(), APIClient()
    for client in (leaving, staying):
        client.login(username=user.username, password=PASSWORD)
    cookie = {
        name: {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
        for name, client in (("leaving", leaving), ("staying", staying))
    }
    with (
        LiveListener(live_server_url, user.pk, cookie["leaving"]) as gone,
        LiveListener(live_server_url, user.pk, cookie["staying"]) as kept,
        LiveListener(live_server_url, user.pk, auth) as by_token,
    ):
        assert leaving.post("/accounts/logout/").status_code == 302
        assert gone.ended.wait(60)
        _sentinel(user)
        assert kept.wait_for(1, types={"task.created"})
        assert by_token.wait_for(1, types={"task.created"})
    assert gone.types == ["account.signed_out"] and gone.events[0]["reason"] == "signed_out"
    assert "account.signed_out" not in kept.types + by_token.types
