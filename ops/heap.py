"""A started worker's heap, set aside from the cyclic garbage collector, and how often it collects.

A worker holds some 270 000 objects that live as long as it does: modules, Django's app
registry and URLconf, DRF's and the agent's classes, pydantic's schemas. CPython's full
collections scan every tracked object, and with requests promoting objects to the oldest
generation one runs every hundred or so turns: on this 2-core machine about 250 ms each with
the event loop stopped (docs/PERFORMANCE.md). `gc.freeze()` moves what exists at startup to the
permanent generation, which no collection scans again; reference counting still frees those
objects, only cycles among them would stay (the collection just before freezing clears those
made while starting).

The youngest generation is collected every 2000 net allocations of tracked objects rather than
CPython's 700. A worker holds hundreds of runs' coroutines, tasks and frames, young and each
referring to many older objects: a young collection traverses all of them, and most live as
long as their run (seconds), far longer than the allocations between two collections, so
collecting more often frees nothing more. Measured (docs/PERFORMANCE.md, tenth round): the
collector's CPU about halved, full collections (each a pause of tens of milliseconds) a third
as often, the middle generation's pauses about what they were (9-18 ms against 6-21 on a slow
2-core machine); at 4000 those doubled.

The oldest generation is collected after 50 collections of the middle one rather than 10. A
finished turn leaves no reference cycle (tests/runs/test_reference_cycles.py), so a full
collection finds next to nothing to free, yet each stops the event loop for tens of
milliseconds: the open loops' p99s were made of them. Measured with bench/alternate.py (two
workers, 100 new streams a second, docs/PERFORMANCE.md, eleventh round): p99 first text lower
in 13 of 16 rounds on SQLite, 6 of 8 on PostgreSQL + Redis.
"""

import gc

from django.urls import get_resolver

# CPython's defaults are (700, 10, 10): the middle generation's is kept.
COLLECTION_THRESHOLDS = (2000, 10, 50)


def freeze_startup_heap() -> int:
    """Load what the first request would (the URLconf and the views it imports), collect,
    and freeze everything alive: the number of objects set aside."""
    get_resolver().url_patterns  # noqa: B018 (a cached property: imports every URLconf)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def set_collection_thresholds() -> None:
    """Collect the youngest and the oldest generations less often (see above)."""
    gc.set_threshold(*COLLECTION_THRESHOLDS)
