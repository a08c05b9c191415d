"""config.direct_response.send_at_once: an ASGI `send` run in the calling task as far as it
goes without waiting, the rest in a task of its own."""

import asyncio

import pytest

from config.direct_response import send_at_once


def test_a_send_that_does_not_wait_is_done_on_return():
    sent = []

    async def send(message):
        sent.append(message)

    async def main():
        return send_at_once(send, {"n": 1})

    assert asyncio.run(main()) is None
    assert sent == [{"n": 1}]


def test_a_send_that_waits_goes_on_in_a_task_of_its_own():
    steps = []

    async def send(message):
        steps.append("started")
        await asyncio.sleep(0.01)  # a future (a timer): the socket drains
        await asyncio.sleep(0)  # a bare yield
        steps.append(message["n"])

    async def main():
        rest = send_at_once(send, {"n": 1})
        assert steps == ["started"], "it ran as far as it could at once"
        assert isinstance(rest, asyncio.Future) and not rest.done()
        await rest

    asyncio.run(main())
    assert steps == ["started", 1]


def test_what_the_awaited_future_raises_is_raised_inside_the_send():
    seen = []

    async def send(message):
        failing = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, failing.set_exception, OSError("gone"))
        try:
            await failing
        except OSError as exc:
            seen.append(str(exc))
            raise

    async def main():
        with pytest.raises(OSError, match="gone"):
            await send_at_once(send, {})

    asyncio.run(main())
    assert seen == ["gone"]


def test_cancelling_the_rest_cancels_the_send_where_it_waits():
    cleaned_up = []

    async def send(message):
        try:
            await asyncio.sleep(10)
        finally:
            cleaned_up.append(True)

    async def main():
        rest = send_at_once(send, {})
        await asyncio.sleep(0)
        rest.cancel()
        with pytest.raises(asyncio.CancelledError):
            await rest

    asyncio.run(main())
    assert cleaned_up == [True]


def test_a_send_that_fails_at_once_raises_to_the_caller():
    async def send(message):
        raise RuntimeError("Unexpected ASGI message")

    async def main():
        send_at_once(send, {})

    with pytest.raises(RuntimeError, match="Unexpected ASGI message"):
        asyncio.run(main())
