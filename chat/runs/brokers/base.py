"""The run broker contract: how a run's events reach its listeners, in this process or another.

A run executes in one process (`chat.runs.execution`) and appends its events to a `RunLog` in
that process's memory; listeners in the same process follow that log directly. What a backend
adds is everything another process needs: the events themselves (to replay and follow), who owns
the run (to authorize), whether it is still alive (a lease), and a way to ask it to stop.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

from chat.runs.events import INTERRUPTED_MESSAGE, EventType, RunEvent

logger = logging.getLogger("chat.runs")

if TYPE_CHECKING:
    from chat.runs.execution import LocalRun

# What a follower gets: the events that arrived together (one write to the client), or an
# empty batch after `idle_s` of silence (time for a keepalive).
EventBatches = AsyncIterator[list[RunEvent]]
StaleRunHandler = Callable[["RunInfo"], Awaitable[None]]


class BrokerUnavailable(Exception):
    """The broker could not take a new run (Redis is away)."""


@dataclass(frozen=True)
class RunInfo:
    """Who a run belongs to and what it writes: enough to authorize a listener and to close
    the reply if the process running it dies."""

    run_id: str
    user_id: int
    conversation_id: int
    message_id: int

    def as_mapping(self) -> dict[str, str]:
        return {
            "user_id": str(self.user_id),
            "conversation_id": str(self.conversation_id),
            "message_id": str(self.message_id),
        }

    @classmethod
    def from_mapping(cls, run_id: str, mapping: dict[Any, Any]) -> RunInfo:
        def field(name: str) -> int:
            value = mapping.get(name, mapping.get(name.encode()))
            return int(value.decode() if isinstance(value, bytes) else value)

        return cls(
            run_id=run_id,
            user_id=field("user_id"),
            conversation_id=field("conversation_id"),
            message_id=field("message_id"),
        )


BROKER_UNAVAILABLE_MESSAGE = "The reply cannot be followed right now. Please try again."


def broker_unavailable_event(last_seq: int) -> RunEvent:
    """What a listener gets when the broker fails under it: an `error` that is not the run's
    end. It repeats the seq of the last event sent (its `id:` stays the resume point), so a
    client resumes after it once the broker is back."""
    return RunEvent(
        type=EventType.ERROR,
        seq=last_seq,
        data={"code": "broker_unavailable", "message": BROKER_UNAVAILABLE_MESSAGE},
    )


def interrupted_event(after_seq: int) -> RunEvent:
    """The terminal event of a run that stopped without saying so (its process died)."""
    return RunEvent(
        type=EventType.ERROR,
        seq=after_seq + 1,
        data={"code": "interrupted", "message": INTERRUPTED_MESSAGE},
    )


class RunBroker(ABC):
    """One per process. Runs executing here are `local`; the rest is the backend's."""

    shared = False  # whether other processes' runs are seen here (and so may die unseen)

    def __init__(self) -> None:
        self.local: dict[str, LocalRun] = {}

    # --- the run's side ---------------------------------------------------------------------
    async def run_started(self, run: LocalRun) -> None:
        self.local[run.info.run_id] = run

    def publish(self, run: LocalRun, event: RunEvent) -> None:
        """The hot path: once per event. Local listeners see it at once."""
        run.last_published = event
        run.log.append(event)

    async def run_ended(self, run: LocalRun) -> None:
        """After the terminal event: keep the events readable for CHAT_RUN_EVENTS_TTL_S."""
        self.local.pop(run.info.run_id, None)

    # --- the listeners' side ----------------------------------------------------------------
    async def run_info(self, run_id: str) -> RunInfo | None:
        """The run's owner and reply, or None for a run unknown here or expired."""
        run = self.local.get(run_id)
        return run.info if run else await self._shared_info(run_id)

    async def is_alive(self, run_id: str) -> bool:
        return run_id in self.local or await self._shared_alive(run_id)

    def follow(
        self, run_id: str, *, after: int, idle_s: float, on_stale: StaleRunHandler
    ) -> EventBatches:
        """Events with seq > `after`, then live ones, until the terminal event.

        A run found dead on the way (no terminal event, no lease) is handed to `on_stale`,
        which ends it; its terminal event then arrives like any other.
        """
        run = self.local.get(run_id)
        if run is not None:
            return run.log.batches(after=after, idle_s=idle_s)
        shared = self._follow_shared(run_id, after=after, idle_s=idle_s, on_stale=on_stale)
        return self._unless_failed(shared, after=after)

    @staticmethod
    async def _unless_failed(batches: EventBatches, *, after: int) -> EventBatches:
        """A broker failure under a listener ends its stream with `broker_unavailable`,
        never with a broken body."""
        last_seq = after
        try:
            async with aclosing(batches):
                async for batch in batches:
                    if batch:
                        last_seq = batch[-1].seq
                    yield batch
        except Exception:
            logger.warning("following a run failed", exc_info=True)
            yield [broker_unavailable_event(last_seq)]

    async def cancel(self, run_id: str) -> None:
        """Ask the run to stop (status `cancelled`), wherever it executes."""
        run = self.local.get(run_id)
        if run is not None:
            run.stop.request_cancel()
        else:
            await self._cancel_shared(run_id)

    async def without_lease(self, run_ids: list[str]) -> set[str]:
        """Those of the runs that no process is running."""
        return {run_id for run_id in run_ids if not await self.is_alive(run_id)}

    async def claim_ending(self, run_id: str) -> bool:
        """True for the one caller (across processes) that is to end this dead run."""
        return True

    @abstractmethod
    async def interrupt(self, info: RunInfo) -> RunEvent | None:
        """Append the `interrupted` terminal event to a dead run, unless it has one; the
        run's terminal event (None where the run is this process's: it has one already)."""

    # --- what each backend provides ---------------------------------------------------------
    @abstractmethod
    async def _shared_info(self, run_id: str) -> RunInfo | None: ...

    @abstractmethod
    async def _shared_alive(self, run_id: str) -> bool: ...

    @abstractmethod
    def _follow_shared(
        self, run_id: str, *, after: int, idle_s: float, on_stale: StaleRunHandler
    ) -> EventBatches: ...

    @abstractmethod
    async def _cancel_shared(self, run_id: str) -> None: ...

    @staticmethod
    def events_ttl_s() -> float:
        return settings.CHAT_RUN_EVENTS_TTL_S

    @staticmethod
    def now() -> float:
        return time.monotonic()
