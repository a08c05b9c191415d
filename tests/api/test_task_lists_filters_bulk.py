"""Tasks' lists, priorities and numbers over REST: the filters and the order at their edges,
bulk changes (all or nothing) and undoing them as one, and flat query counts."""

from datetime import date, timedelta

import pytest

from tests.api.conftest import assert_error
from tests.conftest import bearer
from todos.lists import inbox_for, list_create
from todos.models import Task
from todos.services import task_complete, task_create, task_update

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 5)


def tasks_url(user) -> str:
    return f"/api/{user.id}/tasks/"


def bulk(api, user, ids, action, value=None):
    body = {"ids": ids, "action": action}
    if value is not None:
        body["value"] = value
    return api.post(f"/api/{user.id}/tasks/bulk/", body, format="json")


def undo(api, user, change_id):
    return api.post(f"/api/{user.id}/tasks/changes/{change_id}/undo")


def titles(api, user, **params) -> list[str]:
    response = api.get(tasks_url(user), params)
    assert response.status_code == 200, response.content
    return [task["title"] for task in response.json()["results"]]


def state(user) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k != "updated_at"}
        for row in Task.objects.filter(owner=user).order_by("id").values()
    ]


def test_a_new_task_has_a_number_the_inbox_and_no_priority(api, user):
    body = api.post(tasks_url(user), {"title": "milk"}, format="json").json()
    assert body["number"] == 1 and body["priority"] == 4
    assert body["list"] == inbox_for(owner=user).id


def test_create_in_a_list_with_a_priority_and_change_them(api, user):
    work = list_create(owner=user, name="Work")
    body = api.post(
        tasks_url(user), {"title": "report", "list": work.id, "priority": 1}, format="json"
    ).json()
    assert body["list"] == work.id and body["priority"] == 1
    inbox = inbox_for(owner=user)
    changed = api.patch(
        f"{tasks_url(user)}{body['id']}/", {"list": inbox.id, "priority": 3}, format="json"
    )
    assert changed.json()["list"] == inbox.id and changed.json()["priority"] == 3


@pytest.mark.parametrize("priority", [0, 5, "high", True, None])
def test_priority_is_1_to_4(api, user, priority):
    response = api.post(tasks_url(user), {"title": "x", "priority": priority}, format="json")
    assert_error(response, 400, "invalid", {"priority"})


def test_the_number_is_read_only(api, user):
    task = task_create(owner=user, title="milk")
    api.patch(f"{tasks_url(user)}{task.id}/", {"number": 99}, format="json")
    task.refresh_from_db()
    assert task.number == 1


def test_order_pending_then_priority_then_due_date_undated_last_then_newest(api, user):
    def make(title, priority=4, due=None, done=False):
        task = task_create(owner=user, title=title, priority=priority, due_date=due)
        return task_complete(task=task) if done else task

    make("p4 undated old")
    make("p4 due later", due=TODAY + timedelta(days=3))
    make("p1 undated", priority=1)
    make("p4 due soon", due=TODAY)
    make("p1 done", priority=1, done=True)
    make("p2 due", priority=2, due=TODAY)
    make("p4 undated new")
    assert titles(api, user) == [
        "p1 undated",
        "p2 due",
        "p4 due soon",
        "p4 due later",
        "p4 undated new",
        "p4 undated old",
        "p1 done",
    ]


def test_filters_by_list_priority_number_and_combined(api, user):
    work = list_create(owner=user, name="Work")
    task_create(owner=user, title="milk", priority=1)
    task_create(owner=user, title="report", task_list=work, priority=1)
    task_complete(task=task_create(owner=user, title="slides", task_list=work))
    assert titles(api, user, list=work.id) == ["report", "slides"]
    assert titles(api, user, list=work.id, status="pending") == ["report"]
    assert titles(api, user, priority=1) == ["report", "milk"]  # newest first
    assert titles(api, user, priority=1, list=inbox_for(owner=user).id) == ["milk"]
    assert titles(api, user, number=2) == ["report"]
    assert titles(api, user, number=99) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"priority": 0}, "priority"), ({"priority": 5}, "priority"), ({"number": 0}, "number")],
)
def test_bad_filters_are_400(api, user, params, field):
    assert_error(api.get(tasks_url(user), params), 400, "invalid", {field})


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("CAFÉ", ["Café au lait"]),
        ("café", ["Café au lait"]),
        ("ÇA", ["ça va"]),
        ("straße", ["STRASSE fest", "Straße"]),
        ("RENT", ["pay rent"]),
        ("50%", ["50% off"]),
        ("_", []),
        ("Ärzte", ["see the ärzte"]),
    ],
)
def test_search_is_case_insensitive_in_every_script(api, user, search, found):
    for title in ("Café au lait", "ça va", "Straße", "pay rent", "50% off"):
        task_create(owner=user, title=title)
    task_create(owner=user, title="see the ärzte")
    task_create(owner=user, title="STRASSE fest", description="an ordinary straße party")
    assert sorted(titles(api, user, search=search)) == sorted(found)


def test_search_looks_in_descriptions_and_combines(api, user):
    work = list_create(owner=user, name="Work")
    task_create(owner=user, title="call", description="the DENTIST")
    task_create(owner=user, title="email", description="dentist too", task_list=work)
    assert titles(api, user, search="Dentist") == ["email", "call"]
    assert titles(api, user, search="dentist", list=work.id) == ["email"]


def test_task_list_queries_stay_flat(client, user, django_assert_num_queries):
    auth = {"HTTP_AUTHORIZATION": bearer(user)}
    lists = [list_create(owner=user, name=f"l{n}") for n in range(2)]
    for n in range(3):
        task_create(owner=user, title=f"t{n}", task_list=lists[n % 2], priority=n % 4 + 1)
    client.get(tasks_url(user), **auth)
    # user, count, page, the page's reminders (one prefetch)
    with django_assert_num_queries(4) as few:
        client.get(tasks_url(user), {"search": "t"}, **auth)
    lists += [list_create(owner=user, name=f"more{n}") for n in range(10)]
    for n in range(30):
        task_create(owner=user, title=f"t{n}", task_list=lists[n % 12])
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(tasks_url(user), {"search": "t"}, **auth)


# --- bulk -----------------------------------------------------------------------------------


@pytest.fixture
def three(user):
    return [task_create(owner=user, title=t) for t in ("milk", "eggs", "rent")]


@pytest.mark.parametrize(
    ("action", "value", "check"),
    [
        ("complete", None, lambda t, u: t.completed and t.completed_at),
        ("set_priority", 1, lambda t, u: t.priority == 1),
        ("set_due_date", "2026-12-24", lambda t, u: t.due_date == date(2026, 12, 24)),
        ("move", "work", lambda t, u: t.list.name == "Work"),
    ],
)
def test_bulk_actions_and_one_undo_takes_them_back(api, user, three, action, value, check):
    if value == "work":
        value = list_create(owner=user, name="Work").id
    before = state(user)
    response = bulk(api, user, [t.id for t in three], action, value)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [task["number"] for task in body["tasks"]] == [1, 2, 3]
    assert all(check(Task.objects.get(pk=t.id), user) for t in three)
    undone = undo(api, user, body["change_id"])
    assert undone.status_code == 200, undone.content
    assert len(undone.json()["tasks"]) == 3
    assert state(user) == before
    assert_error(undo(api, user, body["change_id"]), 409, "already_undone")


def test_reopen_and_clear_due_date(api, user, three):
    task_update(task=three[0], completed=True, due_date="2026-12-24")
    body = bulk(api, user, [three[0].id], "reopen").json()
    assert body["tasks"][0]["completed"] is False
    body = bulk(api, user, [three[0].id], "clear_due_date").json()
    assert body["tasks"][0]["due_date"] is None


def test_bulk_delete_and_undo_brings_them_back_with_their_numbers(api, user, three):
    before = state(user)
    body = bulk(api, user, [three[0].id, three[2].id], "delete").json()
    assert [task["title"] for task in body["tasks"]] == ["milk", "rent"]
    assert titles(api, user) == ["eggs"]
    assert task_create(owner=user, title="new").number == 4
    Task.objects.filter(number=4).delete()
    assert undo(api, user, body["change_id"]).status_code == 200
    assert state(user) == before


def test_one_foreign_id_changes_nothing_and_is_named(api, user, other_user, three):
    theirs = task_create(owner=other_user, title="theirs")
    before, their_before = state(user), state(other_user)
    response = bulk(api, user, [three[0].id, theirs.id, three[1].id], "delete")
    body = assert_error(response, 404, "not_found")
    assert str(theirs.id) in body["detail"]
    assert state(user) == before and state(other_user) == their_before


def test_bulk_limits_and_bad_values(api, user, three):
    assert_error(bulk(api, user, [], "complete"), 400, "invalid", {"ids"})
    assert_error(bulk(api, user, list(range(1, 502)), "complete"), 400, "invalid", {"ids"})
    assert_error(bulk(api, user, [three[0].id], "explode"), 400, "invalid", {"action"})
    assert_error(bulk(api, user, [three[0].id], "set_priority", 9), 400, "invalid", {"priority"})
    assert_error(
        bulk(api, user, [three[0].id], "set_due_date", "soon"), 400, "invalid", {"due_date"}
    )
    assert_error(bulk(api, user, [three[0].id], "move", 12345), 400, "invalid", {"value"})


def test_500_ids_are_fine(api, user):
    from tests.todos.factories import bulk_tasks

    tasks = bulk_tasks(user, (f"t{n}" for n in range(500)))
    body = bulk(api, user, [t.id for t in tasks], "complete").json()
    assert len(body["tasks"]) == 500 and all(task["completed"] for task in body["tasks"])
    assert undo(api, user, body["change_id"]).status_code == 200
    assert not Task.objects.filter(owner=user, completed=True).exists()


def test_nothing_to_change_gives_no_change_id(api, user, three):
    task_complete(task=three[0])
    assert bulk(api, user, [three[0].id], "complete").json()["change_id"] is None


def test_undo_after_a_later_edit_is_a_conflict_and_changes_nothing(api, user, three):
    body = bulk(api, user, [t.id for t in three], "set_priority", 2).json()
    task_update(task=three[1], title="eggs (free range)")
    before = state(user)
    assert_error(undo(api, user, body["change_id"]), 409, "undo_conflict")
    assert state(user) == before


def test_only_tasks_the_change_changed_count_for_a_conflict(api, user, three):
    task_complete(task=three[0])
    body = bulk(api, user, [t.id for t in three], "complete").json()
    task_update(task=three[0], completed=False)  # the bulk change had not touched it
    assert undo(api, user, body["change_id"]).status_code == 200
    assert not Task.objects.filter(owner=user, completed=True).exists()


def test_another_users_change_is_missing(api, user, other_user):
    theirs = task_create(owner=other_user, title="theirs")
    other_api = type(api)()
    other_api.credentials(HTTP_AUTHORIZATION=bearer(other_user))
    body = bulk(other_api, other_user, [theirs.id], "complete").json()
    assert_error(undo(api, user, body["change_id"]), 404, "not_found")
    assert_error(undo(api, user, "bulk_nope"), 404, "not_found")
    assert Task.objects.get(pk=theirs.id).completed


@pytest.mark.parametrize("action", ["complete", "delete"])
def test_a_bulk_change_and_its_undo_cost_the_same_queries_for_5_or_50_tasks(api, user, action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.todos.factories import bulk_tasks

    def change_and_undo(count: int) -> int:
        ids = [task.id for task in bulk_tasks(user, (f"t{n}" for n in range(count)))]
        with CaptureQueriesContext(connection) as queries:
            body = bulk(api, user, ids, action).json()
            assert undo(api, user, body["change_id"]).status_code == 200
        return len(queries.captured_queries)

    assert change_and_undo(5) == change_and_undo(50)
