"""Waiting for a run's reply to leave `streaming`, as a client polling the database would, and
a reply long enough to act on while it runs."""

import time

from chat.llm.offline.benchmark import benchmark_text
from chat.models import Message
from tests.waiting import DEADLINE_S

# 2000 tokens: 40 s or more at the paces the tests use, so the run is still going when a test
# acts on it (cancels it, starts another, kills its worker), however slow the machine; "help"
# lasts a second or two, which a loaded machine can spend between two requests.
LONG_REPLY_TOKENS = 2000
LONG_MESSAGE = f"benchmark {LONG_REPLY_TOKENS}"
LONG_REPLY = benchmark_text(LONG_REPLY_TOKENS)


def settled_reply(run_id: str, timeout: float = DEADLINE_S) -> Message:
    """The run's reply once it is no longer `streaming` (or as it is after `timeout`)."""
    deadline = time.monotonic() + timeout
    reply = Message.objects.get(run_id=run_id)
    while reply.status == "streaming" and time.monotonic() < deadline:
        time.sleep(0.05)
        reply.refresh_from_db()
    return reply
