"""Lua scripts on the event loop's script connection (transport/scripts.py), against a real
Redis: calls made at once are pipelined on one connection, and each gets its own reply."""

import asyncio
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from redis.exceptions import RedisError, ResponseError

from tests.ops.redis_server import RedisServer
from transport import scripts
from transport.client import client_name
from transport.scripts import Script

ECHO = Script("return ARGV[1]")
ECHO_OR_FAIL = Script(
    "if ARGV[1] == 'bad' then return redis.error_reply('bad one') end return ARGV[1]"
)


def _connections_named(url: str, name: str) -> set[str]:
    """The ids of the connections called `name` (ids, not a count: an earlier test's idle
    connection may close meanwhile)."""
    clients = redis.Redis.from_url(url).client_list()
    return {client["id"] for client in clients if client["name"] == name}


def test_calls_made_at_once_each_get_their_own_reply(settings, redis_url):
    settings.REDIS_URL = redis_url

    async def scenario() -> tuple[list, set, set]:
        await ECHO([], ["connect"])
        name = client_name()
        before = _connections_named(redis_url, name)
        replies = await asyncio.gather(*(ECHO([], [n]) for n in range(300)))
        return replies, before, _connections_named(redis_url, name)

    replies, connections_before, connections_after = asyncio.run(scenario())
    assert replies == [str(n).encode() for n in range(300)]
    assert connections_after <= connections_before  # no connection of their own


def test_an_error_reply_fails_its_own_call_only(settings, redis_url):
    settings.REDIS_URL = redis_url

    async def scenario() -> list:
        return await asyncio.gather(
            *(ECHO_OR_FAIL([], [arg]) for arg in ("a", "bad", "c")), return_exceptions=True
        )

    first, failed, last = asyncio.run(scenario())
    assert (first, last) == (b"a", b"c")
    assert isinstance(failed, ResponseError) and "bad one" in str(failed)


def test_a_call_cancelled_while_it_waits_leaves_the_next_replies_whole(settings, redis_url):
    settings.REDIS_URL = redis_url

    async def scenario() -> None:
        for steps in range(6):
            cut = asyncio.ensure_future(ECHO([], ["cut"]))
            for _ in range(steps):
                await asyncio.sleep(0)
            cut.cancel()
            replies = await asyncio.gather(ECHO([], [f"a{steps}"]), ECHO([], [f"b{steps}"]))
            assert replies == [f"a{steps}".encode(), f"b{steps}".encode()]

    asyncio.run(scenario())


def test_calls_waiting_on_a_redis_that_went_away_fail_and_the_next_connects_again(settings):
    with RedisServer() as own_redis:
        settings.REDIS_URL = own_redis.url

        async def scenario() -> None:
            assert await ECHO([], ["before"]) == b"before"
            own_redis.stop()
            outcomes = await asyncio.gather(
                *(ECHO([], [n]) for n in range(20)), return_exceptions=True
            )
            assert all(isinstance(outcome, RedisError) for outcome in outcomes), outcomes
            own_redis.start()  # empty: the script is sent again (NOSCRIPT, then EVAL)
            assert await asyncio.gather(ECHO([], ["x"]), ECHO([], ["y"])) == [b"x", b"y"]

        asyncio.run(scenario())


def test_the_calls_behind_one_that_gave_up_while_reading_still_get_their_replies(
    settings, redis_url
):
    """The first call reads the replies; cancelled while it does, another reads on."""
    settings.REDIS_URL = redis_url

    async def scenario() -> None:
        await ECHO([], ["connect"])
        for steps in range(1, 5):
            calls = [asyncio.ensure_future(ECHO([], [n])) for n in range(10)]
            for _ in range(steps):
                await asyncio.sleep(0)
            calls[0].cancel()
            replies = await asyncio.gather(*calls[1:])
            assert replies == [str(n).encode() for n in range(1, 10)]

    asyncio.run(scenario())


def test_calls_made_at_once_on_a_connection_not_made_yet(settings, redis_url):
    """The first calls of a loop wait for the connection's handshake (HELLO, CLIENT SETNAME,
    SELECT) to end: written during it, their replies would be read as the handshake's."""
    settings.REDIS_URL = redis_url

    async def after_some_passes(n: int) -> bytes:
        for _ in range(n % 25):  # the calls start one loop pass after another
            await asyncio.sleep(0)
        return await ECHO([], [n])

    async def scenario() -> list:
        return await asyncio.gather(*(after_some_passes(n) for n in range(100)))

    for _ in range(3):  # each asyncio.run: a new loop, a new connection
        assert asyncio.run(scenario()) == [str(n).encode() for n in range(100)]


def test_calls_to_a_redis_that_stopped_answering_time_out_and_the_late_replies_go_nowhere(
    settings, monkeypatch
):
    """A Redis that hangs (SIGSTOP): the calls waiting on it fail (a RedisError) at the first
    one's timeout, which replaces the connection; once it answers again, the next calls get
    their own replies, never the hung calls' late ones."""
    monkeypatch.setattr(scripts, "CONNECT_TIMEOUT_S", 0.2)
    monkeypatch.setattr(scripts, "COMMAND_TIMEOUT_S", 0.2)
    with RedisServer() as own_redis:
        settings.REDIS_URL = own_redis.url

        async def scenario() -> None:
            assert await ECHO([], ["before"]) == b"before"
            os.kill(own_redis.process.pid, signal.SIGSTOP)
            try:
                outcomes = await asyncio.gather(
                    *(ECHO([], [f"hung{n}"]) for n in range(5)), return_exceptions=True
                )
            finally:
                os.kill(own_redis.process.pid, signal.SIGCONT)
            assert all(isinstance(outcome, RedisError) for outcome in outcomes), outcomes
            replies = await asyncio.gather(*(ECHO([], [f"after{n}"]) for n in range(5)))
            assert replies == [f"after{n}".encode() for n in range(5)]

        asyncio.run(scenario())


def test_from_threads_each_call_gets_its_own_reply(settings, redis_url):
    settings.REDIS_URL = redis_url

    def calls(thread: int) -> list:
        return [ECHO.call_blocking([], [f"{thread}-{n}"]) for n in range(50)]

    with ThreadPoolExecutor(8) as threads:
        replies = list(threads.map(calls, range(8)))
    assert replies == [[f"{t}-{n}".encode() for n in range(50)] for t in range(8)]


def test_from_a_thread_a_connection_redis_dropped_or_a_restart_cost_no_call(settings):
    """A connection Redis closed while it was idle is replaced and the call made again; a
    restarted Redis that lost the script gets it again (NOSCRIPT, then EVAL); a Redis that is
    away is a RedisError at once."""
    with RedisServer() as own_redis:
        settings.REDIS_URL = own_redis.url
        assert ECHO.call_blocking([], ["first"]) == b"first"
        admin = redis.Redis.from_url(own_redis.url)
        assert admin.client_kill_filter(_type="normal", skipme=True) >= 1
        assert ECHO.call_blocking([], ["after a kill"]) == b"after a kill"
        own_redis.stop()
        with pytest.raises(RedisError):
            ECHO.call_blocking([], ["away"])
        own_redis.start()
        assert ECHO.call_blocking([], ["after a restart"]) == b"after a restart"


def test_a_loop_closed_with_calls_still_reading_leaves_them_quietly(settings):
    """A call still waiting for its reply when its event loop is closed (a worker's last
    moments) is closed with it (as the task's finaliser would) without starting a reader on a
    loop that is gone: that raised RuntimeError from the finaliser."""
    with RedisServer() as own_redis:
        settings.REDIS_URL = own_redis.url
        loop = asyncio.new_event_loop()
        loop.run_until_complete(ECHO([], ["connect"]))
        os.kill(own_redis.process.pid, signal.SIGSTOP)  # the calls below get no reply
        try:
            calls = [loop.create_task(ECHO([], [n])) for n in range(3)]
            loop.run_until_complete(asyncio.sleep(0.05))
            assert not any(call.done() for call in calls)
            loop.close()  # not cancelling them: as a loop that ends while they wait
            for call in calls:
                call.get_coro().close()  # raises what the coroutine raises as it closes
                call._log_destroy_pending = False  # what asyncio would log at exit: known here
        finally:
            os.kill(own_redis.process.pid, signal.SIGCONT)
