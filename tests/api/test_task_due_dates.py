"""Due dates on /api/<user_id>/tasks/: the field, the `?due=` filter and the X-Timezone header."""

from datetime import date, timedelta

import pytest

from config.timezones import local_today
from tests.api.conftest import assert_error
from tests.api.test_tasks import task_url, tasks_url
from todos.models import Task

pytestmark = pytest.mark.django_db

ZONE = "America/Los_Angeles"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [task["title"] for task in response.json()["results"]]


def test_create_with_a_due_date_and_read_it_back(api, user):
    response = api.post(
        tasks_url(user), {"title": "pay rent", "due_date": "2026-12-04"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["due_date"] == "2026-12-04"
    assert Task.objects.get(owner=user).due_date == date(2026, 12, 4)
    undated = api.post(tasks_url(user), {"title": "someday"}, format="json").json()
    assert undated["due_date"] is None


@pytest.mark.parametrize("bad", ["friday", "2026-02-30", "2026-12-05T10:00:00", "05/12/2026", 7])
def test_a_malformed_due_date_is_400_naming_the_field(api, user, make_task, bad):
    created = api.post(tasks_url(user), {"title": "pay rent", "due_date": bad}, format="json")
    assert_error(created, 400, "invalid", {"due_date"})
    task = make_task(user, "x")
    updated = api.patch(task_url(user, task), {"due_date": bad}, format="json")
    assert_error(updated, 400, "invalid", {"due_date"})


def test_patch_sets_keeps_and_clears_the_due_date(api, user, make_task):
    task = make_task(user, "pay rent")
    url = task_url(user, task)
    assert api.patch(url, {"due_date": "2026-12-07"}, format="json").json()["due_date"] == (
        "2026-12-07"
    )
    assert api.patch(url, {"title": "pay the rent"}, format="json").json()["due_date"] == (
        "2026-12-07"
    )
    assert api.patch(url, {"due_date": None}, format="json").json()["due_date"] is None
    task.refresh_from_db()
    assert task.due_date is None


def test_the_list_orders_pending_then_due_date_undated_last_then_newest(api, user, make_task):
    make_task(user, "done early", completed=True, completed_at="2026-01-01T00:00Z")
    make_task(user, "undated old")
    make_task(user, "late", due_date=date(2026, 11, 1))
    make_task(user, "soon", due_date=date(2026, 12, 4))
    make_task(user, "undated new")
    make_task(user, "soon too", due_date=date(2026, 12, 4))
    make_task(
        user,
        "done dated",
        completed=True,
        completed_at="2026-01-01T00:00Z",
        due_date=date(2026, 1, 1),
    )
    assert titles(api.get(tasks_url(user))) == [
        "late",
        "soon too",
        "soon",
        "undated new",
        "undated old",
        "done dated",
        "done early",
    ]


@pytest.fixture
def dated(user, make_task):
    """Tasks around the user's local today in ZONE, by offset in days (None: undated)."""
    today = local_today(ZONE)
    for offset in (-1, 0, 6, 7, None):
        due = None if offset is None else today + timedelta(days=offset)
        make_task(user, f"in {offset}", due_date=due)
    make_task(
        user,
        "done late",
        due_date=today - timedelta(days=3),
        completed=True,
        completed_at="2026-01-01T00:00Z",
    )
    return today


@pytest.mark.parametrize(
    "due, expected",
    [
        ("today", ["in 0"]),
        ("overdue", ["in -1"]),  # yesterday is overdue; a completed late task is not
        ("week", ["in 0", "in 6"]),  # today to 6 days ahead; 7 days is not this week
        ("none", ["in None"]),
    ],
)
def test_the_due_filter_at_its_edges(api, user, dated, due, expected):
    response = api.get(tasks_url(user), {"due": due}, HTTP_X_TIMEZONE=ZONE)
    assert titles(response) == expected


def test_the_due_filter_combines_with_status_and_search(api, user, dated, make_task):
    make_task(user, "milk in 0", due_date=dated)
    make_task(user, "milk done", due_date=dated, completed=True, completed_at="2026-01-01T00:00Z")
    query = {"due": "today", "status": "pending", "search": "milk"}
    assert titles(api.get(tasks_url(user), query, HTTP_X_TIMEZONE=ZONE)) == ["milk in 0"]
    query["status"] = "completed"
    assert titles(api.get(tasks_url(user), query, HTTP_X_TIMEZONE=ZONE)) == ["milk done"]


def test_today_is_the_zones_date_not_the_servers(api, user, make_task, settings):
    """Kiritimati (UTC+14) and Honolulu (UTC-10) are never on the same date."""
    settings.TIME_ZONE = "UTC"
    ahead, behind = local_today("Pacific/Kiritimati"), local_today("Pacific/Honolulu")
    assert ahead - behind == timedelta(days=1)
    make_task(user, "ahead", due_date=ahead)
    make_task(user, "behind", due_date=behind)
    url = tasks_url(user)
    assert titles(api.get(url, {"due": "today"}, HTTP_X_TIMEZONE="Pacific/Kiritimati")) == ["ahead"]
    assert titles(api.get(url, {"due": "today"}, HTTP_X_TIMEZONE="Pacific/Honolulu")) == ["behind"]
    utc_today = local_today("UTC")
    without_header = titles(api.get(url, {"due": "today"}))
    assert without_header == [
        t for t, d in (("ahead", ahead), ("behind", behind)) if d == utc_today
    ]


def test_without_the_header_the_time_zone_setting_applies(api, user, make_task, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"
    make_task(user, "ahead", due_date=local_today("Pacific/Kiritimati"))
    assert titles(api.get(tasks_url(user), {"due": "today"})) == ["ahead"]


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "x" * 300]
)
def test_an_unknown_time_zone_is_400(api, user, zone):
    response = api.get(tasks_url(user), {"due": "today"}, HTTP_X_TIMEZONE=zone)
    body = assert_error(response, 400, "invalid", {"X-Timezone"})
    assert "time zone" in body["errors"]["X-Timezone"][0]


@pytest.mark.parametrize("due", ["yesterday", "TODAY", "week,today", "next week"])
def test_an_unknown_due_filter_is_400(api, user, due):
    assert_error(api.get(tasks_url(user), {"due": due}), 400, "invalid", {"due"})
