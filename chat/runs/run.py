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
from chat.models import Message
from chat.runs.events import INTERRUPTED_MESSAGE, EventSequence, EventType, RunEvent
from chat.runs.run_log import log_run_finished
from chat.runs.sdk_events import SdkEventTranslator, parse_json_value
from chat.runs.stop import RunStop
from chat.runs.transcript import TranscriptRecorder
from chat.turns import Turn, TurnOutcome, turn_finish
from config.db_threads import run_db
from todos.tools import TaskToolContext


def save_outcome(turn: Turn, outcome: TurnOutcome) -> asyncio.Future:
    """Save the turn's outcome on a database thread; the caller awaits it shielded, so a
    client leaving mid-save never loses the transcript or makes it save twice."""
    log_run_finished(turn, outcome)
    return asyncio.ensure_future(run_db(turn_finish, turn=turn, outcome=outcome))


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
    context = TaskToolContext(user=turn.user, time_zone=turn.time_zone)
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
                await asyncio.shield(save)
                yield sequence.make(EventType.ERROR, code=failure.code, message=failure.message)
                return
        if stop.requested:
            await _record_unfinished_calls(context, transcript)
            save = save_outcome(turn, transcript.outcome(stop.status))
            await asyncio.shield(save)
            yield _stopped_event(sequence, turn, stop.status)
            return
        usage = result.context_wrapper.usage
        outcome = transcript.outcome(
            Message.Status.COMPLETE,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )
        save = save_outcome(turn, outcome)
        await asyncio.shield(save)
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


def _stopped_event(sequence: EventSequence, turn: Turn, status: str) -> RunEvent:
    if status == Message.Status.CANCELLED:
        return sequence.make(EventType.DONE, message_id=turn.assistant_message_id, status=status)
    return sequence.make(EventType.ERROR, code="interrupted", message=INTERRUPTED_MESSAGE)
