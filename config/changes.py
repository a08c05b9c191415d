"""`changed`: a service says what it changed where no model signal does (a bulk write, a
queryset update, a run starting or ending, credentials ending).

Sent inside the transaction that makes the change, like Django's model signals; whoever listens
(live.publisher) acts only once it commits. Below every app, so any service can send it:

    changed.send(sender=Message, kind="run_finished", user_id=7, subject={...})

`kind` names the change for that model, `subject` is what its receiver needs to describe it (an
instance, or a dict), `user_id` whose data it is.

`published_together()`: a service whose transaction commits several changes at once (a chat
turn's start: its conversation, its message, its run) has them published in one go when the
block ends, rather than one by one as the commit's hooks run (the live log: one append, one
Redis round trip). What the publisher holds back (`hold`) reaches it again as one list
(`committed_together`).
"""

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from django.dispatch import Signal

changed = Signal()
# Sent once a `published_together` block ends, with `held`: what `hold` kept, in order.
committed_together = Signal()


class _Held(threading.local):
    items: list[Any] | None = None  # inside a `published_together` block on this thread


_held = _Held()


@contextlib.contextmanager
def published_together() -> Iterator[None]:
    """Publish what the transactions inside commit once the block ends, together: after the
    commit as ever (a rollback holds nothing back, so nothing is published), and however the
    block ends, for committed is committed. Nested, the outermost block publishes."""
    if _held.items is not None:
        yield
        return
    _held.items = []
    try:
        yield
    finally:
        held, _held.items = _held.items, None
        if held:
            committed_together.send(sender=None, held=held)


def hold(item: Any) -> bool:
    """Keep a committed change's publication for the end of this thread's `published_together`
    block; False outside one (publish it now)."""
    if _held.items is None:
        return False
    _held.items.append(item)
    return True
