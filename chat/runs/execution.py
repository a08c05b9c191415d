"""Runs executing in this process: started by a chat request, independent of it.

`start_run` hands a turn to its own task, which publishes every event to the run broker; the
request that started it only listens, like any other listener, so a client that leaves (or a
second one that joins) changes nothing for the run. Stopping a run goes through its `RunStop`.
"""

import asyncio
import logging
from contextlib import aclosing
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.conf import settings
from django.utils import timezone

from chat.models import Conversation, Message
from chat.runs.admission import release_turn
from chat.runs.brokers import run_broker
from chat.runs.brokers.base import BrokerUnavailable, RunInfo, interrupted_event
from chat.runs.events import RunEvent
from chat.runs.lapsed import end_stale_run
from chat.runs.log import RunLog
from chat.runs.run import run_turn
from chat.runs.stop import RunStop
from chat.turns import RunInProgress, Turn, TurnOutcome, active_run, turn_finish
from config.db_threads import run_db
from ops import metrics

logger = logging.getLogger("chat.runs")

# A run's reply is stored, and announced on the live stream, a moment before the run is
# registered with the broker: a reader that came through the announcement (another tab) waits
# for the registration up to this long after the reply was stored.
REGISTRATION_WAIT_S = 5.0
REGISTRATION_POLL_S = 0.02

_running: set[asyncio.Task] = set()  # strong references: a task may outlive its request


@dataclass
class LocalRun:
    info: RunInfo
    log: RunLog = field(default_factory=RunLog)
    stop: RunStop = field(default_factory=RunStop)
    task: asyncio.Task | None = None
    # The last event handed to the broker: ahead of `log` while Redis writes are in flight.
    last_published: RunEvent | None = None

    @property
    def published_end(self) -> bool:
        return self.last_published is not None and self.last_published.is_terminal


def run_info_of(turn: Turn) -> RunInfo:
    return RunInfo(
        run_id=str(turn.run_id),
        user_id=turn.user.pk,
        conversation_id=turn.conversation_id,
        message_id=turn.assistant_message_id,
    )


async def start_run(turn: Turn) -> LocalRun:
    """Register the run with the broker and start it; its events are readable at once."""
    broker = run_broker()
    run = LocalRun(info=run_info_of(turn))
    try:
        await broker.run_started(run)
    except Exception as exc:
        # Stored but never started: ended at once, so the conversation is not left locked.
        logger.warning("run %s could not be registered: %r", run.info.run_id, exc)
        broker.local.pop(run.info.run_id, None)
        outcome = TurnOutcome(
            status=Message.Status.ERROR,
            content="",
            tool_calls=[],
            error_code="broker_unavailable",
        )
        await run_db(turn_finish, turn=turn, outcome=outcome)
        await release_turn(user_id=run.info.user_id, run_id=run.info.run_id)
        raise BrokerUnavailable() from exc
    run.task = asyncio.create_task(_execute(run, turn))
    _running.add(run.task)
    run.task.add_done_callback(_running.discard)
    return run


async def _execute(run: LocalRun, turn: Turn) -> None:
    broker = run_broker()
    meter = metrics.RunMeter()
    try:
        async with aclosing(run_turn(turn, run.stop)) as events:
            async for event in events:
                if event.is_terminal:  # the reply is saved
                    await _publish_end(run, event)
                else:
                    broker.publish(run, event)
                meter.saw(event)
    except Exception:
        # run_turn turns every run failure into an `error` event: this is a bug or a failed
        # save. Listeners still get a terminal event rather than waiting for a lease to lapse.
        logger.exception("run %s failed", run.info.run_id)
        raise
    finally:
        try:
            if not run.published_end:
                last_seq = run.last_published.seq if run.last_published else -1
                await _publish_end(run, interrupted_event(last_seq))
        finally:
            meter.finished()
            await broker.run_ended(run)


async def _publish_end(run: LocalRun, event: RunEvent) -> None:
    """Give the run's active-run slot back, then publish its terminal event (published even if
    cancelled meanwhile). In this order a client that starts its next turn as soon as it hears
    the end is not refused for this one: with Redis the end could reach another worker's
    client before a release made after it."""
    try:
        await release_turn(user_id=run.info.user_id, run_id=run.info.run_id)
    finally:
        run_broker().publish(run, event)


def worker_is_full() -> bool:
    """True while this process executes CHAT_MAX_ACTIVE_RUNS runs (0: never)."""
    most = settings.CHAT_MAX_ACTIVE_RUNS
    return bool(most) and len(run_broker().local) >= most


async def started_run_info(run_id: str, *, user_id: int) -> RunInfo | None:
    """The run's info from the broker, or None for a run unknown, expired, or whose reply,
    still `streaming`, was stored REGISTRATION_WAIT_S ago and never registered (its worker
    died: ended as such after the lease)."""
    broker = run_broker()
    info = await broker.run_info(run_id)
    if info is not None:
        return info
    age_s = await run_db(_starting_reply_age_s, run_id, user_id)
    if age_s is None:
        return None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REGISTRATION_WAIT_S - age_s
    while info is None and loop.time() < deadline:
        await asyncio.sleep(REGISTRATION_POLL_S)
        info = await broker.run_info(run_id)
    return info


def _starting_reply_age_s(run_id: str, user_id: int) -> float | None:
    """How long ago the user's reply of `run_id` was stored, if it is still `streaming`."""
    stored = (
        Message.objects.filter(
            run_id=run_id, status=Message.Status.STREAMING, conversation__owner_id=user_id
        )
        .values_list("created_at", flat=True)
        .first()
    )
    return None if stored is None else (timezone.now() - stored).total_seconds()


def local_runs() -> list[LocalRun]:
    """The runs this process is executing now."""
    return list(run_broker().local.values())


async def end_if_dead(active: RunInProgress, *, user_id: int) -> bool:
    """End the conversation's active run if its worker died; True if it did.

    A run gets CHAT_RUN_LEASE_S to show its lease; after that, no lease means it died.
    """
    if active.age_s < settings.CHAT_RUN_LEASE_S:
        return False
    if await run_broker().is_alive(str(active.run_id)):
        return False
    await end_stale_run(
        RunInfo(
            run_id=str(active.run_id),
            user_id=user_id,
            conversation_id=active.conversation_id,
            message_id=active.message_id,
        )
    )
    return True


def live_run(*, conversation: Conversation) -> RunInProgress | None:
    """For synchronous code (the REST API): the conversation's active run, unless its worker
    died, in which case it is ended here and there is none."""
    active = active_run(conversation_id=conversation.pk)
    if active is not None and async_to_sync(end_if_dead)(active, user_id=conversation.owner_id):
        return None
    return active
