"""/api/<user_id>/tasks/: list, create, retrieve, update, delete."""

import pytest

from tests.api.conftest import assert_error
from todos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Task
from todos.selectors import task_list

pytestmark = pytest.mark.django_db


def tasks_url(user) -> str:
    return f"/api/{user.id}/tasks/"


def task_url(user, task) -> str:
    return f"/api/{user.id}/tasks/{task.id}/"


TASK_FIELDS = {
    "id",
    "number",
    "list",
    "priority",
    "title",
    "description",
    "completed",
    "completed_at",
    "due_date",
    "due_time",
    "recurrence",
    "recurrence_text",
    "reminders",
    "created_at",
    "updated_at",
}


# --- create ----------------------------------------------------------------------------------


def test_create_task(api, user):
    response = api.post(
        tasks_url(user), {"title": "  Buy milk ", "description": "Two litres"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == TASK_FIELDS
    assert body["title"] == "Buy milk"
    assert body["description"] == "Two litres"
    assert body["completed"] is False and body["completed_at"] is None
    # The agent's selector sees it: one set of task rules behind both doors.
    assert [t.id for t in task_list(owner=user)] == [body["id"]]


def test_create_task_without_description(api, user):
    response = api.post(tasks_url(user), {"title": "Call mum"}, format="json")
    assert response.status_code == 201
    assert response.json()["description"] == ""


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": None}, "title"),
        ({"title": ["a list"]}, "title"),
        ({"title": "x" * (TITLE_MAX_LENGTH + 1)}, "title"),
        ({"title": "ok", "description": "x" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ({"title": "ok", "description": {"an": "object"}}, "description"),
    ],
)
def test_create_task_validation(api, user, payload, field):
    response = api.post(tasks_url(user), payload, format="json")
    assert_error(response, 400, "invalid", {field})
    assert not Task.objects.exists()


def test_create_task_title_at_the_limit(api, user):
    response = api.post(tasks_url(user), {"title": "x" * TITLE_MAX_LENGTH}, format="json")
    assert response.status_code == 201


def test_create_task_bad_json(api, user):
    response = api.generic("POST", tasks_url(user), '{"title": ', content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_create_task_body_must_be_an_object(api, user):
    response = api.generic("POST", tasks_url(user), '["Buy milk"]', content_type="application/json")
    assert_error(response, 400, "invalid", {"non_field_errors"})


def test_create_task_form_body_is_415(api, user):
    response = api.post(tasks_url(user), {"title": "Buy milk"})  # multipart, not JSON
    assert_error(response, 415, "unsupported_media_type")


# --- list ------------------------------------------------------------------------------------


def test_list_tasks_pending_first_then_newest(api, user, make_task):
    older = make_task(user, "older")
    done = make_task(user, "done")
    api.patch(task_url(user, done), {"completed": True}, format="json")
    newer = make_task(user, "newer")

    body = api.get(tasks_url(user)).json()
    assert body["count"] == 3
    assert [t["id"] for t in body["results"]] == [newer.id, older.id, done.id]


@pytest.mark.parametrize(
    "status, titles",
    [
        ("all", {"a", "b", "c"}),
        ("pending", {"a", "b"}),
        ("completed", {"c"}),
        ("", {"a", "b", "c"}),
    ],
)
def test_list_tasks_by_status(api, user, make_task, status, titles):
    make_task(user, "a")
    make_task(user, "b")
    api.patch(task_url(user, make_task(user, "c")), {"completed": True}, format="json")

    body = api.get(tasks_url(user), {"status": status} if status else {}).json()
    assert {t["title"] for t in body["results"]} == titles


def test_list_tasks_search_title_and_description(api, user, make_task):
    make_task(user, "Buy MILK")
    make_task(user, "Shopping", description="eggs and milk")
    make_task(user, "Call mum")

    body = api.get(tasks_url(user), {"search": "milk"}).json()
    assert {t["title"] for t in body["results"]} == {"Buy MILK", "Shopping"}


@pytest.mark.parametrize("status", ["done", "ALL", "pending,completed"])
def test_list_tasks_unknown_status_is_400(api, user, status):
    response = api.get(tasks_url(user), {"status": status})
    assert_error(response, 400, "invalid", {"status"})


def test_list_tasks_search_too_long_is_400(api, user):
    response = api.get(tasks_url(user), {"search": "x" * 201})
    assert_error(response, 400, "invalid", {"search"})


def test_list_tasks_is_paginated(api, user, make_task):
    for number in range(25):
        make_task(user, f"task {number}")

    first = api.get(tasks_url(user)).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].endswith(f"{tasks_url(user)}?page=2")

    second = api.get(first["next"]).json()
    assert second["count"] == 25
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert second["previous"].endswith(tasks_url(user))
    seen = [t["id"] for t in first["results"] + second["results"]]
    assert sorted(seen) == sorted(Task.objects.values_list("id", flat=True))


def test_list_tasks_pagination_keeps_the_filter(api, user, make_task):
    for number in range(21):
        make_task(user, f"milk {number}")
    make_task(user, "eggs")

    first = api.get(tasks_url(user), {"search": "milk"}).json()
    assert first["count"] == 21
    assert "search=milk" in first["next"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "2", "1.5"])
def test_list_tasks_bad_page_is_404(api, user, make_task, page):
    make_task(user)
    response = api.get(tasks_url(user), {"page": page})
    assert_error(response, 404, "not_found")


def test_list_tasks_shows_only_mine(api, user, other_user, make_task):
    mine = make_task(user, "mine")
    make_task(other_user, "theirs")
    body = api.get(tasks_url(user)).json()
    assert [t["id"] for t in body["results"]] == [mine.id]


# --- retrieve, update, delete ----------------------------------------------------------------


def test_retrieve_task(api, user, make_task):
    task = make_task(user, "Buy milk", description="Two litres")
    response = api.get(task_url(user, task))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TASK_FIELDS
    assert (body["id"], body["title"], body["description"]) == (task.id, "Buy milk", "Two litres")


def test_update_title_and_description(api, user, make_task):
    task = make_task(user, "Buy milk")
    response = api.patch(
        task_url(user, task), {"title": " Buy oat milk ", "description": "Barista"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == ("Buy oat milk", "Barista")
    task.refresh_from_db()
    assert (task.title, task.description, task.completed) == ("Buy oat milk", "Barista", False)


def test_update_completed_sets_and_clears_completed_at(api, user, make_task):
    task = make_task(user)
    done = api.patch(task_url(user, task), {"completed": True}, format="json").json()
    assert done["completed"] is True and done["completed_at"] is not None

    undone = api.patch(task_url(user, task), {"completed": False}, format="json").json()
    assert undone["completed"] is False and undone["completed_at"] is None
    task.refresh_from_db()
    assert task.completed_at is None


def test_update_with_empty_body_changes_nothing(api, user, make_task):
    task = make_task(user, "Buy milk")
    response = api.patch(task_url(user, task), {}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Buy milk"


def test_update_can_clear_the_description(api, user, make_task):
    task = make_task(user, description="Two litres")
    response = api.patch(task_url(user, task), {"description": ""}, format="json")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.description == ""


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": None}, "title"),
        ({"title": "x" * (TITLE_MAX_LENGTH + 1)}, "title"),
        ({"description": "x" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ({"description": None}, "description"),
        ({"completed": "yes"}, "completed"),
        ({"completed": "true"}, "completed"),
        ({"completed": 1}, "completed"),
        ({"completed": None}, "completed"),
        ({"completed": "maybe", "title": ""}, None),
    ],
)
def test_update_validation(api, user, make_task, payload, field):
    task = make_task(user, "Buy milk")
    response = api.patch(task_url(user, task), payload, format="json")
    assert_error(response, 400, "invalid", {field} if field else set(payload))
    task.refresh_from_db()
    assert (task.title, task.completed) == ("Buy milk", False)


def test_update_bad_json(api, user, make_task):
    task = make_task(user)
    response = api.generic("PATCH", task_url(user, task), "{nope", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_put_is_not_allowed(api, user, make_task):
    task = make_task(user)
    response = api.put(task_url(user, task), {"title": "x"}, format="json")
    assert_error(response, 405, "method_not_allowed")


def test_delete_task(api, user, make_task):
    task = make_task(user)
    response = api.delete(task_url(user, task))
    assert response.status_code == 204
    assert response.content == b""
    assert not Task.objects.filter(pk=task.pk).exists()
    assert_error(api.get(task_url(user, task)), 404, "not_found")


# --- another user's tasks do not exist -------------------------------------------------------


@pytest.mark.parametrize(
    "method, payload",
    [("get", None), ("patch", {"title": "pwned", "completed": True}), ("delete", None)],
)
def test_another_users_task_is_404(api, user, other_user, make_task, method, payload):
    theirs = make_task(other_user, "theirs")
    response = getattr(api, method)(f"/api/{user.id}/tasks/{theirs.id}/", payload, format="json")
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert (theirs.title, theirs.completed) == ("theirs", False)


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_missing_task_is_404(api, user, method):
    response = getattr(api, method)(f"/api/{user.id}/tasks/999999/", {}, format="json")
    assert_error(response, 404, "not_found")


def test_task_id_beyond_bigint_is_404(api, user):
    response = api.get(f"/api/{user.id}/tasks/{2**70}/")
    assert_error(response, 404, "not_found")


def test_the_trailing_slash_is_optional_with_no_redirect(api, user):
    created = api.post(f"/api/{user.id}/tasks", {"title": "No slash"}, format="json")
    assert created.status_code == 201
    task_id = created.json()["id"]
    patched = api.patch(f"/api/{user.id}/tasks/{task_id}", {"completed": True}, format="json")
    assert patched.status_code == 200 and patched.json()["completed"] is True
    assert api.get(f"/api/{user.id}/conversations").status_code == 200
