"""The Redis broker: runs shared by every worker, on the Redis streams of `transport`.

Keys, under CHAT_RUN_REDIS_PREFIX + run id:
- `…:events`  the run's events, one entry per event at position = seq, so a second writer of
  the same seq (a dead run's `interrupted`) is refused by Redis itself;
- `…:info`    owner, conversation and reply ids (authorizes listeners on any worker);
- `…:lease`   exists while the run's process is alive: renewed every CHAT_RUN_LEASE_S / 4;
- `…:cancel`  set by a cancel request, beside a pub/sub message on the `cancel` channel;
- `…:ending`  claimed (SET NX) by the one worker that ends the run after its lease lapsed.

The hot path never waits on Redis: `publish` queues the event, and the worker's one writer
(per event loop) sends what every run queued since its last write in one round trip
(`append_many`: one script call), with one write in flight at a time, so each run's events
reach Redis in order. Written events then go to the local log, from which this worker's
listeners are served (no Redis reads for them). A run whose write failed (Redis away) writes
on its own until Redis is back, then rejoins.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import redis.asyncio as redis
from django.conf import settings
from redis.exceptions import RedisError

from chat.runs.brokers.base import (
    EventBatches,
    RunBroker,
    RunInfo,
    StaleRunHandler,
    interrupted_event,
)
from chat.runs.events import RunEvent, event_from_json
from transport.base import Entry
from transport.client import redis_client
from transport.redis import RedisStreams
from transport.scripts import Script

if TYPE_CHECKING:
    from chat.runs.execution import LocalRun

logger = logging.getLogger("chat.runs")


OUTAGE_MAX_S = 120.0  # after that, a run's events are only this worker's
WRITE_RETRY_S = 0.5
# The most events in one write: Redis runs the script alone, so a huge backlog goes in parts.
MAX_WRITE_EVENTS = 2000

# A run's registration and its retirement, each one script call (transport.scripts: through
# redis-py's client a pipeline cost a third of a millisecond of CPU per turn, docs/PERFORMANCE.md).
# KEYS: the lease, the info. ARGV: the lease's ms, the info's ms, the info's fields and values.
REGISTER = Script(
    """
redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[2], ARGV[2])
"""
)
# KEYS: the events, the info (kept ARGV[1] ms more), the lease and the cancel (gone).
RETIRE = Script(
    """
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3], KEYS[4])
"""
)


def _entry(event: RunEvent) -> Entry:
    # "replace": a lone surrogate from a model must not break the write.
    return Entry(event.seq, event.to_json().encode(errors="replace"))


@dataclass(eq=False)
class _Outbox:
    """A run's events not yet in Redis."""

    run: LocalRun
    key: str  # the run's events stream
    pending: list[RunEvent] = field(default_factory=list)
    # In the writer's queue or in its write in flight: events published meanwhile wait.
    queued: bool = False
    recovery: asyncio.Task | None = None  # writing on its own after a failed write


class _EventWriter:
    """The event loop's one writer of run events (see the module's docstring)."""

    def __init__(self, broker: RedisRunBroker) -> None:
        self._broker = broker
        self._queue: list[_Outbox] = []
        self._wake: asyncio.Future[None] | None = None
        loop = asyncio.get_running_loop()
        self.write_ended: asyncio.Future[None] = loop.create_future()  # the next write's end
        self.task = loop.create_task(self._run())

    def add(self, outbox: _Outbox) -> None:
        outbox.queued = True
        self._queue.append(outbox)
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def _take(self) -> list[tuple[_Outbox, list[RunEvent]]]:
        """The queued runs' events, oldest first, up to MAX_WRITE_EVENTS (at least one run)."""
        batch, count = [], 0
        for outbox in self._queue:
            if count >= MAX_WRITE_EVENTS:
                break
            events, outbox.pending = outbox.pending, []
            batch.append((outbox, events))
            count += len(events)
        del self._queue[: len(batch)]
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                self._wake = loop.create_future()
                await self._wake
                self._wake = None
            batch = self._take()
            try:
                await self._broker._write(batch)
            finally:
                ended, self.write_ended = self.write_ended, loop.create_future()
                ended.set_result(None)
                for outbox, _ in batch:
                    outbox.queued = False
                    if outbox.pending and outbox.recovery is None:
                        self.add(outbox)


@dataclass
class _LoopState:
    """Background tasks belong to one event loop."""

    maintenance: asyncio.Task | None = None
    writer: _EventWriter | None = None


class RedisRunBroker(RunBroker):
    shared = True

    def __init__(self) -> None:
        super().__init__()
        self.prefix = settings.CHAT_RUN_REDIS_PREFIX
        self._outboxes: dict[str, _Outbox] = {}
        self.streams = RedisStreams()
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    # --- plumbing -------------------------------------------------------------------------
    def key(self, run_id: str, part: str) -> str:
        return f"{self.prefix}{run_id}:{part}"

    @property
    def cancel_channel(self) -> str:
        return f"{self.prefix}cancel"

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _LoopState()
        return state

    @property
    def client(self) -> redis.Redis:
        return redis_client()

    @staticmethod
    def lease_ms() -> int:
        return int(settings.CHAT_RUN_LEASE_S * 1000)

    def _keep_alive_ms(self) -> int:
        """How long a run's keys live while it runs, should nobody ever retire them."""
        return int((settings.CHAT_RUN_TIMEOUT_S + self.events_ttl_s()) * 1000)

    def _ensure_maintenance(self) -> None:
        state = self._state()
        if state.maintenance is None or state.maintenance.done():
            state.maintenance = asyncio.create_task(self._maintain(self.client))

    # --- the run's side -------------------------------------------------------------------
    async def run_started(self, run: LocalRun) -> None:
        await super().run_started(run)
        self._ensure_maintenance()
        await self._register(run)

    async def _register(self, run: LocalRun) -> None:
        """The run's lease and owner info (again after an outage: a restarted Redis lost them)."""
        run_id = run.info.run_id
        fields = [part for item in run.info.as_mapping().items() for part in item]
        await REGISTER(
            [self.key(run_id, "lease"), self.key(run_id, "info")],
            [self.lease_ms(), self._keep_alive_ms(), *fields],
        )

    def _writer(self) -> _EventWriter:
        state = self._state()
        if state.writer is None or state.writer.task.done():
            state.writer = _EventWriter(self)
        return state.writer

    def _outbox(self, run: LocalRun) -> _Outbox:
        outbox = self._outboxes.get(run.info.run_id)
        if outbox is None:
            outbox = _Outbox(run, self.key(run.info.run_id, "events"))
            self._outboxes[run.info.run_id] = outbox
        return outbox

    def publish(self, run: LocalRun, event: RunEvent) -> None:
        # Local listeners get an event once Redis has it, never before: whatever a client has
        # seen, a listener on another worker can resume after (one round trip later, <1 ms).
        run.last_published = event
        outbox = self._outbox(run)
        outbox.pending.append(event)
        if not outbox.queued and outbox.recovery is None:
            self._writer().add(outbox)

    async def _write(self, batch: list[tuple[_Outbox, list[RunEvent]]]) -> None:
        """One write of the writer: every run's events in one round trip. If it fails, this
        worker's listeners get the events at once (each run's log keeps them) and each run
        writes on its own until Redis is back (`_recover`)."""
        try:
            written = await self.streams.append_many(
                [(outbox.key, [_entry(event) for event in events]) for outbox, events in batch],
                ttl_s=self._keep_alive_ms() / 1000,
            )
        except Exception as exc:
            logger.warning("writing the events of %d runs to Redis failed: %r", len(batch), exc)
            for outbox, events in batch:
                for event in events:
                    outbox.run.log.append(event)
                outbox.recovery = asyncio.create_task(self._recover(outbox))
            return
        for (outbox, events), accepted in zip(batch, written, strict=True):
            for event, ok in zip(events, accepted, strict=True):
                # A refused entry: the run was declared dead meanwhile, and its seq taken.
                if ok:
                    outbox.run.log.append(event)

    async def _recover(self, outbox: _Outbox) -> None:
        """A run whose write failed: every WRITE_RETRY_S (for up to OUTAGE_MAX_S) it tries
        again, first writing, in order, whatever Redis lacks (all of it, if Redis restarted
        empty), so a resume on another worker still sees the whole run; then its events go
        through the shared writer again."""
        run = outbox.run
        failing_since = self.now()
        try:
            while True:
                await asyncio.sleep(WRITE_RETRY_S)
                batch, outbox.pending = outbox.pending, []
                try:
                    missing = await self._missing(run)
                    accepted = await self.streams.append(
                        outbox.key,
                        [_entry(event) for event in missing + batch],
                        ttl_s=self._keep_alive_ms() / 1000,
                    )
                except Exception as exc:
                    for event in batch:
                        run.log.append(event)
                    if self.now() - failing_since > OUTAGE_MAX_S:
                        logger.error("run %s: Redis away too long; events lost", run.info.run_id)
                        return
                    logger.warning("run %s: writing to Redis failed: %r", run.info.run_id, exc)
                    continue
                for event, ok in zip(batch, accepted[len(missing) :], strict=True):
                    if ok:
                        run.log.append(event)
                return
        finally:
            outbox.recovery = None
            if outbox.pending and not outbox.queued:
                self._writer().add(outbox)

    async def _missing(self, run: LocalRun) -> list[RunEvent]:
        """After an outage: the run registered again, and the events Redis does not have."""
        await self._register(run)
        last = await self.streams.last(self.key(run.info.run_id, "events"))
        return run.log.after(last.position if last else -1)

    async def _flush(self, run_id: str) -> None:
        """Until every event the run published is written (or given up)."""
        outbox = self._outboxes.get(run_id)
        while outbox is not None and (outbox.queued or outbox.recovery is not None):
            if outbox.recovery is not None:
                await asyncio.shield(outbox.recovery)
            else:
                await asyncio.shield(self._writer().write_ended)

    async def run_ended(self, run: LocalRun) -> None:
        run_id = run.info.run_id
        await self._flush(run_id)
        self._outboxes.pop(run_id, None)
        ttl_ms = int(self.events_ttl_s() * 1000)
        try:
            parts = ("events", "info", "lease", "cancel")
            await RETIRE([self.key(run_id, part) for part in parts], [ttl_ms])
        except RedisError:
            # Its keys outlive it by their keep-alive; without a lease it reads as ended.
            logger.warning("run %s: retiring its Redis keys failed", run_id, exc_info=True)
        await super().run_ended(run)

    async def _maintain(self, client: redis.Redis) -> None:
        """This process's background work: renew the leases of its runs, and stop those
        whose cancel was requested (pub/sub for speed, the cancel keys as a fallback)."""
        listener = asyncio.create_task(self._listen_for_cancels(client))
        try:
            while True:
                await asyncio.sleep(settings.CHAT_RUN_LEASE_S / 4)
                run_ids = list(self.local)
                if not run_ids:
                    continue
                try:
                    async with client.pipeline(transaction=False) as pipe:
                        for run_id in run_ids:
                            pipe.set(self.key(run_id, "lease"), 1, px=self.lease_ms())
                            pipe.exists(self.key(run_id, "cancel"))
                        replies = await pipe.execute()
                except Exception:
                    logger.exception("renewing run leases failed")
                    continue
                for run_id, cancelled in zip(run_ids, replies[1::2], strict=True):
                    if cancelled:
                        self._cancel_local(run_id)
        finally:
            listener.cancel()

    async def _listen_for_cancels(self, client: redis.Redis) -> None:
        while True:
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.cancel_channel)
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._cancel_local(message["data"].decode())
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("listening for run cancels failed; retrying")
                await asyncio.sleep(1)

    def _cancel_local(self, run_id: str) -> None:
        run = self.local.get(run_id)
        if run is not None:
            run.stop.request_cancel()

    # --- the listeners' side --------------------------------------------------------------
    async def _shared_info(self, run_id: str) -> RunInfo | None:
        mapping = await self.client.hgetall(self.key(run_id, "info"))
        return RunInfo.from_mapping(run_id, mapping) if mapping else None

    async def _shared_alive(self, run_id: str) -> bool:
        return bool(await self.client.exists(self.key(run_id, "lease")))

    async def without_lease(self, run_ids: list[str]) -> set[str]:
        if not run_ids:
            return set()
        async with self.client.pipeline(transaction=False) as pipe:
            for run_id in run_ids:
                pipe.exists(self.key(run_id, "lease"))
            leases = await pipe.execute()
        return {run_id for run_id, lease in zip(run_ids, leases, strict=True) if not lease}

    async def claim_ending(self, run_id: str) -> bool:
        claimed = await self.client.set(self.key(run_id, "ending"), 1, nx=True, px=self.lease_ms())
        return bool(claimed)

    async def _cancel_shared(self, run_id: str) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(self.key(run_id, "cancel"), 1, px=self.lease_ms())
            pipe.publish(self.cancel_channel, run_id)
            await pipe.execute()

    async def _follow_shared(
        self, run_id: str, *, after: int, idle_s: float, on_stale: StaleRunHandler
    ) -> EventBatches:
        """Through this worker's one stream reader. Every lease/2 of silence the run's lease
        is checked: a dead run is ended (its `interrupted` then arrives like any event)."""
        events_key = self.key(run_id, "events")
        if after >= 0 and await self._ended_by(events_key, after):
            return  # resumed at or past the end (from the start, the end comes with the rest)
        tick_s = min(idle_s, settings.CHAT_RUN_LEASE_S / 2)
        idle_since = self.now()
        subscription = self.streams.subscribe(events_key, after=after, idle_s=tick_s)
        async with aclosing(subscription):
            async for entries in subscription:
                if entries:
                    batch = [event_from_json(entry.data) for entry in entries]
                    after = batch[-1].seq
                    idle_since = self.now()
                    yield batch
                    if batch[-1].is_terminal:
                        return
                    continue
                if not await self._shared_alive(run_id):
                    if await self._ended_by(events_key, after):
                        return
                    if await self._ended_by(events_key, None):
                        continue  # the end is on its way
                    info = await self._shared_info(run_id)
                    if info is None:
                        return  # expired while we waited
                    await on_stale(info)
                    continue
                if self.now() - idle_since >= idle_s:
                    idle_since = self.now()
                    yield []

    async def _ended_by(self, events_key: str, after: int | None) -> bool:
        """Whether the run's terminal event is written (at or before seq `after`, if given)."""
        last = await self.streams.last(events_key)
        if last is None or not event_from_json(last.data).is_terminal:
            return False
        return after is None or last.position <= after

    async def interrupt(self, info: RunInfo) -> RunEvent | None:
        events_key = self.key(info.run_id, "events")
        for _ in range(5):
            last = await self.streams.last(events_key)
            last_event = event_from_json(last.data) if last else None
            if last_event is not None and last_event.is_terminal:
                return last_event
            event = interrupted_event(last_event.seq if last_event else -1)
            (written,) = await self.streams.append(
                events_key, [_entry(event)], ttl_s=self.events_ttl_s()
            )
            if written:
                return event
            # someone wrote that seq first: look again
