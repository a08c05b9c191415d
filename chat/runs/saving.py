"""A run's final save: retried through a database restart, then given up.

`save_outcome` stores a turn's outcome (`turn_finish`) on a database thread. A save that cannot
reach the database (a restart, a failover) is retried on fresh connections with backoff for up
to CHAT_SAVE_RETRY_S, while the run's events stay readable and its lease is renewed. Only then
is it given up: the run ends with `error` {code: "save_failed"}, its log line says so, and this
process keeps trying in the background to end the reply `error` (code `save_failed`, with
what it had), so the reply is never left `streaming` once the database takes writes again.
The tool calls that changed tasks are in the reply already (`turn_tool_call_committed`).
"""

import asyncio
import dataclasses
import logging
import time

from django.conf import settings

from chat.models import Message
from chat.runs.run_log import log_run_finished
from chat.turns import SAVE_FAILED, Turn, TurnOutcome, turn_finish
from config.db_threads import is_connection_failure, run_db

logger = logging.getLogger("chat.runs")

FIRST_RETRY_S = 0.1
MAX_RETRY_S = 2.0  # between the final save's attempts
ENDING_RETRY_S = 5.0  # between the attempts to end a reply whose save was given up

_endings: set[asyncio.Future] = set()  # strong references to the background endings


async def _save_retrying(
    turn: Turn, outcome: TurnOutcome, *, for_s: float, max_delay_s: float
) -> None:
    deadline = time.monotonic() + for_s
    delay = FIRST_RETRY_S
    while True:
        try:
            return await run_db(turn_finish, turn=turn, outcome=outcome)
        except Exception as exc:
            if not is_connection_failure(exc) or time.monotonic() + delay > deadline:
                raise
            logger.warning(
                "run %s: saving the reply failed (%s); retrying in %.1f s",
                turn.run_id,
                type(exc).__name__,
                delay,
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)


async def _save_and_log(turn: Turn, outcome: TurnOutcome) -> bool:
    try:
        await _save_retrying(
            turn, outcome, for_s=settings.CHAT_SAVE_RETRY_S, max_delay_s=MAX_RETRY_S
        )
    except Exception:
        logger.exception("run %s: saving the reply failed; given up", turn.run_id)
        unsaved = dataclasses.replace(outcome, status=Message.Status.ERROR, error_code=SAVE_FAILED)
        log_run_finished(turn, unsaved)
        _end_in_background(turn, unsaved)
        return False
    log_run_finished(turn, outcome)
    return True


def save_outcome(turn: Turn, outcome: TurnOutcome) -> asyncio.Future[bool]:
    """Save the turn's outcome (retried, see above): True once saved, False if given up.
    The caller awaits it shielded, so a client leaving mid-save never loses the transcript
    or makes it save twice."""
    return asyncio.ensure_future(_save_and_log(turn, outcome))


def _end_in_background(turn: Turn, unsaved: TurnOutcome) -> None:
    ending = asyncio.ensure_future(
        _save_retrying(turn, unsaved, for_s=settings.CHAT_RUN_TIMEOUT_S, max_delay_s=ENDING_RETRY_S)
    )
    _endings.add(ending)
    ending.add_done_callback(_ending_done)


def _ending_done(ending: asyncio.Future) -> None:
    _endings.discard(ending)
    if not ending.cancelled() and ending.exception() is not None:
        logger.error("ending an unsaved reply failed: %r", ending.exception())
