"""The reminder mail: text and HTML, the moment in the owner's zone, the link to SITE_URL."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from accounts.models import Preferences
from reminders.channels import EmailChannel
from tests.reminders.conftest import due_reminder
from todos.services import task_create

pytestmark = pytest.mark.django_db


def test_the_mail_says_what_and_when_in_the_owners_zone(verified, settings):
    settings.SITE_URL = "https://todo.example.com"
    settings.EMAIL_RATE_LIMIT = "1/hour"  # reminders are not counted against it
    Preferences.objects.create(user=verified, time_zone="America/New_York")
    task = task_create(owner=verified, title="Pay <rent> & bills")
    reminder = due_reminder(verified, task=task, at=datetime(2026, 12, 7, 22, 0, tzinfo=UTC))
    for _ in range(2):
        EmailChannel().send(reminder)
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject == "Reminder: Pay <rent> & bills"
    assert "Pay <rent> & bills" in message.body
    assert "Mon 7 Dec, 5:00 PM" in message.body  # 22:00 UTC in New York
    assert "https://todo.example.com/" in message.body
    html = message.alternatives[0][0]
    assert "Pay &lt;rent&gt; &amp; bills" in html and 'href="https://todo.example.com/"' in html


def test_without_site_url_no_link_and_a_late_one_says_so(verified, settings):
    settings.SITE_URL = ""
    reminder = due_reminder(verified, at=datetime(2026, 12, 7, 22, 0, tzinfo=UTC))
    reminder.late = True
    EmailChannel().send(reminder)
    [message] = mail.outbox
    assert "http" not in message.body and "href" not in message.alternatives[0][0]
    assert "could not send it until now" in message.body
