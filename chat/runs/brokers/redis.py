"""The Redis broker: runs shared by every worker, on the Redis streams of `transport`.

Keys, under CHAT_RUN_REDIS_PREFIX + run id:
- `…:events`  the run's events, one entry per event at position = seq, so a second writer of
  the same seq (a dead run's `interrupted`) is refused by Redis itself;
- `…:info`    owner, conversation and reply ids (authorizes listeners on any worker);
- `…:lease`   exists while the run's process is alive: renewed every CHAT_RUN_LEASE_S / 4;
- `…:cancel`  set by a cancel request, beside a pub/sub message on the `cancel` channel.

The hot path never waits on Redis: `publish` queues the event, and one writer per run sends
everything queued in a single pipeline, so a burst of tokens costs one round trip and only one
is ever in flight per run. Written events then go to the local log, from which this worker's
listeners are served (no Redis reads for them).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import redis.asyncio as redis
from django.conf import settings

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

READ_COUNT = 1000  # stream entries per read


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
        info_key = self.key(run.info.run_id, "info")
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(self.key(run.info.run_id, "lease"), 1, px=self.lease_ms())
            pipe.hset(info_key, mapping=run.info.as_mapping())
            pipe.pexpire(info_key, self._keep_alive_ms())
            await pipe.execute()

    def publish(self, run: LocalRun, event: RunEvent) -> None:
        # Local listeners get an event once Redis has it, never before: whatever a client has
        # seen, a listener on another worker can resume after (one round trip later, <1 ms).
        outbox = self._outboxes.setdefault(run.info.run_id, _Outbox())
        outbox.pending.append(event)
        if outbox.writer is None:
            outbox.writer = asyncio.create_task(self._write(run, outbox))

    async def _write(self, run: LocalRun, outbox: _Outbox) -> None:
        events_key = self.key(run.info.run_id, "events")
        try:
            while outbox.pending:
                batch, outbox.pending = outbox.pending, []
                try:
                    accepted = await self.streams.append(
                        events_key,
                        [_entry(event) for event in batch],
                        ttl_s=self._keep_alive_ms() / 1000,
                    )
                except Exception:
                    # Redis is away: this worker's own listeners still get the run.
                    logger.exception("run %s: writing events to Redis failed", run.info.run_id)
                    accepted = [True] * len(batch)
                for event, ok in zip(batch, accepted, strict=False):
                    # A refused entry: the run was declared dead meanwhile, and its seq taken.
                    if ok:
                        run.log.append(event)
        finally:
            outbox.writer = None

    async def _flush(self, run_id: str) -> None:
        outbox = self._outboxes.get(run_id)
        while outbox is not None and outbox.writer is not None:
            await asyncio.shield(outbox.writer)

    async def run_ended(self, run: LocalRun) -> None:
        run_id = run.info.run_id
        await self._flush(run_id)
        self._outboxes.pop(run_id, None)
        ttl_ms = int(self.events_ttl_s() * 1000)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.pexpire(self.key(run_id, "events"), ttl_ms)
            pipe.pexpire(self.key(run_id, "info"), ttl_ms)
            pipe.delete(self.key(run_id, "lease"), self.key(run_id, "cancel"))
            await pipe.execute()
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

    async def _cancel_shared(self, run_id: str) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(self.key(run_id, "cancel"), 1, px=self.lease_ms())
            pipe.publish(self.cancel_channel, run_id)
            await pipe.execute()

    async def _follow_shared(
        self, run_id: str, *, after: int, idle_s: float, on_stale: StaleRunHandler
    ) -> EventBatches:
        events_key = self.key(run_id, "events")
        block_ms = max(int(min(idle_s, settings.CHAT_RUN_LEASE_S / 2) * 1000), 1)
        idle_since = self.now()
        while True:
            reply = await self.client.xread(
                {events_key: f"0-{after + 1}"}, count=READ_COUNT, block=block_ms
            )
            entries = reply[0][1] if reply else []
            if entries:
                batch = [event_from_json(fields[b"e"]) for _, fields in entries]
                after = batch[-1].seq
                idle_since = self.now()
                yield batch
                if batch[-1].is_terminal:
                    return
                continue
            if not await self._shared_alive(run_id):
                info = await self._shared_info(run_id)
                if info is None:
                    return  # expired while we waited
                await on_stale(info)
                continue
            if self.now() - idle_since >= idle_s:
                idle_since = self.now()
                yield []

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
