"""What an idle live stream costs: no database query while it waits (no polling), and little
memory in the worker (bench/live_bench.py measures 2000 streams; here a smaller count)."""

import asyncio
import uuid

import pytest

from bench.live_bench import close_streams, open_idle_streams, rss_kb
from live.events import SSE_KEEPALIVE
from tests.conftest import bearer
from tests.workers import start_workers

MAX_KB_PER_STREAM = 50
MEMORY_STREAMS = 200


def _token(user) -> str:
    return bearer(user).removeprefix("Bearer ")


@pytest.mark.django_db(transaction=True)
def test_idle_streams_make_no_queries(live_server_url, user, settings, query_log):
    settings.CHAT_KEEPALIVE_S = 0.3
    users = [(user.pk, _token(user))]
    opened: list[int] = []

    async def scenario() -> None:
        streams = await open_idle_streams(live_server_url, users, 10)
        opened.append(len(query_log))
        try:
            for reader, _ in streams:
                for _ in range(3):
                    assert (await reader.readuntil(b"\n\n")).endswith(SSE_KEEPALIVE)
        finally:
            close_streams(streams)

    asyncio.run(scenario())
    assert len(query_log) == opened[0], query_log.statements[opened[0] :]


@pytest.mark.django_db(transaction=True)
def test_an_idle_stream_holds_less_than_50_kb_in_its_worker(redis_url, make_user):
    users = [make_user(f"idle{n}") for n in range(10)]
    (worker,) = start_workers(
        1,
        REDIS_URL=redis_url,
        LIVE_REDIS_PREFIX=f"taskstream-test:{uuid.uuid4().hex}:live:",
        LIVE_STREAMS_PER_USER=str(MEMORY_STREAMS),
        CHAT_KEEPALIVE_S="60",
    )
    try:
        tokens = [(user.pk, _token(user)) for user in users]

        async def hold(count: int) -> int:
            streams = await open_idle_streams(worker.url, tokens, count)
            await asyncio.sleep(0.5)
            after = rss_kb(worker.process.pid)
            close_streams(streams)
            return after

        before = asyncio.run(hold(10))  # the first streams load what every stream uses
        after = asyncio.run(hold(MEMORY_STREAMS + 10))
    finally:
        worker.close()
    per_stream_kb = (after - before) / MEMORY_STREAMS

    print(f"{per_stream_kb:.1f} KB per idle stream ({MEMORY_STREAMS} streams)")
    assert per_stream_kb <= MAX_KB_PER_STREAM
