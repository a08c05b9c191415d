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
from tests.chat.test_chat_due_dates import chat
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.django_db(transaction=True)

ZONES = ["Europe/Berlin", "America/New_York"]


def utc_moment(day, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize("zone", ZONES)
def test_remind_me_to_call_mom_tomorrow_at_5pm(client, user, zone, settings):
    settings.TIME_ZONE = "UTC"
    body = chat(client, user, "remind me to call mom tomorrow at 5pm", timezone=zone)
    tomorrow = local_today(zone) + timedelta(days=1)
    task = Task.objects.get(owner=user)
    assert (task.title, task.due_date, task.due_time) == ("call mom", tomorrow, time(17))
    assert [r.remind_at for r in task.reminders.all()] == [utc_moment(tomorrow, time(17), zone)]
    assert body["response"].endswith("I'll remind you tomorrow at 5:00 PM.")
    # "30 minutes before", on the task just talked about, in the same conversation.
    body = chat(
        client,
        user,
        "remind me 30 minutes before",
        timezone=zone,
        conversation_id=body["conversation_id"],
    )
    moments = sorted(r.remind_at for r in task.reminders.all())
    assert moments == [
        utc_moment(tomorrow, time(16, 30), zone),
        utc_moment(tomorrow, time(17), zone),
    ]
    assert body["response"] == (
        'I\'ll remind you tomorrow at 4:30 PM, 30 minutes before "call mom" '
        f"(task #{task.number}) is due."
    )


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
    # Done: the same task moves on to the next Monday; undo brings the date back.
    body = chat(client, user, "complete water the plants", timezone=zone)
    task.refresh_from_db()
    assert (task.completed, task.due_date) == (False, monday + timedelta(days=7))
    later = monday + timedelta(days=7)
    assert body["response"] == (
        f'Nice work! \u2713 "water the plants" (task #{task.number}) is next due '
        f"{later:%A}, {later:%b} {later.day}."
    )
    chat(client, user, "undo that", timezone=zone)
    task.refresh_from_db()
    assert (task.completed, task.due_date) == (False, monday)
    chat(client, user, "pay rent on the 1st of every month", timezone=zone)
    rent = Task.objects.get(owner=user, title="pay rent")
    # The first 1st from today on: today itself on a 1st, as "every monday" on a Monday.
    first = today if today.day == 1 else (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert (rent.recurrence, rent.due_date) == ("FREQ=MONTHLY;BYMONTHDAY=1", first)
    body = chat(client, user, "stop repeating pay rent", timezone=zone)
    rent.refresh_from_db()
    assert (rent.recurrence, rent.due_date) == ("", first)
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
