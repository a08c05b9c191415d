"""Prove ``tests.fakes.FakeOpenAI`` speaks the real OpenAI wire formats.

Everything here drives the REAL ``openai`` client and the REAL openai-agents
models over HTTP against the local fake server; nothing is patched in-process.
pytest-asyncio is not installed, so async code runs under ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    RawResponsesStreamEvent,
    Runner,
    function_tool,
    set_tracing_disabled,
)

from tests.fakes import DEFAULT_API_KEY, FakeOpenAI, closed_port_base_url

set_tracing_disabled(True)

APIS = ["responses", "chat"]
MODEL_NAME = "gpt-fake"


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake(_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    _server.reset()
    _server.usage = (42, 17)
    _server.after_first_frame = None
    yield _server
    _server.reset()


def make_client(
    base_url: str, *, api_key: str = DEFAULT_API_KEY, **kwargs: Any
) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0, **kwargs)


def make_model(api: str, client: openai.AsyncOpenAI) -> Any:
    if api == "responses":
        return OpenAIResponsesModel(model=MODEL_NAME, openai_client=client)
    return OpenAIChatCompletionsModel(model=MODEL_NAME, openai_client=client)


def make_agent(api: str, client: openai.AsyncOpenAI, calls: list[str]) -> Agent:
    @function_tool
    def add_task(title: str) -> str:
        """Add a task to the user's to-do list.

        Args:
            title: The task title.
        """
        calls.append(title)
        return json.dumps({"task": {"id": len(calls), "title": title, "done": False}})

    settings = ModelSettings(include_usage=True) if api == "chat" else ModelSettings()
    return Agent(
        name="Taskstream",
        instructions="You manage a to-do list.",
        model=make_model(api, client),
        model_settings=settings,
        tools=[add_task],
    )


async def run_streamed(agent: Agent, text: str) -> tuple[Any, list[Any]]:
    result = Runner.run_streamed(agent, text)
    raw_events = []
    async for event in result.stream_events():
        if isinstance(event, RawResponsesStreamEvent):
            raw_events.append(event.data)
    return result, raw_events


def event_types(raw_events: list[Any]) -> list[str]:
    return [getattr(e, "type", "") for e in raw_events]


# --------------------------------------------------------------------------- #
# End to end through the agents SDK
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("api", APIS)
def test_agent_streamed_tool_call_then_text(fake: FakeOpenAI, api: str) -> None:
    fake.usage = (42, 17)
    calls: list[str] = []

    async def main() -> tuple[Any, list[Any]]:
        client = make_client(fake.base_url)
        try:
            return await run_streamed(make_agent(api, client, calls), "add buy milk")
        finally:
            await client.close()

    result, raw_events = asyncio.run(main())
    types = event_types(raw_events)

    assert calls == ["buy milk"]
    assert types.count("response.function_call_arguments.delta") >= 3
    assert types.count("response.output_text.delta") >= 3
    assert types.count("response.completed") == 2  # tool-call turn + answer turn
    text_deltas = "".join(
        e.delta for e in raw_events if getattr(e, "type", "") == "response.output_text.delta"
    )
    assert text_deltas == 'Added "buy milk" to your list.'
    assert "buy milk" in result.final_output

    usage = result.context_wrapper.usage
    assert usage.requests == 2
    assert usage.input_tokens == 2 * 42
    assert usage.output_tokens == 2 * 17
    assert usage.total_tokens == 2 * 59

    path = "/v1/responses" if api == "responses" else "/v1/chat/completions"
    requests = fake.requests_to(path)
    assert len(requests) == 2
    for request in requests:
        assert request.authorization == f"Bearer {fake.api_key}"
        assert request.stream
        assert request.body["model"] == MODEL_NAME
        tool_names = [t.get("name") or t["function"]["name"] for t in request.body["tools"]]
        assert tool_names == ["add_task"]
        if api == "chat":
            assert request.body["stream_options"] == {"include_usage": True}
    # the second request carries the tool call and its output back to the model
    second = json.dumps(requests[1].body)
    assert "function_call_output" in second or '"role": "tool"' in second


@pytest.mark.parametrize("api", APIS)
def test_agent_non_streamed_run(fake: FakeOpenAI, api: str) -> None:
    calls: list[str] = []

    async def main() -> Any:
        client = make_client(fake.base_url)
        try:
            return await Runner.run(make_agent(api, client, calls), "add walk the dog")
        finally:
            await client.close()

    result = asyncio.run(main())
    assert calls == ["walk the dog"]
    assert result.final_output == 'Added "walk the dog" to your list.'
    assert result.context_wrapper.usage.input_tokens == 2 * 42
    assert all(r.body.get("stream") is None for r in fake.requests)


@pytest.mark.parametrize("api", APIS)
def test_agent_plain_text_reply(fake: FakeOpenAI, api: str) -> None:
    async def main() -> tuple[Any, list[Any]]:
        client = make_client(fake.base_url)
        try:
            return await run_streamed(make_agent(api, client, []), "hello there friend")
        finally:
            await client.close()

    result, raw_events = asyncio.run(main())
    assert result.final_output == "You said: hello there friend"
    assert event_types(raw_events).count("response.output_text.delta") == 5


def test_chat_usage_chunk_only_when_requested(fake: FakeOpenAI) -> None:
    async def main() -> list[Any]:
        client = make_client(fake.base_url)
        try:
            chunks = []
            stream = await client.chat.completions.create(
                model=MODEL_NAME, messages=[{"role": "user", "content": "hi"}], stream=True
            )
            async for chunk in stream:
                chunks.append(chunk)
            return chunks
        finally:
            await client.close()

    chunks = asyncio.run(main())
    assert chunks and all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)
    assert "stream_options" not in fake.last_request.body


# --------------------------------------------------------------------------- #
# Wire-format fidelity (strict pydantic validation in the openai client)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("text", ["add buy milk", "hi there"])
def test_strict_validation_of_every_payload(fake: FakeOpenAI, text: str) -> None:
    async def main() -> None:
        client = make_client(fake.base_url, _strict_response_validation=True)
        try:
            stream = await client.responses.create(model=MODEL_NAME, input=text, stream=True)
            events = [event async for event in stream]
            assert [e.sequence_number for e in events] == list(range(len(events)))
            assert events[0].type == "response.created"
            assert events[1].type == "response.in_progress"
            assert events[-1].type == "response.completed"
            assert events[-1].response.usage.input_tokens == 42

            response = await client.responses.create(model=MODEL_NAME, input=text)
            assert response.usage.output_tokens == 17
            assert len(response.output) == 1

            chunks = await client.chat.completions.create(
                model=MODEL_NAME,
                messages=[{"role": "user", "content": text}],
                stream=True,
                stream_options={"include_usage": True},
            )
            chunk_list = [c async for c in chunks]
            assert chunk_list[-1].choices == []
            assert chunk_list[-1].usage.prompt_tokens == 42

            completion = await client.chat.completions.create(
                model=MODEL_NAME, messages=[{"role": "user", "content": text}]
            )
            assert completion.usage.completion_tokens == 17
        finally:
            await client.close()

    asyncio.run(main())


def test_responses_sse_frames_on_the_wire(fake: FakeOpenAI) -> None:
    with httpx.Client() as http:
        response = http.post(
            f"{fake.base_url}/responses",
            json={"model": MODEL_NAME, "input": "add buy milk", "stream": True},
            headers={"Authorization": f"Bearer {fake.api_key}"},
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-request-id"].startswith("req_")
    frames = [f for f in response.text.split("\n\n") if f]
    names = []
    for frame in frames:
        event_line, data_line = frame.split("\n")
        name = event_line.removeprefix("event: ")
        assert json.loads(data_line.removeprefix("data: "))["type"] == name
        names.append(name)
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        *["response.function_call_arguments.delta"] * 4,
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]


@pytest.mark.parametrize("path", ["/responses", "/chat/completions"])
def test_frames_are_flushed_incrementally(fake: FakeOpenAI, path: str) -> None:
    fake.after_first_frame = threading.Event()
    body: dict[str, Any] = {"model": MODEL_NAME, "stream": True}
    if path == "/responses":
        body["input"] = "hello there"
    else:
        body["messages"] = [{"role": "user", "content": "hello there"}]
    frames = []
    with (
        httpx.Client() as http,
        http.stream(
            "POST",
            fake.base_url + path,
            json=body,
            headers={"Authorization": f"Bearer {fake.api_key}"},
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                frames.append(line)
                # The first frame is readable while the server holds back every later one
                # (were it buffered, this read would never return).
                fake.after_first_frame.set()
    assert len(frames) >= 6


# --------------------------------------------------------------------------- #
# Failure modes -> the openai exception classes
# --------------------------------------------------------------------------- #

FAILURE_CASES = [
    ("auth", openai.AuthenticationError),
    ("rate_limit", openai.RateLimitError),
    ("server_error", openai.InternalServerError),
    ("bad_request", openai.BadRequestError),
    ("timeout", openai.APITimeoutError),
]


async def run_until_error(agent: Agent) -> None:
    result = Runner.run_streamed(agent, "add buy milk")
    async for _event in result.stream_events():
        pass


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(("failure", "exc_class"), FAILURE_CASES)
def test_failure_modes(fake: FakeOpenAI, api: str, failure: str, exc_class: type) -> None:
    fake.failure = failure
    timeout = 0.5 if failure == "timeout" else 10.0

    async def main() -> None:
        client = make_client(fake.base_url, timeout=timeout)
        try:
            await run_until_error(make_agent(api, client, []))
        finally:
            await client.close()

    with pytest.raises(exc_class) as excinfo:
        asyncio.run(main())
    assert len(fake.requests) == 1  # max_retries=0: no retry
    if isinstance(excinfo.value, openai.APIStatusError):
        assert excinfo.value.body["message"]
    if failure == "auth":
        assert excinfo.value.code == "invalid_api_key"
    if failure == "rate_limit":
        assert excinfo.value.response.headers["retry-after"] == "0"


@pytest.mark.parametrize("api", APIS)
def test_wrong_api_key_is_401(fake: FakeOpenAI, api: str) -> None:
    async def main() -> None:
        client = make_client(fake.base_url, api_key="sk-wrong-key")
        try:
            await run_until_error(make_agent(api, client, []))
        finally:
            await client.close()

    with pytest.raises(openai.AuthenticationError):
        asyncio.run(main())
    assert fake.last_request.authorization == "Bearer sk-wrong-key"


@pytest.mark.parametrize("api", APIS)
def test_connection_refused(api: str) -> None:
    async def main() -> None:
        client = make_client(closed_port_base_url())
        try:
            await run_until_error(make_agent(api, client, []))
        finally:
            await client.close()

    with pytest.raises(openai.APIConnectionError) as excinfo:
        asyncio.run(main())
    assert not isinstance(excinfo.value, openai.APITimeoutError)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", [True, False])
def test_malformed_body_raises(fake: FakeOpenAI, api: str, stream: bool) -> None:
    fake.failure = "malformed"

    async def main() -> None:
        client = make_client(fake.base_url)
        try:
            agent = make_agent(api, client, [])
            if stream:
                await run_until_error(agent)
            else:
                await Runner.run(agent, "add buy milk")
        finally:
            await client.close()

    with pytest.raises(json.JSONDecodeError):
        asyncio.run(main())


def test_garbage_body_is_not_detected_by_chat_completions(fake: FakeOpenAI) -> None:
    """A 200 whose body has no SSE fields at all: documents how each SDK path reacts.

    Responses fails loudly (no ``response.completed``); Chat Completions against a
    non-OpenAI base_url silently produces an EMPTY answer, because the stream
    handler only insists on a finish_reason for api.openai.com.
    """
    from agents.exceptions import ModelBehaviorError

    fake.failure = "garbage"

    async def main(api: str) -> Any:
        client = make_client(fake.base_url)
        try:
            result = Runner.run_streamed(make_agent(api, client, []), "hello")
            async for _event in result.stream_events():
                pass
            return result.final_output
        finally:
            await client.close()

    with pytest.raises(ModelBehaviorError):
        asyncio.run(main("responses"))
    assert asyncio.run(main("chat")) == ""


def test_unknown_failure_name_is_rejected(fake: FakeOpenAI) -> None:
    with pytest.raises(ValueError):
        fake.failure = "rate-limit"
