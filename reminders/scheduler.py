"""The reminder scheduler: passes of reminders.delivery on a thread of its own, every
REMINDER_POLL_S, or sooner when the next reminder is due sooner, or at once while a pass found
a full batch; a reminder saved in this process wakes it to recompute that (after commit).

Every uvicorn worker runs one (`start_scheduler` at ASGI lifespan startup, ops.asgi, with
REMINDERS_ENABLED); `manage.py run_reminders` runs one in the foreground instead. Its own
thread, not the database threads of the chat path: a pass may wait on an SMTP server. Stopping
(lifespan shutdown, SIGTERM to the command) lets the reminder being delivered finish and
releases the rest of the batch to the other schedulers.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from reminders.delivery import BATCH, deliver_due
from todos.models import Reminder

logger = logging.getLogger("reminders")

STOP_TIMEOUT_S = 30.0  # how long stopping waits for the reminder being delivered


def next_wait_s() -> float:
    """Seconds until the next pass: REMINDER_POLL_S, or less when a reminder is due sooner."""
    poll, now = settings.REMINDER_POLL_S, timezone.now()
    # Only reminders still ahead: due ones this pass left are waiting (a retry, another
    # scheduler's claim) and are looked at again after the poll interval.
    upcoming = (
        Reminder.objects.filter(sent_at=None, remind_at__gt=now)
        .order_by("remind_at")
        .values_list("remind_at", flat=True)
        .first()
    )
    if upcoming is None:
        return poll
    return min(poll, (upcoming - now) / timedelta(seconds=1))


class Scheduler:
    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.wakeup = threading.Event()  # a reminder was added: look again now
        self.thread: threading.Thread | None = None

    def _pass(self) -> float:
        """One pass; how long to wait before the next."""
        try:
            if deliver_due(stop=self.stopping) >= BATCH:
                return 0.0
            return next_wait_s()
        except Exception:
            # The database restarting, a bug in one channel: the next pass tries again.
            logger.warning("a reminder pass failed", exc_info=True)
            return settings.REMINDER_POLL_S
        finally:
            connections.close_all()  # PostgreSQL: back to the pool between passes

    def run(self) -> None:
        """Pass after pass until `stop()` (the command runs this in its main thread)."""
        logger.info("reminder scheduler started (every %g s)", settings.REMINDER_POLL_S)
        wait_s = 0.0
        while not self.stopping.is_set():
            self.wakeup.wait(wait_s)
            self.wakeup.clear()
            if self.stopping.is_set():
                break
            wait_s = self._pass()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name="reminders", daemon=True)
        self.thread.start()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        self.stopping.set()
        self.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout_s)


_scheduler: dict[str, Scheduler] = {}


def start_scheduler() -> None:
    """At worker startup (ops.asgi): this process's scheduler, with REMINDERS_ENABLED."""
    if settings.REMINDERS_ENABLED and "worker" not in _scheduler:
        _scheduler["worker"] = scheduler = Scheduler()
        scheduler.start()


def wake_scheduler() -> None:
    """A reminder was added or moved here (after its commit): this process's scheduler
    recomputes its wait, so a reminder due before its next poll is not late by up to
    REMINDER_POLL_S. Schedulers in other processes find it at their next poll."""
    scheduler = _scheduler.get("worker")
    if scheduler is not None:
        scheduler.wakeup.set()


def reminder_saved(sender, instance: Reminder, **kwargs) -> None:
    """post_save of a Reminder: wake this process's scheduler once the change commits."""
    if _scheduler:
        transaction.on_commit(wake_scheduler)


def stop_scheduler() -> None:
    """At worker shutdown: blocks until the reminder being delivered is done."""
    scheduler = _scheduler.pop("worker", None)
    if scheduler is not None:
        scheduler.stop()
