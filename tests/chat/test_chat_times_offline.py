"""Issue 31 end to end through the offline model: the chat endpoint, the real agent tool loop
and the real tools and services, for users in two time zones. "remind me to call mom tomorrow
at 5pm" stores the task with its time and a reminder at 17:00 in the user's zone (the reply
says "tomorrow at 5:00 PM"); "remind me 30 minutes before" adds one to the task just added;
repeats are stored as RRULEs and stopped; "what's due tomorrow / next week?" list those days.

Every phrase here names its day ("tomorrow", "every monday"), so nothing depends on the time
of day the test runs at."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.timezones import local_today
from tests.conftest import bearer
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.django_db(transaction=True)

ZONES = ["Europe/Berlin", "America/New_York"]


def chat(client, user, message: str, **extra) -> dict:
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": message, **extra},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 200, response.content
    return response.json()


def utc_moment(day, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize("zone", ZONES)
def test_repeats_are_stored_as_rrules_and_stopped(client, user, zone, settings):
    settings.TIME_ZONE = "UTC"
    today = local_today(zone)
    body = chat(client, user, "water the plants every monday", timezone=zone)
    task = Task.objects.get(owner=user)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    assert (task.title, task.recurrence, task.due_date) == (
        "water the plants",
        "FREQ=WEEKLY;BYDAY=MO",
        monday,
    )
    assert "every Monday" in body["response"]
    chat(client, user, "pay rent on the 1st of every month", timezone=zone)
    rent = Task.objects.get(owner=user, title="pay rent")
    first = today.replace(day=1) + timedelta(days=32)
    assert (rent.recurrence, rent.due_date) == ("FREQ=MONTHLY;BYMONTHDAY=1", first.replace(day=1))
    body = chat(client, user, "stop repeating pay rent", timezone=zone)
    rent.refresh_from_db()
    assert (rent.recurrence, rent.due_date) == ("", first.replace(day=1))
    assert body["response"].startswith(f'Stopped repeating "pay rent" (task #{rent.number})')


@pytest.mark.parametrize("zone", ZONES)
def test_whats_due_tomorrow_and_next_week(client, user, zone, settings):
    settings.TIME_ZONE = "UTC"
    today = local_today(zone)
    next_monday = today + timedelta(days=7 - today.weekday())
    days = {
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "next monday": next_monday,
        "next sunday": next_monday + timedelta(days=6),
        "in two weeks": next_monday + timedelta(days=7),
    }
    for title, day in days.items():
        task_create(owner=user, title=title, due_date=day)
    week = [next_monday + timedelta(days=n) for n in range(7)]
    for question, due, said in [
        ("what's due tomorrow?", [days["tomorrow"]], "tomorrow"),
        ("what's due next week?", week, "next week"),
    ]:
        body = chat(client, user, question, timezone=zone)
        listed = {t["title"] for t in body["tool_calls"][0]["output"]["tasks"]}
        expected = {title for title, day in days.items() if day in due}
        assert listed == expected, question
        count = f"{len(expected)} task{'' if len(expected) == 1 else 's'}"
        assert body["response"].startswith(f"You have {count} due {said}:")
