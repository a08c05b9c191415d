"""POST/DELETE /api/<user_id>/tasks/<id>/reminders/ and the Task JSON's `reminders`: the
services behind them (todos.reminders), validation naming the field, isolation."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Preferences
from tests.api.conftest import assert_error
from todos.models import Reminder
from todos.reminders import add_default_reminder, reschedule_after_move

pytestmark = pytest.mark.django_db


def reminders_url(user, task) -> str:
    return f"/api/{user.id}/tasks/{task.id}/reminders/"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_days(days: int, hour: int = 9) -> datetime:
    """A whole hour `days` ahead, UTC."""
    return (timezone.now() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def test_add_a_reminder_at_a_moment_with_any_offset(api, user, make_task):
    task = make_task(user)
    moment = in_days(2, hour=16)
    paris = moment.astimezone(ZoneInfo("Europe/Paris")).isoformat()
    response = api.post(reminders_url(user, task), {"remind_at": paris}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["id"] == task.id
    assert response.json()["reminders"] == [iso(moment)]
    reminder = Reminder.objects.get(task=task)
    assert (reminder.owner_id, reminder.remind_at, reminder.sent_at) == (user.id, moment, None)
    # The same moment again changes nothing; the list is sorted.
    api.post(reminders_url(user, task), {"remind_at": iso(moment)}, format="json")
    earlier = in_days(1)
    response = api.post(reminders_url(user, task), {"remind_at": iso(earlier)}, format="json")
    assert response.json()["reminders"] == [iso(earlier), iso(moment)]
    # Every task read shows them: the detail and the list.
    assert api.get(f"/api/{user.id}/tasks/{task.id}/").json()["reminders"] == [
        iso(earlier),
        iso(moment),
    ]
    listed = api.get(f"/api/{user.id}/tasks/").json()["results"]
    assert listed[0]["reminders"] == [iso(earlier), iso(moment)]


def test_minutes_before_counts_back_from_the_due_time_in_the_owners_zone(api, user, make_task):
    Preferences.objects.create(user=user, time_zone="America/New_York")
    day = date.today() + timedelta(days=3)
    task = make_task(user, due_date=day, due_time=time(17, 0))
    response = api.post(reminders_url(user, task), {"minutes_before": 30}, format="json")
    assert response.status_code == 201, response.content
    expected = datetime.combine(day, time(16, 30), tzinfo=ZoneInfo("America/New_York"))
    assert response.json()["reminders"] == [iso(expected)]
    assert Reminder.objects.get(task=task).minutes_before == 30


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"remind_at": "2020-01-01T09:00:00Z"}, "remind_at"),  # passed
        ({"remind_at": "2999-01-01T09:00:00"}, "remind_at"),  # no offset: whose 9 AM?
        ({"remind_at": "tomorrow"}, "remind_at"),
        ({}, "remind_at"),
        ({"remind_at": "2999-01-01T09:00:00Z", "minutes_before": 5}, "remind_at"),
        ({"minutes_before": 30}, "minutes_before"),  # the task has no due time
        ({"minutes_before": -1}, "minutes_before"),
        ({"minutes_before": "soon"}, "minutes_before"),
    ],
)
def test_bad_reminders_are_400_naming_the_field(api, user, make_task, payload, field):
    task = make_task(user)
    response = api.post(reminders_url(user, task), payload, format="json")
    assert_error(response, 400, "invalid", {field})
    assert not Reminder.objects.exists()


def test_minutes_before_a_due_time_that_has_passed_is_400(api, user, make_task):
    task = make_task(user, due_date=date.today() - timedelta(days=1), due_time=time(9, 0))
    response = api.post(reminders_url(user, task), {"minutes_before": 0}, format="json")
    assert_error(response, 400, "invalid", {"minutes_before"})


def test_remove_one_reminder_or_all(api, user, make_task):
    task = make_task(user)
    first, second = in_days(1), in_days(2)
    for moment in (first, second):
        api.post(reminders_url(user, task), {"remind_at": iso(moment)}, format="json")
    # Query (with an offset other than UTC: the same moment) or body.
    paris = second.astimezone(ZoneInfo("Europe/Paris")).isoformat()
    response = api.delete(reminders_url(user, task), {"remind_at": paris}, format="json")
    assert response.status_code == 200
    assert response.json()["reminders"] == [iso(first)]
    response = api.delete(reminders_url(user, task))
    assert response.status_code == 200
    assert response.json()["reminders"] == []
    assert not Reminder.objects.exists()
    response = api.delete(f"{reminders_url(user, task)}?remind_at=soon")
    assert_error(response, 400, "invalid", {"remind_at"})


def test_another_users_task_is_404_and_untouched(api, user, other_user, make_task):
    theirs = make_task(other_user)
    Reminder.objects.create(task=theirs, owner=other_user, remind_at=in_days(1))
    url = f"/api/{user.id}/tasks/{theirs.id}/reminders/"
    assert_error(api.post(url, {"remind_at": iso(in_days(2))}, format="json"), 404, "not_found")
    assert_error(api.delete(url), 404, "not_found")
    assert Reminder.objects.filter(task=theirs).count() == 1
    # Their user id in the path: 403, as everywhere.
    response = api.post(reminders_url(other_user, theirs), {"remind_at": iso(in_days(2))})
    assert_error(response, 403, "permission_denied")


def test_the_default_reminder_and_moving_with_the_due_time(user, make_task):
    Preferences.objects.create(user=user, time_zone="Europe/Berlin", default_reminder_minutes=15)
    berlin = ZoneInfo("Europe/Berlin")
    day = date.today() + timedelta(days=2)
    task = make_task(user, due_date=day, due_time=time(8, 0))
    reminder = add_default_reminder(task=task)
    assert reminder.remind_at == datetime.combine(day, time(7, 45), tzinfo=berlin)
    assert add_default_reminder(task=task) is None  # it has one already
    absolute = Reminder.objects.create(task=task, owner=user, remind_at=in_days(1))
    # The task moves a week on (a recurring task's next occurrence), its reminder was sent.
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), delivered=["page"])
    task.due_date = day + timedelta(days=7)
    reschedule_after_move(task)
    reminder.refresh_from_db()
    expected = datetime.combine(day + timedelta(days=7), time(7, 45), tzinfo=berlin)
    assert (reminder.remind_at, reminder.sent_at, reminder.delivered) == (expected, None, [])
    absolute.refresh_from_db()
    assert absolute.remind_at == in_days(1)
    # Without a due time the relative reminder has nothing to follow.
    task.due_time = None
    reschedule_after_move(task)
    assert list(Reminder.objects.filter(task=task)) == [absolute]


def weekly_task(api, user, **fields):
    day = date.today() + timedelta(days=2)
    body = {"title": "Standup", "due_date": day.isoformat(), "due_time": "09:00", **fields}
    response = api.post(f"/api/{user.id}/tasks/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json(), day


def at_local(day: date, hour: int, minute: int = 0, zone: str = "UTC") -> str:
    return iso(datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)))


def test_a_task_given_a_time_gets_the_default_reminder(api, user):
    Preferences.objects.create(user=user, time_zone="Europe/Berlin", default_reminder_minutes=10)
    task, day = weekly_task(api, user)
    assert task["reminders"] == [at_local(day, 8, 50, "Europe/Berlin")]
    # A task without a time gets none; giving it one later does.
    body = {"title": "Dentist", "due_date": str(day)}
    response = api.post(f"/api/{user.id}/tasks/", body, format="json")
    other = response.json()
    assert other["reminders"] == []
    url = f"/api/{user.id}/tasks/{other['id']}/"
    response = api.patch(url, {"due_time": "15:00"}, format="json")
    assert response.json()["reminders"] == [at_local(day, 14, 50, "Europe/Berlin")]
    # Moving the time moves it.
    response = api.patch(url, {"due_time": "16:30"}, format="json")
    assert response.json()["reminders"] == [at_local(day, 16, 20, "Europe/Berlin")]


def test_a_repeating_tasks_reminder_moves_with_it_and_back_on_undo(api, user):
    task, day = weekly_task(api, user, recurrence="FREQ=WEEKLY")
    url = reminders_url(user, type("T", (), {"id": task["id"]}))
    api.post(url, {"minutes_before": 30}, format="json")
    fixed = in_days(1)
    api.post(url, {"remind_at": iso(fixed)}, format="json")
    response = api.post(
        f"/api/{user.id}/tasks/bulk/", {"ids": [task["id"]], "action": "complete"}, format="json"
    )
    moved = response.json()["tasks"][0]
    assert moved["due_date"] == str(day + timedelta(days=7)) and not moved["completed"]
    assert moved["reminders"] == [iso(fixed), at_local(day + timedelta(days=7), 8, 30)]
    change_id = response.json()["change_id"]
    response = api.post(f"/api/{user.id}/tasks/changes/{change_id}/undo")
    assert response.json()["tasks"][0]["reminders"] == [iso(fixed), at_local(day, 8, 30)]
    relative = Reminder.objects.get(task_id=task["id"], minutes_before=30)
    assert relative.sent_at is None


def test_bulk_dates_move_relative_reminders_and_past_ones_are_spent(api, user):
    task, day = weekly_task(api, user)
    url = reminders_url(user, type("T", (), {"id": task["id"]}))
    api.post(url, {"minutes_before": 60}, format="json")
    later = day + timedelta(days=3)
    body = {"ids": [task["id"]], "action": "set_due_date", "value": str(later)}
    response = api.post(f"/api/{user.id}/tasks/bulk/", body, format="json")
    assert response.json()["tasks"][0]["reminders"] == [at_local(later, 8)]
    # Moved to yesterday: its moment has gone, it will not be delivered.
    body["value"] = str(date.today() - timedelta(days=1))
    api.post(f"/api/{user.id}/tasks/bulk/", body, format="json")
    assert Reminder.objects.get(task_id=task["id"]).sent_at is not None
