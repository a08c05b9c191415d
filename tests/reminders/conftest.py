"""Reminders to deliver, and what reached each channel: the live log's `reminder` events and
the mails."""

import json
import uuid
from datetime import datetime, timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from accounts.models import EmailVerification
from live.events import LiveEvent
from live.logs import live_log
from live.logs.memory import MemoryLiveLog, entry_of
from todos.models import Reminder, Task
from todos.services import task_create


def published_reminders(user_id: int) -> list[dict]:
    """The `reminder` events in the user's live log (in-process or Redis), oldest first."""
    log = live_log()
    if isinstance(log, MemoryLiveLog):
        user_log = log._users.get(user_id)
        events = [entry_of(kept).event for kept in user_log.entries] if user_log else []
    else:
        raw = redis.Redis.from_url(settings.REDIS_URL).xrange(log.user_key(user_id))
        events = [LiveEvent.from_record(fields[b"e"]) for _, fields in raw]
    return [json.loads(event.json)["reminder"] for event in events if event.type == "reminder"]


@pytest.fixture(params=["memory", "redis"])
def live_backend(request, settings):
    """Once per live log: in-process, and Redis under a prefix of its own."""
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
        settings.LIVE_REDIS_PREFIX = f"taskstream-test:{uuid.uuid4().hex}:live:"
    live_log.cache_clear()
    yield request.param
    live_log.cache_clear()


@pytest.fixture
def verified(make_user):
    """A user whose address is verified: reminders go to their pages and by mail."""
    bob = make_user("bob", email="bob@example.com")
    EmailVerification.objects.create(user=bob, email=bob.email, verified_at=timezone.now())
    return bob


def due_reminder(owner, *, at: datetime | None = None, task: Task | None = None) -> Reminder:
    """A reminder whose moment is `at` (a second ago by default), written as the scheduler
    finds one whose moment came (the API refuses past moments)."""
    task = task or task_create(owner=owner, title="Call mom")
    at = at or timezone.now() - timedelta(seconds=1)
    return Reminder.objects.create(task=task, owner=owner, remind_at=at)
