"""A run gives its active-run slot back before its end is published: a client that starts its
next turn as soon as it hears `done` is not refused for the one that just ended (with Redis the
end reached clients a round trip or two before the slot came back)."""

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from bench.inprocess import post_stream, serve
from chat.runs import admission
from transport.client import sync_redis


def _slots_held(user_id: int) -> int:
    """The user's active-run slots, where admission keeps them."""
    if admission._shared():
        return sync_redis().zcard(admission._slots_key(user_id))
    return len(admission._local_slots.get(user_id, ()))


@pytest.mark.parametrize("message", ["benchmark 3", "add buy milk"])
def test_the_slot_is_free_when_the_client_hears_the_end(
    transactional_db, user, app, broker, settings, message
):
    settings.CHAT_MAX_ACTIVE_RUNS_PER_USER = 1
    token = str(RefreshToken.for_user(user).access_token)
    held_when_heard = []

    async def taking(chunk: bytes) -> None:
        if b'"type":"done"' in chunk:  # what the client hears, as it hears it
            held_when_heard.append(_slots_held(user.pk))

    async def turns() -> list[str]:
        ends = []
        for _ in range(3):
            stream = await post_stream(app, user.pk, token, message, taking=taking)
            ends.append(stream.events[-1]["type"])
        return ends

    assert serve(turns) == ["done"] * 3
    assert held_when_heard == [0, 0, 0]
