"""One scheduler pass (reminders.delivery) in process: channels, claims, retries, late."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Preferences
from reminders.channels import PageChannel
from reminders.delivery import RETRIES, RETRY_BACKOFF_S, claim_due, deliver, deliver_due
from tests.reminders.conftest import due_reminder, published_reminders
from tests.workers import free_port
from todos.models import Reminder, Task
from todos.services import task_create

# Transactional: the page channel publishes only what is committed, outside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def at(seconds: float):
    """A clock standing `seconds` from now."""
    moment = timezone.now() + timedelta(seconds=seconds)
    return lambda: moment


def test_a_due_reminder_reaches_the_page_and_the_verified_address_once(live_backend, verified):
    task = task_create(owner=verified, title="Call mom")
    reminder = due_reminder(verified, task=task)
    future = due_reminder(verified, task=task, at=timezone.now() + timedelta(hours=1))
    assert deliver_due() == 1
    [event] = published_reminders(verified.id)
    assert event == {
        "id": reminder.pk,
        "task_id": task.pk,
        "task_number": task.number,
        "title": "Call mom",
        "remind_at": reminder.remind_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "due_date": None,
        "due_time": None,
        "late": False,
    }
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert message.subject == "Reminder: Call mom"
    assert message.extra_headers["Message-ID"].startswith(f"<reminder.{reminder.pk}.")
    assert "Call mom" in message.alternatives[0][0]
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.delivered == ["page", "email"]
    assert (reminder.claimed_by, reminder.claimed_until, reminder.late) == ("", None, False)
    # Nothing more to do: the next pass sends nothing again; the future one waits.
    assert deliver_due() == 0
    assert len(published_reminders(verified.id)) == 1 and len(mail.outbox) == 1
    assert Reminder.objects.get(pk=future.pk).sent_at is None


def test_channels_follow_preferences_and_verification(user, verified):
    Preferences.objects.create(user=verified, remind_in_page=False)
    mine = due_reminder(user)  # no address: the page only
    theirs = due_reminder(verified)  # mail only
    assert deliver_due() == 2
    assert [event["id"] for event in published_reminders(user.id)] == [mine.pk]
    assert published_reminders(verified.id) == []
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]
    assert Reminder.objects.get(pk=theirs.pk).delivered == ["email"]


def test_a_reminder_missed_while_every_worker_was_down_is_sent_late(user, settings):
    settings.REMINDER_LATE_S = 60
    missed = due_reminder(user, at=timezone.now() - timedelta(minutes=10))
    on_time = due_reminder(user, at=timezone.now() - timedelta(seconds=5))
    assert deliver_due() == 2
    late = {event["id"]: event["late"] for event in published_reminders(user.id)}
    assert late == {missed.pk: True, on_time.pk: False}
    assert Reminder.objects.get(pk=missed.pk).late


def test_a_failed_mail_is_retried_with_backoff_and_the_page_is_not_repeated(verified, settings):
    # A real SMTP client against a port nobody listens on: the connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    reminder = due_reminder(verified)
    assert deliver_due() == 0
    reminder.refresh_from_db()
    assert (reminder.delivered, reminder.attempts, reminder.sent_at) == (["page"], 1, None)
    assert reminder.next_attempt_at > timezone.now() + timedelta(seconds=RETRY_BACKOFF_S - 5)
    assert deliver_due() == 0  # not before its time
    for attempt in range(2, RETRIES + 2):  # each retry waits twice as long as the one before
        later = at(RETRY_BACKOFF_S * 2**attempt)
        assert deliver_due(clock=later) == 0
        reminder.refresh_from_db()
        assert reminder.attempts == attempt
    # Given up after RETRIES retries: no pass claims it any more.
    assert reminder.next_attempt_at is None
    assert claim_due(token="x", now=at(10**6)()) == []
    assert len(published_reminders(verified.id)) == 1


def test_a_retry_that_succeeds_sends_the_mail_once(verified, settings):
    backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    reminder = due_reminder(verified)
    deliver_due()
    settings.EMAIL_BACKEND = backend  # the SMTP server is back
    assert deliver_due(clock=at(RETRY_BACKOFF_S + 1)) == 1
    assert len(mail.outbox) == 1 and len(published_reminders(verified.id)) == 1
    reminder.refresh_from_db()
    assert reminder.delivered == ["page", "email"] and reminder.sent_at is not None


def test_claims_are_disjoint_and_a_lapsed_claim_is_taken_over(user, settings):
    settings.REMINDER_CLAIM_S = 60
    reminders = [due_reminder(user) for _ in range(3)]
    now = timezone.now()
    first = claim_due(token="a", now=now, limit=2)
    second = claim_due(token="b", now=now)
    assert sorted(first + second) == [reminder.pk for reminder in reminders]
    assert claim_due(token="c", now=now) == []
    # "a" died: after its claim lapses, "c" takes its reminders and "a" can record nothing.
    taken = claim_due(token="c", now=now + timedelta(seconds=61), limit=10)
    assert sorted(taken) == sorted(first + second)
    assert deliver(first[0], token="a") is False
    assert published_reminders(user.id) == []
    assert deliver(first[0], token="c") is True
    assert len(published_reminders(user.id)) == 1


def test_a_deleted_task_takes_its_claimed_reminder_along(user):
    reminder = due_reminder(user)
    [claimed] = claim_due(token="a", now=timezone.now())
    reminder.task.delete()
    assert deliver(claimed, token="a") is False
    assert published_reminders(user.id) == []


def test_the_page_event_is_published_once_per_reminder_and_moment(live_backend, user):
    """A crash between publishing and recording it: the retry publishes nothing again."""
    reminder = due_reminder(user)
    PageChannel().send(reminder)
    PageChannel().send(reminder)
    assert len(published_reminders(user.id)) == 1
    # The same reminder at its next occurrence (a repeating task) is another event.
    reminder.remind_at += timedelta(days=7)
    PageChannel().send(reminder)
    assert len(published_reminders(user.id)) == 2


def test_stopping_midway_releases_the_rest(user):
    reminders = [due_reminder(user) for _ in range(3)]
    stop = threading.Event()
    stop.set()
    assert deliver_due(stop=stop) == 0
    for reminder in reminders:
        reminder.refresh_from_db()
        assert (reminder.claimed_by, reminder.claimed_until, reminder.sent_at) == ("", None, None)
    assert deliver_due() == 3


def test_a_completed_tasks_reminder_reaches_no_channel(verified):
    reminder = due_reminder(verified)
    Task.objects.filter(pk=reminder.task_id).update(completed=True, completed_at=timezone.now())
    assert deliver_due() == 1
    assert published_reminders(verified.id) == [] and mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.delivered == []


def test_deliveries_are_counted_for_metrics(verified):
    from prometheus_client import REGISTRY

    def delivered(channel: str) -> float:
        labels = {"channel": channel}
        return REGISTRY.get_sample_value("taskstream_reminders_delivered_total", labels) or 0

    before = delivered("page"), delivered("email")
    due_reminder(verified)
    deliver_due()
    assert (delivered("page"), delivered("email")) == (before[0] + 1, before[1] + 1)
