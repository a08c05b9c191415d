"""`manage.py run_reminders`: the reminder scheduler in the foreground, for deployments that
run one process for it (then set REMINDERS_ENABLED=false on the web workers). Several may
run at once, beside the workers' own: they share the work (docs/REMINDERS.md). SIGTERM or
Ctrl-C stops it after the reminder being delivered."""

import signal

from django.core.management.base import BaseCommand

from reminders.scheduler import Scheduler


class Command(BaseCommand):
    help = "Deliver reminders as they come due, until stopped (SIGTERM, Ctrl-C)."

    def handle(self, *args, **options) -> None:
        scheduler = Scheduler()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: scheduler.stopping.set())
        scheduler.run()
        self.stdout.write("reminder scheduler stopped")
