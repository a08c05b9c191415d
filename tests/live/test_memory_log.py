"""The in-process live log keeps its entries as plain tuples: what a catch-up reads back is what
was appended, and what is kept costs the garbage collector nothing."""

import asyncio
import gc

from live.events import Audience, LiveEntry, LiveEvent, LiveEventType
from live.logs.memory import MemoryLiveLog, entry_of

EVENTS = [
    LiveEvent.make(LiveEventType.TASK_DELETED, task_id=1),
    LiveEvent.make(LiveEventType.TASK_CREATED, task={"id": 2, "title": 'café "ü"\n'}),
    LiveEvent.make(LiveEventType.REPLACED, Audience(stream="tab-1")),
    LiveEvent.make(LiveEventType.ACCOUNT_SIGNED_OUT, Audience(sessions=True), reason="password"),
]


async def caught_up(log: MemoryLiveLog, user_id: int, after) -> list[LiveEntry]:
    subscription = await log.subscribe(user_id, after=after)
    try:
        async for batch in subscription.batches(idle_s=0.01):
            return batch
    finally:
        log.unsubscribe(subscription)


def test_a_catch_up_reads_back_what_was_appended():
    log = MemoryLiveLog()
    first = LiveEvent.make(LiveEventType.RESYNC)
    log.append(7, first)
    for event in EVENTS:
        log.append(7, event)
    after = asyncio.run(caught_up(log, 7, None))
    assert after == []  # a fresh start: from now
    (start, *_) = log._users[7].entries
    entries = asyncio.run(caught_up(log, 7, start[0]))
    assert [entry.event for entry in entries] == EVENTS
    assert [entry.to_sse() for entry in entries] == [
        event.to_sse(f"{entry.id[0]}-{entry.id[1]}")
        for entry, event in zip(entries, EVENTS, strict=True)
    ]
    assert [entry_of(kept).event for kept in log._users[7].entries] == [first, *EVENTS]


def test_kept_entries_are_not_tracked_by_the_garbage_collector():
    log = MemoryLiveLog()
    for n in range(1000):
        log.append(1, LiveEvent.make(LiveEventType.TASK_DELETED, task_id=n))
    # The collector stops tracking a tuple when it finds its items untracked, the id's inner
    # tuple included: two passes at most.
    gc.collect()
    gc.collect()
    kept = log._users[1].entries
    assert len(kept) == 1000
    assert sum(gc.is_tracked(entry) for entry in kept) == 0
