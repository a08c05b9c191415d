"""One scheduler pass: claim the reminders whose moment came, deliver each to its channels,
record what was done. Plain synchronous functions (the loop in reminders.scheduler and the
`run_reminders` command call them on a thread of their own); docs/REMINDERS.md has the
guarantees.

1. **Claim**, in one short transaction: pending reminders that are due, not waiting for a
   retry, and not held by anyone (or held by a claim that lapsed: its scheduler died) get
   `claimed_by` = this pass and `claimed_until` = now + REMINDER_CLAIM_S. On PostgreSQL
   `SELECT … FOR UPDATE SKIP LOCKED`, so passes on several workers take disjoint batches
   without waiting for each other; on SQLite the transaction is IMMEDIATE (config.settings),
   so one process at a time holds the claim.
2. **Deliver** each reminder still held by this pass (a deleted task took its reminders
   along; a completed task's reminder reaches no channel): before each channel the claim is
   renewed — only while `claimed_by` is still this pass, so a pass whose claim lapsed and was
   taken over stops there — then the channel sends, and its name is added to `delivered` at
   once. A channel already in `delivered` is never sent again.
3. **Record**: every wanted channel done → `sent_at` (and `late` if it came more than
   REMINDER_LATE_S after its moment), the claim released. A channel failed → the next
   attempt after a backoff (RETRY_BACKOFF_S, doubling), up to RETRIES retries; then it is
   given up (`attempts` past RETRIES, `sent_at` stays empty) and logged.
"""

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Preferences
from ops import metrics
from reminders.channels import CHANNELS
from todos.models import Reminder

logger = logging.getLogger("reminders")

BATCH = 100  # reminders claimed per pass
RETRIES = 5  # a failed delivery is tried again this many times
RETRY_BACKOFF_S = 30.0  # before the first retry; doubled before each next one

Clock = Callable[[], datetime]


def due_reminders(now: datetime):
    """Reminders to deliver now: pending, due, not waiting for a retry, not held by a claim."""
    return Reminder.objects.filter(
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=now),
        Q(claimed_until=None) | Q(claimed_until__lt=now),
        sent_at=None,
        remind_at__lte=now,
        attempts__lte=RETRIES,
    )


def claim_due(*, token: str, now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due reminders for the pass `token`; their ids, earliest first."""
    with transaction.atomic():
        due = due_reminders(now).order_by("remind_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                claimed_by=token, claimed_until=now + timedelta(seconds=settings.REMINDER_CLAIM_S)
            )
    return ids


def release(*, token: str, ids: list[int]) -> None:
    """Let go of claimed reminders not delivered yet (this scheduler is stopping)."""
    Reminder.objects.filter(pk__in=ids, claimed_by=token, sent_at=None).update(
        claimed_by="", claimed_until=None
    )


def _held(reminder_id: int, token: str):
    return Reminder.objects.filter(pk=reminder_id, claimed_by=token, sent_at=None)


def _renew(reminder_id: int, token: str, clock: Clock) -> bool:
    until = clock() + timedelta(seconds=settings.REMINDER_CLAIM_S)
    return bool(_held(reminder_id, token).update(claimed_until=until))


def _preferences(owner_id: int) -> Preferences:
    return Preferences.objects.filter(user_id=owner_id).first() or Preferences(user_id=owner_id)


def deliver(reminder_id: int, *, token: str, clock: Clock = timezone.now) -> bool:
    """Deliver one reminder this pass holds to the channels it has not reached; True once it
    is sent (every wanted channel done)."""
    reminder = _held(reminder_id, token).select_related("task", "owner").first()
    if reminder is None:
        return False  # deleted with its task, or taken over after this pass's claim lapsed
    if reminder.attempts == 0:
        lateness = clock() - reminder.remind_at
        reminder.late = lateness > timedelta(seconds=settings.REMINDER_LATE_S)
    preferences = _preferences(reminder.owner_id)
    failed = []
    for channel in CHANNELS:
        if reminder.task.completed:
            break  # done already: nothing to remind of (it counts as sent)
        if channel.name in reminder.delivered or not channel.wanted(reminder, preferences):
            continue
        if not _renew(reminder_id, token, clock):
            return False
        try:
            channel.send(reminder)
        except Exception as exc:
            logger.warning(
                "reminder %s: %s delivery failed: %s", reminder_id, channel.name, type(exc).__name__
            )
            metrics.reminder_failed(channel.name)
            failed.append(channel.name)
            continue
        metrics.reminder_delivered(channel.name)
        reminder.delivered = [*reminder.delivered, channel.name]
        if not _held(reminder_id, token).update(delivered=reminder.delivered, late=reminder.late):
            return False
    if failed:
        _retry_later(reminder, token, clock())
        return False
    return bool(
        _held(reminder_id, token).update(
            sent_at=clock(), late=reminder.late, claimed_by="", claimed_until=None
        )
    )


def _retry_later(reminder: Reminder, token: str, now: datetime) -> None:
    attempts = reminder.attempts + 1
    if attempts > RETRIES:
        logger.error("reminder %s: given up after %d attempts", reminder.pk, attempts)
        next_attempt_at = None
    else:
        next_attempt_at = now + timedelta(seconds=RETRY_BACKOFF_S * 2 ** (attempts - 1))
    _held(reminder.pk, token).update(
        attempts=F("attempts") + 1,
        late=reminder.late,
        next_attempt_at=next_attempt_at,
        claimed_by="",
        claimed_until=None,
    )


def deliver_due(
    *, clock: Clock = timezone.now, stop: threading.Event | None = None, limit: int = BATCH
) -> int:
    """One pass: claim what is due and deliver it; how many reminders it sent. With `stop`
    set midway, the reminders not reached yet are released for another scheduler."""
    now = clock()
    # Most passes find nothing: a plain read then, no lock (SQLite's claim takes the write lock).
    if not due_reminders(now).exists():
        return 0
    token = uuid.uuid4().hex
    ids = claim_due(token=token, now=now, limit=limit)
    sent = 0
    for index, reminder_id in enumerate(ids):
        if stop is not None and stop.is_set():
            release(token=token, ids=ids[index:])
            break
        sent += deliver(reminder_id, token=token, clock=clock)
    if sent:
        logger.info("delivered %d reminder(s)", sent)
    return sent
