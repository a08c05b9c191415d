"""A finished chat turn leaves no reference cycle: reference counting frees it as it ends.

What a cycle holds waits for CPython's full collections, which scan every object alive and stop
the event loop for tens of milliseconds each (docs/PERFORMANCE.md, tenth round). Three cycles
held a whole turn until then: the client's disconnect exception in the request handler
(config/handlers.py), the SDK's sandbox cleanup kept on the run's result
(chat/llm/sdk_cycles.py), and a user and its preferences pointing at each other (accounts/).
"""

import collections
import gc

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Preferences
from bench.inprocess import post_stream, serve

# What one turn's objects are; none of them may be left in a cycle.
A_TURNS_OBJECTS = {
    "ASGIRequest",
    "RunResultStreaming",
    "RunState",
    "Turn",
    "TaskToolContext",
    "User",
    "Preferences",
}


def _left_in_cycles(app, user, turns: int) -> collections.Counter:
    """The objects in reference cycles once `turns` streamed turns ended, by type: the
    collector off meanwhile, then a collection that keeps what it found (DEBUG_SAVEALL)."""
    token = str(RefreshToken.for_user(user).access_token)

    async def stream_turns() -> list[str]:
        ends = []
        for _ in range(turns):
            stream = await post_stream(app, user.pk, token, "benchmark 3")
            ends.append(stream.events[-1]["type"])
        return ends

    serve(stream_turns)  # warm up: first uses (imports, caches, connections) are not a turn's
    gc.collect()
    gc.disable()
    try:
        assert serve(stream_turns) == ["done"] * turns
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return collections.Counter(type(obj).__qualname__ for obj in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("preferences", [False, True], ids=["defaults", "own preferences"])
def test_a_finished_turn_leaves_nothing_for_the_collector(
    transactional_db, user, app, broker, preferences
):
    if preferences:
        Preferences.objects.create(user=user, time_zone="Asia/Tokyo")
    few, more = _left_in_cycles(app, user, turns=3), _left_in_cycles(app, user, turns=9)
    assert not A_TURNS_OBJECTS & (set(few) | set(more)), more.most_common(12)
    # What else is left belongs to each new event loop (redis-py leaves an exception cycle or
    # two when it connects), not to the turns: six turns more leave no more of it.
    assert sum(more.values()) <= sum(few.values()) + 6, (few.most_common(8), more.most_common(8))
