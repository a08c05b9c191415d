"""Times of day and repeats on /api/<user_id>/tasks/: `due_time`, `recurrence`,
`recurrence_text`, completing a repeating task (PATCH and bulk) and undoing that, the
`tomorrow` / `next_week` filters with the zone that applies, and the OpenAPI schema."""

from datetime import date, timedelta

import pytest

from accounts.preferences import preferences_update
from config.timezones import local_today
from tests.api.conftest import assert_error
from tests.api.test_tasks import task_url, tasks_url
from todos.models import Task, TaskChange

pytestmark = pytest.mark.django_db

MONDAY = "2040-01-02"
EVERY_MONDAY = "FREQ=WEEKLY;BYDAY=MO"


def create(api, user, **fields):
    response = api.post(tasks_url(user), {"title": "standup", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [task["title"] for task in response.json()["results"]]


def test_a_task_with_a_time_and_a_repeat(api, user):
    body = create(
        api, user, due_date=MONDAY, due_time="09:15", recurrence="rrule:freq=weekly;byday=mo"
    )
    assert (body["due_date"], body["due_time"]) == (MONDAY, "09:15")
    assert (body["recurrence"], body["recurrence_text"]) == (EVERY_MONDAY, "every Monday")
    assert api.get(task_url(user, Task.objects.get())).json()["due_time"] == "09:15"
    plain = create(api, user)
    assert (plain["due_time"], plain["recurrence"], plain["recurrence_text"]) == (None, "", "")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"due_time": "09:00"}, "due_time"),  # a time without a date
        ({"due_date": MONDAY, "due_time": "9am"}, "due_time"),
        ({"due_date": MONDAY, "due_time": "25:00"}, "due_time"),
        ({"due_date": MONDAY, "due_time": 900}, "due_time"),
        ({"due_date": MONDAY, "recurrence": "every monday"}, "recurrence"),
        ({"due_date": MONDAY, "recurrence": "FREQ=MINUTELY"}, "recurrence"),
        ({"due_date": MONDAY, "recurrence": "FREQ=DAILY;COUNT=5000"}, "recurrence"),
        ({"due_date": MONDAY, "recurrence": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"}, "recurrence"),
        ({"due_date": MONDAY, "recurrence": 7}, "recurrence"),
        ({"due_date": MONDAY, "recurrence": "FREQ=DAILY;" * 100}, "recurrence"),
    ],
)
def test_bad_times_and_rules_are_400_naming_the_field(api, user, make_task, fields, field):
    assert_error(
        api.post(tasks_url(user), {"title": "t", **fields}, format="json"), 400, "invalid", {field}
    )
    task = make_task(user, "x")
    assert_error(api.patch(task_url(user, task), fields, format="json"), 400, "invalid", {field})
    task.refresh_from_db()
    assert (task.due_date, task.due_time, task.recurrence) == (None, None, "")


def test_a_repeat_without_a_date_starts_on_its_first_day_where_the_user_is(api, user):
    response = api.post(
        tasks_url(user),
        {"title": "stretch", "recurrence": "FREQ=DAILY"},
        format="json",
        HTTP_X_TIMEZONE="Pacific/Kiritimati",
    )
    assert response.json()["due_date"] == local_today("Pacific/Kiritimati").isoformat()


def test_patch_sets_and_clears_the_time_and_the_repeat(api, user):
    task = create(api, user, due_date=MONDAY)
    url = f"{tasks_url(user)}{task['id']}/"
    changed = api.patch(
        url, {"due_time": "18:30", "recurrence": "FREQ=MONTHLY;BYMONTHDAY=31"}, format="json"
    )
    assert changed.json()["due_time"] == "18:30"
    assert changed.json()["recurrence_text"] == "every month on the 31st"
    cleared = api.patch(url, {"due_time": None, "recurrence": ""}, format="json").json()
    assert (cleared["due_date"], cleared["due_time"], cleared["recurrence"]) == (MONDAY, None, "")
    api.patch(url, {"due_time": "07:00", "recurrence": "FREQ=DAILY"}, format="json")
    undated = api.patch(url, {"due_date": None}, format="json").json()
    assert (undated["due_date"], undated["due_time"], undated["recurrence_text"]) == (
        None,
        None,
        "",
    )


def test_completing_a_repeating_task_moves_it_and_undo_brings_it_back(api, user):
    task = create(api, user, due_date=MONDAY, due_time="09:00", recurrence=EVERY_MONDAY)
    url = f"{tasks_url(user)}{task['id']}/"
    moved = api.patch(url, {"completed": True}, format="json").json()
    assert (moved["completed"], moved["due_date"], moved["due_time"]) == (
        False,
        "2040-01-09",
        "09:00",
    )
    assert moved["id"] == task["id"] and Task.objects.count() == 1
    change = TaskChange.objects.get(owner=user)
    assert change.kind == "complete"
    assert (change.before["due_date"], change.after["due_date"]) == (MONDAY, "2040-01-09")
    undone = api.post(f"{tasks_url(user)}changes/{change.call_id}/undo")
    assert undone.status_code == 200, undone.content
    assert undone.json()["tasks"][0]["due_date"] == MONDAY
    assert api.get(url).json()["due_date"] == MONDAY


def test_bulk_complete_moves_a_repeating_task_with_one_undo(api, user):
    repeating = create(api, user, due_date=MONDAY, recurrence=EVERY_MONDAY)
    plain = create(api, user, due_date=MONDAY)
    response = api.post(
        f"{tasks_url(user)}bulk/",
        {"ids": [repeating["id"], plain["id"]], "action": "complete"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    by_id = {task["id"]: task for task in body["tasks"]}
    assert (by_id[repeating["id"]]["completed"], by_id[repeating["id"]]["due_date"]) == (
        False,
        "2040-01-09",
    )
    assert by_id[plain["id"]]["completed"] is True
    api.post(f"{tasks_url(user)}changes/{body['change_id']}/undo")
    assert [(t.due_date, t.completed) for t in Task.objects.order_by("id")] == [
        (date(2040, 1, 2), False),
        (date(2040, 1, 2), False),
    ]


def test_another_users_task_stays_404(api, user, other_user, make_task):
    theirs = make_task(other_user, "theirs")
    response = api.patch(task_url(user, theirs), {"due_time": "09:00"}, format="json")
    assert response.status_code == 404


# --- the zone that applies: the header, else the account's, else TIME_ZONE ---------------


def test_due_tomorrow_counts_from_the_stored_zone_unless_the_header_says_otherwise(
    api, user, make_task, settings
):
    settings.TIME_ZONE = "UTC"
    preferences_update(user=user, time_zone="Pacific/Kiritimati")  # UTC+14
    make_task(
        user,
        "tomorrow in Kiritimati",
        due_date=local_today("Pacific/Kiritimati") + timedelta(days=1),
    )
    assert titles(api.get(tasks_url(user), {"due": "tomorrow"})) == ["tomorrow in Kiritimati"]
    # 26 hours behind, tomorrow is a day or two earlier.
    behind = api.get(tasks_url(user), {"due": "tomorrow"}, HTTP_X_TIMEZONE="Etc/GMT+12")
    assert titles(behind) == []


def test_due_next_week_is_the_next_monday_to_sunday(api, user, make_task):
    today = local_today("UTC")
    monday = today + timedelta(days=7 - today.weekday())
    for title, day in [
        ("this sunday", monday - timedelta(days=1)),
        ("next monday", monday),
        ("next sunday", monday + timedelta(days=6)),
        ("the monday after", monday + timedelta(days=7)),
    ]:
        make_task(user, title, due_date=day)
    found = titles(api.get(tasks_url(user), {"due": "next_week"}, HTTP_X_TIMEZONE="UTC"))
    assert sorted(found) == ["next monday", "next sunday"]


# --- OpenAPI --------------------------------------------------------------------------------


def test_the_schema_documents_times_and_repeats(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    task = components["Task"]["properties"]
    assert task["due_time"]["nullable"] is True and "HH:MM" in task["due_time"]["description"]
    assert "RRULE" in task["recurrence"]["description"]
    assert task["recurrence_text"]["readOnly"] is True
    for name in ("TaskCreateRequest", "PatchedTaskUpdateRequest"):
        properties = components[name]["properties"]
        assert {"due_time", "recurrence"} <= set(properties), name
        assert "recurrence_text" not in properties
    parameters = schema["paths"]["/api/{user_id}/tasks/{task_id}/"]["patch"]["parameters"]
    assert "X-Timezone" in {parameter["name"] for parameter in parameters}
