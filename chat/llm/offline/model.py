"""Taskstream's built-in offline model: a rule-based `agents` Model that needs no network.

This module owns the SDK boundary: it turns the `NextStep` planned by
`chat.llm.offline.planning.plan_next_step` into Responses output items, and either returns them
(`get_response`) or streams them as the same Responses events a real provider emits
(`stream_response`): response.created / in_progress, output_item.added, content_part.added,
one response.output_text.delta per word-ish token, output_text.done, content_part.done,
function_call_arguments.delta/done, output_item.done and finally response.completed with
estimated usage. The real SDK tool loop (`Runner.run` / `Runner.run_streamed`) drives it.

The model is stateless: every call receives the whole conversation and decides the next step
from it (see `chat/llm/offline/` for the phrases it understands and its conventions).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, cast

from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import (
    ModelResponse,
    TResponseInputItem,
    TResponseOutputItem,
    TResponseStreamEvent,
)
from agents.model_settings import ModelSettings
from agents.models.interface import Model, ModelTracing
from agents.tool import Tool
from agents.usage import Usage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam
from openai.types.responses.response_usage import (
    InputTokensDetails,
    OutputTokensDetails,
)

from chat.llm.offline.benchmark import benchmark_step
from chat.llm.offline.conversation import as_dict
from chat.llm.offline.dates import (
    clock_from_instructions,
    month_first_from_instructions,
    today_from_instructions,
)
from chat.llm.offline.intents import NextStep
from chat.llm.offline.planning import plan_next_step

OFFLINE_MODEL_NAME = "taskstream-offline"

_TOKEN = re.compile(r"\S+\s*|\s+")


# --- Output items ---------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Word-ish tokens that keep their whitespace, so "".join(tokens) == text."""
    return _TOKEN.findall(text)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def message_item(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=_new_id("msg"),
        type="message",
        role="assistant",
        status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])],
    )


def function_call_item(name: str, arguments: dict[str, Any]) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(
        id=_new_id("fc"),
        call_id=_new_id("call"),
        type="function_call",
        name=name,
        arguments=json.dumps(arguments, ensure_ascii=False),
        status="completed",
    )


def output_items(step: NextStep) -> list[TResponseOutputItem]:
    """Tool calls if the step has any, otherwise one assistant message."""
    if step.calls:
        return [function_call_item(call.name, call.arguments) for call in step.calls]
    return [message_item(step.text)]


# --- Usage ----------------------------------------------------------------------------------


def _input_chars(input: str | Sequence[Any]) -> int:
    if isinstance(input, str):
        return len(input)
    return len(json.dumps([as_dict(item) for item in input], ensure_ascii=False, default=str))


def _output_tokens(output: Sequence[TResponseOutputItem]) -> int:
    count = 0
    for item in output:
        if isinstance(item, ResponseOutputMessage):
            count += sum(len(tokenize(getattr(part, "text", ""))) for part in item.content)
        elif isinstance(item, ResponseFunctionToolCall):
            count += 1 + max(1, len(item.arguments) // 4)
    return count


def estimate_usage(input: str | Sequence[Any], output: Sequence[TResponseOutputItem]) -> Usage:
    """Rough token counts: ~4 characters per input token, one output token per text token."""
    input_tokens = max(1, _input_chars(input) // 4)
    output_tokens = _output_tokens(output)
    return Usage(
        requests=1,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )


def _response_usage(usage: Usage) -> ResponseUsage:
    return ResponseUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
    )


def _response(output: list[TResponseOutputItem], usage: ResponseUsage) -> Response:
    return Response(
        id=_new_id("resp"),
        created_at=time.time(),
        model=OFFLINE_MODEL_NAME,
        object="response",
        output=output,
        tool_choice="auto",
        tools=[],
        top_p=None,
        parallel_tool_calls=True,
        status="completed",
        usage=usage,
    )


# --- Stream events --------------------------------------------------------------------------


def _message_events(
    item: ResponseOutputMessage, index: int, seq: Iterator[int]
) -> Iterator[TResponseStreamEvent | None]:
    """Events of one message; yields None where the model should pause before a delta."""
    part = cast(ResponseOutputText, item.content[0])
    common = {"item_id": item.id, "output_index": index, "content_index": 0}
    yield ResponseContentPartAddedEvent(
        type="response.content_part.added",
        part=part.model_copy(update={"text": ""}),
        sequence_number=next(seq),
        **common,
    )
    for token in tokenize(part.text):
        yield None
        yield ResponseTextDeltaEvent(
            type="response.output_text.delta",
            delta=token,
            logprobs=[],
            sequence_number=next(seq),
            **common,
        )
    yield ResponseTextDoneEvent(
        type="response.output_text.done",
        text=part.text,
        logprobs=[],
        sequence_number=next(seq),
        **common,
    )
    yield ResponseContentPartDoneEvent(
        type="response.content_part.done", part=part, sequence_number=next(seq), **common
    )


def _function_call_events(
    item: ResponseFunctionToolCall, index: int, seq: Iterator[int]
) -> Iterator[TResponseStreamEvent]:
    item_id = item.id or item.call_id
    yield ResponseFunctionCallArgumentsDeltaEvent(
        type="response.function_call_arguments.delta",
        item_id=item_id,
        output_index=index,
        delta=item.arguments,
        sequence_number=next(seq),
    )
    # Older openai releases require "name"; newer ones keep it as an extra field.
    yield ResponseFunctionCallArgumentsDoneEvent.model_validate(
        {
            "type": "response.function_call_arguments.done",
            "item_id": item_id,
            "output_index": index,
            "arguments": item.arguments,
            "name": item.name,
            "sequence_number": next(seq),
        }
    )


def _in_progress(item: TResponseOutputItem) -> TResponseOutputItem:
    if isinstance(item, ResponseOutputMessage):
        return item.model_copy(update={"content": [], "status": "in_progress"})
    if isinstance(item, ResponseFunctionToolCall):
        return item.model_copy(update={"arguments": "", "status": "in_progress"})
    return item


def stream_events(response: Response) -> Iterator[TResponseStreamEvent | None]:
    """The full Responses event sequence for a finished `response`.

    `None` marks each point right before a text delta, where the caller may pause.
    """
    seq = itertools.count()
    started = response.model_copy(update={"output": [], "status": "in_progress", "usage": None})
    yield ResponseCreatedEvent(type="response.created", response=started, sequence_number=next(seq))
    yield ResponseInProgressEvent(
        type="response.in_progress", response=started, sequence_number=next(seq)
    )
    for index, item in enumerate(response.output):
        yield ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=_in_progress(item),
            output_index=index,
            sequence_number=next(seq),
        )
        if isinstance(item, ResponseOutputMessage):
            yield from _message_events(item, index, seq)
        elif isinstance(item, ResponseFunctionToolCall):
            yield from _function_call_events(item, index, seq)
        yield ResponseOutputItemDoneEvent(
            type="response.output_item.done",
            item=item.model_copy(deep=True),
            output_index=index,
            sequence_number=next(seq),
        )
    yield ResponseCompletedEvent(
        type="response.completed", response=response, sequence_number=next(seq)
    )


# --- The model ------------------------------------------------------------------------------


def _tool_names(tools: Sequence[Tool]) -> list[str]:
    return [name for tool in tools if isinstance(name := getattr(tool, "name", None), str)]


def _answer(
    step: NextStep, input: str | list[TResponseInputItem]
) -> tuple[list[TResponseOutputItem], Usage]:
    output = output_items(step)
    return output, estimate_usage(input, output)


class OfflineModel(Model):
    """A rule-based task assistant implementing the `agents` Model interface offline.

    When streaming, text delta k (0, 1, 2, …) is due `first_token_ms + k * token_ms` after the
    call started, and the model sleeps until that deadline: fixed deadlines, so a busy event
    loop delays a token without delaying every later one. `get_response` never waits.
    """

    def __init__(self, *, first_token_ms: float = 0, token_ms: float = 0) -> None:
        self.first_token_ms = first_token_ms
        self.token_ms = token_ms

    def _respond(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        tools: list[Tool],
    ) -> tuple[list[TResponseOutputItem], Usage]:
        # The user's today comes as a real model gets it: in the instructions (and their
        # clock from the zone named there).
        today = today_from_instructions(system_instructions)
        month_first = month_first_from_instructions(system_instructions)
        clock = clock_from_instructions(system_instructions, today)
        step = plan_next_step(
            input, _tool_names(tools), today=today, month_first=month_first, clock=clock
        )
        return _answer(step, input)

    async def _plan(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        tools: list[Tool],
    ) -> tuple[list[TResponseOutputItem], Usage]:
        """The benchmarking reply is recognized on the event loop (it reads at most a short
        last message, and a benchmark measures the relay, not a thread hop); every other
        message is planned off it."""
        step = benchmark_step(input)
        if step is not None:
            return _answer(step, input)
        return await self._respond_off_loop(system_instructions, input, tools)

    async def _respond_off_loop(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        tools: list[Tool],
    ) -> tuple[list[TResponseOutputItem], Usage]:
        """Plan in a worker thread: parsing is linear, yet a 4000-character message with a long
        history still costs milliseconds that every other stream would wait for."""
        return await asyncio.to_thread(self._respond, system_instructions, input, tools)

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        output, usage = await self._plan(system_instructions, input, tools)
        return ModelResponse(output=output, usage=usage, response_id=_new_id("resp"))

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        output, usage = await self._plan(system_instructions, input, tools)
        response = _response(output, _response_usage(usage))
        deltas = 0
        for event in stream_events(response):
            if event is not None:
                yield event
                continue
            due = started + (self.first_token_ms + deltas * self.token_ms) / 1000
            deltas += 1
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
