"""Ending runs whose worker died, whether or not anyone comes back to them.

Every worker sweeps (every CHAT_RUN_LEASE_S / 2, on a shared broker): replies still
`streaming` and older than a lease whose run has no lease are suspects; a suspect still
without a lease at the next sweep is ended — its listeners get `error` {code: "interrupted"}
and its reply is saved `interrupted` — by the one worker that claims it first. Waiting for a
second sweep spares runs whose lease was only missing while Redis was away (their worker
renews it within a quarter lease of Redis coming back).
"""

import asyncio
import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from chat.models import Message
from chat.runs.brokers import run_broker
from chat.runs.brokers.base import RunInfo
from chat.turns import SAVE_FAILED, turn_interrupt
from config.db_threads import run_db

logger = logging.getLogger("chat.runs")

SWEEP_BATCH = 200  # replies looked at per sweep

_sweepers: set[asyncio.Task] = set()


async def end_stale_run(info: RunInfo) -> None:
    """A run whose process died: its listeners get `error` {code: "interrupted"} and its reply
    is saved `interrupted` (kept as it was if it already ended) — or `error` (`save_failed`)
    if the run had said its final save was given up."""
    terminal = await run_broker().interrupt(info)
    save_failed = terminal is not None and terminal.data.get("code") == SAVE_FAILED
    await run_db(turn_interrupt, message_id=info.message_id, save_failed=save_failed)


def streaming_replies(*, older_than_s: float) -> list[RunInfo]:
    """Replies still being written (as far as the database knows) for longer than that."""
    started_before = timezone.now() - timedelta(seconds=older_than_s)
    rows = (
        Message.objects.filter(status=Message.Status.STREAMING, created_at__lt=started_before)
        .exclude(run_id=None)
        .order_by("created_at")
        .values_list("pk", "run_id", "conversation_id", "conversation__owner_id")[:SWEEP_BATCH]
    )
    return [
        RunInfo(
            run_id=str(run_id), user_id=owner_id, conversation_id=conversation_id, message_id=pk
        )
        for pk, run_id, conversation_id, owner_id in rows
    ]


class LapsedRunSweeper:
    def __init__(self) -> None:
        self._suspects: set[str] = set()

    async def sweep(self) -> int:
        """One sweep; how many runs it ended."""
        broker = run_broker()
        replies = await run_db(streaming_replies, older_than_s=settings.CHAT_RUN_LEASE_S)
        candidates = [info for info in replies if info.run_id not in broker.local]
        lapsed = await broker.without_lease([info.run_id for info in candidates])
        confirmed = [info for info in candidates if info.run_id in lapsed & self._suspects]
        self._suspects = lapsed - {info.run_id for info in confirmed}
        ended = 0
        for info in confirmed:
            if await broker.claim_ending(info.run_id):
                await end_stale_run(info)
                ended += 1
        if ended:
            logger.info("ended %d runs whose worker died", ended)
        return ended

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.CHAT_RUN_LEASE_S / 2)
            try:
                await self.sweep()
            except Exception:
                logger.warning("sweeping lapsed runs failed", exc_info=True)


def start_sweeping() -> None:
    """At worker startup: sweep for as long as the process runs, where runs are shared."""
    if run_broker().shared:
        task = asyncio.get_running_loop().create_task(LapsedRunSweeper().run_forever())
        _sweepers.add(task)
