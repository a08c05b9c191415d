"""A client whose writes wait, or who stops reading, still gets every event of its run once
and in order, and holds up neither the run nor its save; a write that fails ends that
response, not the run; a silent run still sends keepalives to the client that started it.

In-process through the ASGI application, with a client `send` that decides when a write is
taken: what a client's full socket does to uvicorn's `send`."""

import asyncio

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from bench.inprocess import Stream, post_stream, serve
from chat.models import Message
from chat.runs.events import SSE_KEEPALIVE
from config.db_threads import run_db
from tests.waiting import DEADLINE_S

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(settings):
    settings.CHAT_RUN_BROKER = "memory"
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 0
    settings.OFFLINE_MODEL_TOKEN_MS = 0
    from config.asgi import application

    return application


@pytest.fixture
def token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


async def _settled_status() -> str | None:
    """The reply's status once it is no longer `streaming`, read from the event loop."""
    status = None
    for _ in range(int(DEADLINE_S / 0.01)):
        status = await run_db(
            lambda: (
                Message.objects.filter(role="assistant").values_list("status", flat=True).first()
            )
        )
        if status not in (None, "streaming"):
            break
        await asyncio.sleep(0.01)
    return status


def _assert_whole(stream: Stream, tokens: int) -> None:
    events = stream.events
    assert stream.status == 200
    assert [event["seq"] for event in events] == list(range(len(events))), "once, in order"
    assert [event["type"] for event in events].count("text") == tokens
    assert events[0]["type"] == "start" and events[-1]["type"] == "done"


def test_a_client_whose_every_write_waits_gets_every_event_once_in_order(app, user, token):
    async def slow_write(chunk: bytes) -> None:
        await asyncio.sleep(0.002)

    stream = serve(lambda: post_stream(app, user.pk, token, "benchmark 30", taking=slow_write))
    _assert_whole(stream, 30)


def test_a_client_that_stops_reading_holds_up_neither_the_run_nor_its_save(app, user, token):
    async def main() -> tuple[Stream, str]:
        reading = asyncio.Event()
        writes = 0

        async def stalled_after_two(chunk: bytes) -> None:
            nonlocal writes
            writes += 1
            if writes > 2:
                await reading.wait()

        stream = post_stream(app, user.pk, token, "benchmark 40", taking=stalled_after_two)
        posting = asyncio.ensure_future(stream)
        try:
            status = await _settled_status()  # the run goes on while its client reads nothing
        finally:
            reading.set()  # else a failure leaves the response's cancelled write waiting
        return await posting, status

    stream, status_while_stalled = serve(main)
    assert status_while_stalled == "complete"
    _assert_whole(stream, 40)
    reply = Message.objects.get(role="assistant")
    assert reply.content == "".join(e["content"] for e in stream.events if e["type"] == "text")


def test_a_silent_run_sends_keepalives_to_the_client_that_started_it(app, user, token, settings):
    settings.CHAT_KEEPALIVE_S = 0.02
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 300  # the model's silence before its first token

    async def taken(chunk: bytes) -> None:
        return None

    stream = serve(lambda: post_stream(app, user.pk, token, "benchmark 3", taking=taken))
    _assert_whole(stream, 3)
    first_text = next(i for i, chunk in enumerate(stream.chunks) if b'"type":"text"' in chunk)
    keepalives = [chunk for chunk in stream.chunks[:first_text] if chunk == SSE_KEEPALIVE]
    assert len(keepalives) >= 3, stream.chunks[:first_text]


def test_a_write_that_fails_fails_the_response_not_the_run(app, user, token):
    writes = 0

    async def broken_after_two(chunk: bytes) -> None:
        nonlocal writes
        writes += 1
        if writes > 2:
            raise OSError("the client's connection broke")

    async def main() -> str | None:
        with pytest.raises(OSError):
            await post_stream(app, user.pk, token, "benchmark 20", taking=broken_after_two)
        return await _settled_status()

    assert serve(main) == "complete"
    reply = Message.objects.get(role="assistant")
    assert len(reply.content.split()) == 20, "the whole reply is saved"
