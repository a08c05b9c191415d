"""A run: the agent loop for one turn, as a stream of run events, saved when it ends.

`run_turn` knows nothing of HTTP or brokers: `chat.runs.execution` runs it in its own task and
publishes its events to the run broker, from which every listener reads.
"""

import asyncio
from collections.abc import AsyncIterator

from agents import Runner
from django.conf import settings

from chat.llm.agent import agent_for_run, run_config
from chat.llm.failures import EmptyModelAnswer, classify_failure, log_failure
from chat.llm.sdk_cycles import release_finished_run
from chat.models import Message
from chat.runs.events import INTERRUPTED_MESSAGE, EventSequence, EventType, RunEvent
from chat.runs.saving import save_outcome
from chat.runs.sdk_events import SdkEventTranslator, parse_json_value, tool_arguments
from chat.runs.stop import RunStop
from chat.runs.transcript import TranscriptRecorder
from chat.turns import SAVE_FAILED, Turn, turn_tool_call_committed
from todos.tools import TaskToolContext

SAVE_FAILED_MESSAGE = "The reply could not be saved. Please try again."


def _tool_call_recorder(turn: Turn):
    """What the task tools call in the transaction of each change (TaskToolContext)."""

    def record(call_id: str, name: str, arguments: str, output: str) -> None:
        call = {
            "call_id": call_id,
            "name": name,
            "arguments": tool_arguments(arguments),
            "output": parse_json_value(output),
        }
        turn_tool_call_committed(message_id=turn.assistant_message_id, call=call)

    return record


async def run_turn(turn: Turn, stop: RunStop) -> AsyncIterator[RunEvent]:
    """Yield `start`, the run's events, then `done` or `error` once the reply is saved.

    A stop requested through `stop` ends the agent at once and saves what it produced, with
    the stop's status (`cancelled` → `done`, `interrupted` → `error`). If the consumer goes
    away instead, the agent is cancelled and the reply saved as `interrupted`.
    """
    sequence = EventSequence()
    translator = SdkEventTranslator(sequence)
    transcript = TranscriptRecorder()
    yield sequence.make(
        EventType.START,
        conversation_id=turn.conversation_id,
        run_id=str(turn.run_id),
        user_message_id=turn.user_message_id,
    )
    result = None
    save: asyncio.Future | None = None  # the one save of this turn's outcome
    context = TaskToolContext(
        user=turn.user,
        time_zone=turn.time_zone,
        locale=turn.locale,
        record_call=_tool_call_recorder(turn),
    )
    try:
        try:
            result = Runner.run_streamed(
                agent_for_run(),
                input=turn.input_items,
                context=context,
                max_turns=settings.AGENT_MAX_TURNS,
                run_config=run_config(),
            )
            stop.bind(result.cancel)
            async with asyncio.timeout(settings.CHAT_RUN_TIMEOUT_S):
                async for sdk_event in result.stream_events():
                    event = translator.translate(sdk_event)
                    if event is not None:
                        transcript.record(event)
                        yield event
            if transcript.is_empty and not stop.requested:
                # Some compatible servers answer a broken stream with nothing rather than an error.
                raise EmptyModelAnswer()
        except Exception as exc:
            if not stop.requested:
                failure = classify_failure(exc)
                log_failure(turn.run_id, failure, exc, secrets=(settings.OPENAI_API_KEY,))
                outcome = transcript.outcome(Message.Status.ERROR, error_code=failure.code)
                save = save_outcome(turn, outcome)
                if await asyncio.shield(save):
                    yield sequence.make(EventType.ERROR, code=failure.code, message=failure.message)
                else:
                    yield _save_failed_event(sequence)
                return
        if stop.requested:
            await _record_unfinished_calls(context, transcript)
            save = save_outcome(turn, transcript.outcome(stop.status))
            saved = await asyncio.shield(save)
            yield (
                _stopped_event(sequence, turn, stop.status)
                if saved
                else _save_failed_event(sequence)
            )
            return
        usage = result.context_wrapper.usage
        outcome = transcript.outcome(
            Message.Status.COMPLETE,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )
        save = save_outcome(turn, outcome)
        if not await asyncio.shield(save):
            yield _save_failed_event(sequence)
            return
        yield sequence.make(
            EventType.DONE, message_id=turn.assistant_message_id, status=Message.Status.COMPLETE
        )
    finally:
        if save is None:
            if result is not None:
                result.cancel()
            await _record_unfinished_calls(context, transcript)
            save = save_outcome(turn, transcript.outcome(Message.Status.INTERRUPTED))
        # Cancelled while saving: the save goes on; wait for it (and surface its failure).
        await asyncio.shield(save)
        if result is not None:
            release_finished_run(result)


async def _record_unfinished_calls(
    context: TaskToolContext, transcript: TranscriptRecorder
) -> None:
    """A tool whose database work outlived the stopped run: wait for it (one short
    transaction) and record what it really did, so neither the transcript nor the model's
    next turn miss a change that was made."""
    for call_id, work in context.unfinished_calls.items():
        try:
            output = await asyncio.shield(work)
        except Exception:
            continue  # it failed: nothing changed, so nothing to record
        transcript.record_late_output(call_id, parse_json_value(output))


def _save_failed_event(sequence: EventSequence) -> RunEvent:
    return sequence.make(EventType.ERROR, code=SAVE_FAILED, message=SAVE_FAILED_MESSAGE)


def _stopped_event(sequence: EventSequence, turn: Turn, status: str) -> RunEvent:
    if status == Message.Status.CANCELLED:
        return sequence.make(EventType.DONE, message_id=turn.assistant_message_id, status=status)
    return sequence.make(EventType.ERROR, code="interrupted", message=INTERRUPTED_MESSAGE)
