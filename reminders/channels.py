"""Where a reminder goes when its moment comes: one class per channel, each saying whether
the owner wants it and sending it (raising when it could not, so the scheduler retries it).

- `page`: the owner's open pages, a `reminder` event on the live stream (live.publisher),
  published at most once per reminder and moment (the live log keeps the key with the event).
- `email`: a mail to the owner's address, only while it is verified (accounts.mail).

The owner chooses them in accounts.Preferences (no row: both on).
"""

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.utils import formats

from accounts.addresses import email_verified
from accounts.mail import send_reminder
from accounts.models import Preferences
from accounts.preferences import user_time_zone
from config.timezones import time_zone
from live.publisher import publish_now
from todos.models import Reminder


class DeliveryFailed(Exception):
    """A channel could not take the reminder now; the scheduler tries again later."""


def occurrence_key(reminder: Reminder) -> str:
    """Names this reminder at this moment: a repeating task's reminder is sent again, under
    another key, when it moves to the next occurrence."""
    return f"reminder:{reminder.pk}:{int(reminder.remind_at.timestamp())}"


class Channel:
    name: ClassVar[str]

    def wanted(self, reminder: Reminder, preferences: Preferences) -> bool:
        raise NotImplementedError

    def send(self, reminder: Reminder) -> None:
        """Deliver, or raise (DeliveryFailed or whatever the transport raised)."""
        raise NotImplementedError


class PageChannel(Channel):
    name = "page"

    def wanted(self, reminder: Reminder, preferences: Preferences) -> bool:
        return preferences.remind_in_page

    def send(self, reminder: Reminder) -> None:
        # False: published before (a crash came between that and recording it): done.
        publish_now(
            Reminder, "due", reminder, user_id=reminder.owner_id, once=occurrence_key(reminder)
        )


def _when(moment: datetime, reminder: Reminder) -> str:
    local = moment.astimezone(time_zone(user_time_zone(reminder.owner_id)))
    return f"{formats.date_format(local, 'D j M')}, {formats.time_format(local, 'g:i A')}"


class EmailChannel(Channel):
    name = "email"

    def wanted(self, reminder: Reminder, preferences: Preferences) -> bool:
        return preferences.remind_by_email and email_verified(reminder.owner)

    def send(self, reminder: Reminder) -> None:
        owner = reminder.owner
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
        sent = send_reminder(
            to=owner.email,
            username=owner.get_username(),
            title=reminder.task.title,
            when=_when(reminder.remind_at, reminder),
            late=reminder.late,
            link=f"{settings.SITE_URL}/" if settings.SITE_URL else "",
            message_id=f"<{occurrence_key(reminder).replace(':', '.')}@{domain}>",
        )
        if not sent:
            raise DeliveryFailed("the mail was not sent")


CHANNELS: tuple[Channel, ...] = (PageChannel(), EmailChannel())
