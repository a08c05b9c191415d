"""Reminders delivered by the schedulers of real uvicorn workers sharing the database and
Redis: each exactly once on each channel (the mails counted, the live `reminder` events
counted) with two workers at once, after a worker was killed holding claimed reminders, and
after every worker was down when a reminder's moment came (then `late`).

Deadlines are generous and every wait is for a condition: the machine may be loaded."""

import json
import re
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import redis
from django.utils import timezone

from accounts.models import EmailVerification
from live.events import LiveEvent
from tests.conftest import bearer
from tests.fakes.smtp_server import FakeSMTP
from tests.live.listener import LiveListener
from tests.live.test_live_workers import worker_password
from tests.todos.factories import bulk_tasks
from tests.waiting import PROCESS_DEADLINE_S, wait_until
from tests.workers import PROJECT_DIR, worker_env
from todos.models import Reminder

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE_ID = re.compile(rb"^Message-ID: (.+?)\r?$", re.MULTILINE)


@pytest.fixture
def owner(make_user):
    """A user with a verified address: each reminder goes to their pages and by mail."""
    bob = make_user("bob", email="bob@example.com")
    EmailVerification.objects.create(user=bob, email=bob.email, verified_at=timezone.now())
    worker_password(bob)
    return bob


@pytest.fixture
def scheduler_env(redis_url, tmp_path) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "LIVE_REDIS_PREFIX": f"taskstream-test:{uuid.uuid4().hex}:live:",
        "REMINDER_POLL_S": "0.2",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "DEFAULT_FROM_EMAIL": "Taskstream <noreply@example.com>",
    }


def mailed_ids(directory: Path) -> list[str]:
    """The Message-ID of every mail the file backend wrote (one file per connection)."""
    if not directory.exists():
        return []
    return [
        found.decode()
        for path in sorted(directory.iterdir())
        for found in MESSAGE_ID.findall(path.read_bytes())
    ]


def logged_reminder_events(env: dict[str, str], user_id: int) -> list[dict]:
    """The `reminder` events in the user's live log in Redis: what every stream reads."""
    key = f"{env['LIVE_REDIS_PREFIX']}user:{user_id}"
    entries = redis.Redis.from_url(env["REDIS_URL"]).xrange(key)
    events = [LiveEvent.from_record(fields[b"e"]) for _, fields in entries]
    return [json.loads(event.json)["reminder"] for event in events if event.type == "reminder"]


def make_due(owner, count: int, *, first_in_s: float, spread_s: float = 0.0) -> list[Reminder]:
    """`count` tasks, each with a reminder, due from `first_in_s` on over `spread_s`."""
    start = timezone.now() + timedelta(seconds=first_in_s)
    tasks = bulk_tasks(owner, (f"task {n}" for n in range(count)))
    return Reminder.objects.bulk_create(
        Reminder(
            task=task,
            owner=owner,
            remind_at=start + timedelta(seconds=spread_s * n / max(count - 1, 1)),
        )
        for n, task in enumerate(tasks)
    )


def all_sent(count: int):
    return lambda: Reminder.objects.filter(sent_at__isnull=False).count() == count


def exactly_once(ids: list, expected: set) -> None:
    repeated = {item: n for item, n in Counter(ids).items() if n > 1}
    assert not repeated, f"delivered more than once: {repeated}"
    assert set(ids) == expected


def test_300_reminders_due_within_a_minute_on_two_workers_each_arrive_once(
    uvicorn_workers, owner, scheduler_env, tmp_path
):
    workers = uvicorn_workers(2, env=scheduler_env)
    headers = {"Authorization": bearer(owner)}
    with LiveListener(workers[1].url, owner.pk, headers) as listener:
        reminders = make_due(owner, 300, first_in_s=3, spread_s=5)
        wait_until(
            all_sent(300),
            timeout=PROCESS_DEADLINE_S,
            message=lambda: f"{Reminder.objects.filter(sent_at=None).count()} not sent",
        )
        events = listener.wait_for(300, types={"reminder"})
    pks = {reminder.pk for reminder in reminders}
    exactly_once([event["reminder"]["id"] for event in events], pks)
    mails = mailed_ids(tmp_path / "mail")
    assert len(mails) == 300 and len(set(mails)) == 300, Counter(mails).most_common(3)
    exactly_once([event["id"] for event in logged_reminder_events(scheduler_env, owner.pk)], pks)
    channels = Reminder.objects.values_list("delivered", flat=True)
    assert {tuple(delivered) for delivered in channels} == {("page", "email")}
    # How the two workers' schedulers shared the work (pytest -rA shows it).
    shares = [re.findall(r"delivered (\d+) reminder", worker.output()) for worker in workers]
    print("reminders delivered per worker:", [sum(map(int, share)) for share in shares])
    sent = Reminder.objects.values_list("remind_at", "sent_at")
    lateness = sorted((sent_at - remind_at).total_seconds() for remind_at, sent_at in sent)
    print(f"after its moment: median {lateness[150]:.2f} s, max {lateness[-1]:.2f} s")


def test_a_worker_killed_holding_claimed_reminders_leaves_them_to_be_sent_once(
    uvicorn_workers, owner, scheduler_env
):
    with FakeSMTP(hold_first=True) as smtp:
        env = scheduler_env | {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "600",  # the held worker stays stuck in its SMTP conversation
            "REMINDER_CLAIM_S": "10",
        }
        [doomed] = uvicorn_workers(1, env=env)
        reminders = make_due(owner, 30, first_in_s=1)
        pks = {reminder.pk for reminder in reminders}
        # It claimed all 30, sent the first one's page event, and hangs mailing it.
        held = Reminder.objects.filter(sent_at=None).exclude(claimed_by="")
        wait_until(lambda: smtp.holding and held.count() == 30, timeout=PROCESS_DEADLINE_S)
        doomed.kill()
        assert held.count() == 30 and smtp.message_ids == []
        first_page = logged_reminder_events(scheduler_env, owner.pk)
        assert len(first_page) == 1
        # Restarted: two workers; once the dead one's claims lapse, they deliver the rest.
        uvicorn_workers(2, env=env)
        wait_until(all_sent(30), timeout=PROCESS_DEADLINE_S)
        exactly_once(smtp.message_ids, set(smtp.message_ids))
        assert len(smtp.message_ids) == 30
    exactly_once([event["id"] for event in logged_reminder_events(scheduler_env, owner.pk)], pks)
    assert not Reminder.objects.filter(attempts__gt=0).exists()


def test_a_reminder_due_while_every_worker_was_down_is_sent_once_late(
    uvicorn_workers, owner, scheduler_env, tmp_path
):
    env = scheduler_env | {"REMINDER_LATE_S": "2"}
    [reminder] = make_due(owner, 1, first_in_s=1)
    # No worker runs: its moment comes and goes.
    wait_until(lambda: timezone.now() > reminder.remind_at + timedelta(seconds=3), timeout=60)
    assert Reminder.objects.get(pk=reminder.pk).sent_at is None
    uvicorn_workers(2, env=env)
    wait_until(all_sent(1), timeout=PROCESS_DEADLINE_S)
    sent = Reminder.objects.get(pk=reminder.pk)
    assert sent.late and sent.delivered == ["page", "email"]
    [event] = logged_reminder_events(scheduler_env, owner.pk)
    assert (event["id"], event["late"]) == (reminder.pk, True)
    assert len(mailed_ids(tmp_path / "mail")) == 1


def test_run_reminders_delivers_in_the_foreground_and_stops_on_sigterm(
    owner, scheduler_env, tmp_path
):
    [reminder] = make_due(owner, 1, first_in_s=1)
    command = [sys.executable, "manage.py", "run_reminders"]
    env = worker_env(**scheduler_env)
    with (tmp_path / "command.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until(all_sent(1), timeout=PROCESS_DEADLINE_S)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=PROCESS_DEADLINE_S) == 0
    finally:
        process.kill()
    assert [event["id"] for event in logged_reminder_events(scheduler_env, owner.pk)] == [
        reminder.pk
    ]
    assert len(mailed_ids(tmp_path / "mail")) == 1
    assert "reminder scheduler stopped" in (tmp_path / "command.log").read_text()


def test_a_reminder_added_on_a_worker_wakes_its_scheduler(uvicorn_workers, owner, scheduler_env):
    """With a poll interval of ten minutes, only the wake-up after the commit can deliver a
    reminder added for a few seconds later within the deadline. (A few: the API refuses a
    moment already past when the request arrives, which a loaded machine can take a second
    or more to bring.)"""
    [worker] = uvicorn_workers(1, env=scheduler_env | {"REMINDER_POLL_S": "600"})
    [task] = bulk_tasks(owner, ["call mom"])
    moment = (timezone.now() + timedelta(seconds=5)).replace(microsecond=0)
    response = httpx.post(
        f"{worker.url}/api/{owner.pk}/tasks/{task.pk}/reminders/",
        json={"remind_at": moment.isoformat()},
        headers={"Authorization": bearer(owner)},
    )
    assert response.status_code == 201, response.text
    wait_until(all_sent(1), timeout=PROCESS_DEADLINE_S)
    sent = Reminder.objects.get()
    print(f"delivered {(sent.sent_at - sent.remind_at).total_seconds():.2f} s after its moment")
    assert [event["id"] for event in logged_reminder_events(scheduler_env, owner.pk)] == [sent.pk]
