"""/api/<user_id>/lists/: list, create, read, rename, reorder and delete lists; isolation."""

import pytest

from tests.api.conftest import assert_error
from tests.conftest import bearer
from todos.lists import inbox_for, list_create
from todos.models import Task
from todos.services import task_complete, task_create

pytestmark = pytest.mark.django_db

LIST_FIELDS = {"id", "name", "position", "is_inbox", "task_count", "pending_count", "created_at"}


def lists_url(user) -> str:
    return f"/api/{user.id}/lists/"


def list_url(user, list_id) -> str:
    return f"/api/{user.id}/lists/{list_id}/"


def test_a_new_user_has_only_the_inbox(api, user):
    body = api.get(lists_url(user)).json()
    assert body["count"] == 1
    (inbox,) = body["results"]
    assert set(inbox) == LIST_FIELDS
    assert inbox["name"] == "Inbox" and inbox["is_inbox"] is True


def test_create_list_and_its_counts(api, user):
    response = api.post(lists_url(user), {"name": " Groceries "}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "Groceries" and created["task_count"] == 0
    groceries = api.get(list_url(user, created["id"])).json()
    assert groceries == created
    task_create(owner=user, title="milk", task_list=inbox_for(owner=user))
    api.post(f"/api/{user.id}/tasks/", {"title": "eggs", "list": created["id"]}, format="json")
    task_complete(task=Task.objects.get(title="eggs"))
    api.post(f"/api/{user.id}/tasks/", {"title": "flour", "list": created["id"]}, format="json")
    names = [
        (x["name"], x["task_count"], x["pending_count"])
        for x in api.get(lists_url(user)).json()["results"]
    ]
    assert names == [("Inbox", 1, 1), ("Groceries", 2, 1)]


@pytest.mark.parametrize("name", ["groceries", "GROCERIES", "inbox", "INBOX"])
def test_duplicate_names_in_any_case_are_400(api, user, name):
    list_create(owner=user, name="Groceries")
    body = assert_error(
        api.post(lists_url(user), {"name": name}, format="json"), 400, "invalid", {"name"}
    )
    assert "already have a list" in body["errors"]["name"][0]


@pytest.mark.parametrize("name", ["", "   ", "\u200b", "x" * 61])
def test_bad_names_are_400(api, user, name):
    assert_error(api.post(lists_url(user), {"name": name}, format="json"), 400, "invalid", {"name"})


def test_rename_and_reorder(api, user):
    *_, c = (list_create(owner=user, name=n) for n in ("a", "b", "c"))
    response = api.patch(list_url(user, c.id), {"name": "Work", "position": 0}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Work"
    names = [x["name"] for x in api.get(lists_url(user)).json()["results"]]
    assert names == ["Inbox", "Work", "a", "b"]
    api.patch(list_url(user, c.id), {"position": 99}, format="json")
    assert [x["name"] for x in api.get(lists_url(user)).json()["results"]] == [
        "Inbox",
        "a",
        "b",
        "Work",
    ]


@pytest.mark.parametrize("change", [{"name": "Other"}, {"position": 3}])
def test_the_inbox_is_protected(api, user, change):
    inbox = inbox_for(owner=user)
    assert_error(api.patch(list_url(user, inbox.id), change, format="json"), 400, "inbox_protected")
    assert_error(api.delete(list_url(user, inbox.id)), 400, "inbox_protected")
    assert api.get(list_url(user, inbox.id)).json()["name"] == "Inbox"


def test_delete_moves_the_tasks_to_the_inbox(api, user):
    work = list_create(owner=user, name="Work")
    task = task_create(owner=user, title="report", task_list=work)
    assert api.delete(list_url(user, work.id)).status_code == 204
    task.refresh_from_db()
    assert task.list_id == inbox_for(owner=user).id
    assert_error(api.get(list_url(user, work.id)), 404, "not_found")


def test_delete_with_its_tasks(api, user):
    work = list_create(owner=user, name="Work")
    task_create(owner=user, title="report", task_list=work)
    task_create(owner=user, title="milk")
    assert api.delete(list_url(user, work.id) + "?delete_tasks=true").status_code == 204
    assert list(Task.objects.filter(owner=user).values_list("title", flat=True)) == ["milk"]


def test_another_users_list_answers_as_a_missing_one(api, user, other_user):
    theirs = list_create(owner=other_user, name="Secret")
    task_create(owner=other_user, title="their task", task_list=theirs)
    missing = theirs.id + 1000
    for list_id in (theirs.id, missing):
        assert_error(api.get(list_url(user, list_id)), 404, "not_found")
        assert_error(
            api.patch(list_url(user, list_id), {"name": "x"}, format="json"), 404, "not_found"
        )
        assert_error(api.delete(list_url(user, list_id)), 404, "not_found")
        tasks = f"/api/{user.id}/tasks/"
        assert_error(api.get(tasks, {"list": list_id}), 400, "invalid", {"list"})
        created = api.post(tasks, {"title": "x", "list": list_id}, format="json")
        assert_error(created, 400, "invalid", {"list"})
    assert theirs.tasks.count() == 1
    # Nor through their URL.
    assert_error(api.get(lists_url(other_user)), 403, "permission_denied")


def test_lists_are_listed_in_constant_queries(client, user, django_assert_num_queries):
    for n in range(3):
        task_create(owner=user, title=f"t{n}", task_list=list_create(owner=user, name=f"l{n}"))
    auth = {"HTTP_AUTHORIZATION": bearer(user)}
    client.get(lists_url(user), **auth)  # warm
    with django_assert_num_queries(4) as few:
        client.get(lists_url(user), **auth)
    for n in range(3, 15):
        task_create(owner=user, title=f"t{n}", task_list=list_create(owner=user, name=f"l{n}"))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(lists_url(user), **auth)
