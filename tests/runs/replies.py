"""Waiting for a run's reply to leave `streaming`, as a client polling the database would."""

import time

from chat.models import Message
from tests.waiting import DEADLINE_S


def settled_reply(run_id: str, timeout: float = DEADLINE_S) -> Message:
    """The run's reply once it is no longer `streaming` (or as it is after `timeout`)."""
    deadline = time.monotonic() + timeout
    reply = Message.objects.get(run_id=run_id)
    while reply.status == "streaming" and time.monotonic() < deadline:
        time.sleep(0.05)
        reply.refresh_from_db()
    return reply
