"""A started worker's heap, set aside from the cyclic garbage collector.

A worker holds some 270 000 objects that live as long as it does: modules, Django's app
registry and URLconf, DRF's and the agent's classes, pydantic's schemas. CPython's full
collections scan every tracked object, and with requests promoting objects to the oldest
generation one runs every hundred or so turns: on this 2-core machine about 250 ms each with
the event loop stopped (docs/PERFORMANCE.md). `gc.freeze()` moves what exists at startup to the
permanent generation, which no collection scans again; reference counting still frees those
objects, only cycles among them would stay (the collection just before freezing clears those
made while starting).
"""

import gc

from django.urls import get_resolver


def freeze_startup_heap() -> int:
    """Load what the first request would (the URLconf and the views it imports), collect,
    and freeze everything alive: the number of objects set aside."""
    get_resolver().url_patterns  # noqa: B018 (a cached property: imports every URLconf)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
