"""The Redis broker: runs shared by every worker, on the Redis streams of `transport`.

Keys, under CHAT_RUN_REDIS_PREFIX + run id:
- `…:events`  the run's events, one entry per event at position = seq, so a second writer of
  the same seq (a dead run's `interrupted`) is refused by Redis itself;
- `…:info`    owner, conversation and reply ids (authorizes listeners on any worker);
- `…:lease`   exists while the run's process is alive: renewed every CHAT_RUN_LEASE_S / 4;
- `…:cancel`  set by a cancel request, beside a pub/sub message on the `cancel` channel;
- `…:ending`  claimed (SET NX) by the one worker that ends the run after its lease lapsed.

The hot path never waits on Redis: `publish` queues the event, and one writer per run sends
everything queued in a single pipeline, so a burst of tokens costs one round trip and only one
is ever in flight per run. Written events then go to the local log, from which this worker's
listeners are served (no Redis reads for them).
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

if TYPE_CHECKING:
    from chat.runs.execution import LocalRun

logger = logging.getLogger("chat.runs")


OUTAGE_MAX_S = 120.0  # after that, a run's events are only this worker's
WRITE_RETRY_S = 0.5


def _entry(event: RunEvent) -> Entry:
    # "replace": a lone surrogate from a model must not break the write.
    return Entry(event.seq, event.to_json().encode(errors="replace"))


@dataclass
class _Outbox:
    """Events of one run waiting to be written, and the task writing them."""

    pending: list[RunEvent] = field(default_factory=list)
    writer: asyncio.Task | None = None


@dataclass
class _LoopState:
    """Background tasks belong to one event loop."""

    maintenance: asyncio.Task | None = None


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

    async def available(self) -> bool:
        try:
            return bool(await self.client.ping())
        except RedisError:
            logger.warning("Redis is unavailable: new runs are refused", exc_info=True)
            return False

    # --- the run's side -------------------------------------------------------------------
    async def run_started(self, run: LocalRun) -> None:
        await super().run_started(run)
        self._ensure_maintenance()
        await self._register(run)

    async def _register(self, run: LocalRun) -> None:
        """The run's lease and owner info (again after an outage: a restarted Redis lost them)."""
        info_key = self.key(run.info.run_id, "info")
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(self.key(run.info.run_id, "lease"), 1, px=self.lease_ms())
            pipe.hset(info_key, mapping=run.info.as_mapping())
            pipe.pexpire(info_key, self._keep_alive_ms())
            await pipe.execute()

    def publish(self, run: LocalRun, event: RunEvent) -> None:
        # Local listeners get an event once Redis has it, never before: whatever a client has
        # seen, a listener on another worker can resume after (one round trip later, <1 ms).
        run.last_published = event
        outbox = self._outboxes.setdefault(run.info.run_id, _Outbox())
        outbox.pending.append(event)
        if outbox.writer is None:
            outbox.writer = asyncio.create_task(self._write(run, outbox))

    async def _write(self, run: LocalRun, outbox: _Outbox) -> None:
        """Write what is pending, one pipeline at a time. While Redis is away this worker's
        listeners get the events at once (the run's log keeps them), and the writer tries
        again every WRITE_RETRY_S (for up to OUTAGE_MAX_S); back, it first writes, in order,
        whatever Redis lacks (all of it, if Redis restarted empty), so a resume on another
        worker still sees the whole run."""
        events_key = self.key(run.info.run_id, "events")
        failing_since: float | None = None
        try:
            while outbox.pending or failing_since is not None:
                batch, outbox.pending = outbox.pending, []
                try:
                    missing = [] if failing_since is None else await self._missing(run)
                    accepted = await self.streams.append(
                        events_key,
                        [_entry(event) for event in missing + batch],
                        ttl_s=self._keep_alive_ms() / 1000,
                    )
                except Exception as exc:
                    for event in batch:
                        run.log.append(event)
                    failing_since = failing_since or self.now()
                    if self.now() - failing_since > OUTAGE_MAX_S:
                        logger.error("run %s: Redis away too long; events lost", run.info.run_id)
                        failing_since = None
                        continue
                    logger.warning("run %s: writing to Redis failed: %r", run.info.run_id, exc)
                    await asyncio.sleep(WRITE_RETRY_S)
                    continue
                failing_since = None
                for event, ok in zip(batch, accepted[len(missing) :], strict=True):
                    # A refused entry: the run was declared dead meanwhile, and its seq taken.
                    if ok:
                        run.log.append(event)
        finally:
            outbox.writer = None

    async def _missing(self, run: LocalRun) -> list[RunEvent]:
        """After an outage: the run registered again, and the events Redis does not have."""
        await self._register(run)
        last = await self.streams.last(self.key(run.info.run_id, "events"))
        return run.log.after(last.position if last else -1)

    async def _flush(self, run_id: str) -> None:
        outbox = self._outboxes.get(run_id)
        while outbox is not None and outbox.writer is not None:
            await asyncio.shield(outbox.writer)

    async def run_ended(self, run: LocalRun) -> None:
        run_id = run.info.run_id
        await self._flush(run_id)
        self._outboxes.pop(run_id, None)
        ttl_ms = int(self.events_ttl_s() * 1000)
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.pexpire(self.key(run_id, "events"), ttl_ms)
                pipe.pexpire(self.key(run_id, "info"), ttl_ms)
                pipe.delete(self.key(run_id, "lease"), self.key(run_id, "cancel"))
                await pipe.execute()
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
