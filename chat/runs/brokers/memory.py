"""The in-process broker: the embedded default, for one worker.

Everything lives in this process: a finished run's events are kept for CHAT_RUN_EVENTS_TTL_S
(as their SSE frames, chat.runs.log.FinishedLog) so a client can still resume it, and a run is
alive exactly while it executes here. What the finished runs hold is bounded by
CHAT_RUN_EVENTS_MAX_MB: past it the runs that finished first are forgotten first, and resuming
one reads as expired, as after the TTL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from chat.runs.brokers.base import EventBatches, RunBroker, RunInfo, StaleRunHandler
from chat.runs.events import RunEvent
from chat.runs.log import FinishedLog

if TYPE_CHECKING:
    from chat.runs.execution import LocalRun


class MemoryRunBroker(RunBroker):
    def __init__(self) -> None:
        super().__init__()
        # run id → (info, events, when they stop being readable), in the order the runs ended
        self._finished: dict[str, tuple[RunInfo, FinishedLog, float]] = {}
        self.finished_bytes = 0

    async def run_ended(self, run: LocalRun) -> None:
        self._forget_expired()
        events = run.log.finished()
        self._finished[run.info.run_id] = (run.info, events, self.now() + self.events_ttl_s())
        self.finished_bytes += events.size_bytes
        self._forget_oldest_over(int(settings.CHAT_RUN_EVENTS_MAX_MB * 1024 * 1024))
        await super().run_ended(run)

    def _forget(self, run_id: str) -> None:
        self.finished_bytes -= self._finished.pop(run_id)[1].size_bytes

    def _forget_expired(self) -> None:
        """Runs are kept in the order they ended, so the expired ones come first: only those
        are visited, not every run of the last CHAT_RUN_EVENTS_TTL_S (60 000 at 100 runs a
        second). Should the TTL change, a run may stay a little longer; reads check expiry."""
        now = self.now()
        expired = []
        for run_id, (_, _, until) in self._finished.items():
            if until > now:
                break
            expired.append(run_id)
        for run_id in expired:
            self._forget(run_id)

    def _forget_oldest_over(self, max_bytes: int) -> None:
        while self.finished_bytes > max_bytes and self._finished:
            self._forget(next(iter(self._finished)))

    def _finished_run(self, run_id: str) -> tuple[RunInfo, FinishedLog] | None:
        entry = self._finished.get(run_id)
        if entry is None or entry[2] <= self.now():
            return None
        return entry[0], entry[1]

    async def _shared_info(self, run_id: str) -> RunInfo | None:
        finished = self._finished_run(run_id)
        return finished[0] if finished else None

    async def _shared_alive(self, run_id: str) -> bool:
        return False  # a run executing in this process is in `local`

    async def _follow_shared(
        self, run_id: str, *, after: int, idle_s: float, on_stale: StaleRunHandler
    ) -> EventBatches:
        finished = self._finished_run(run_id)
        if finished is not None and (events := finished[1].after(after)):
            yield events

    async def _cancel_shared(self, run_id: str) -> None:
        return None  # not running: nothing to stop

    async def interrupt(self, info: RunInfo) -> RunEvent | None:
        return None  # a run of this process always ends with a terminal event
