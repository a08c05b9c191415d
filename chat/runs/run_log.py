"""One structured log line per run, at INFO: who, which model, how it ended, how long, how
many tokens, which tools. Never the message, the reply or a task's text.

Plain logs read `run finished run_id=… user_id=… …`; with LOG_FORMAT=json the same fields
are the line's own keys (config/log_format.py).
"""

import logging
from collections import Counter
from typing import Any

from chat.turns import Turn, TurnOutcome

logger = logging.getLogger(__name__)


def run_fields(turn: Turn, outcome: TurnOutcome) -> dict[str, Any]:
    tools = Counter(
        str(call.get("name", "?")) for call in outcome.tool_calls if isinstance(call, dict)
    )
    return {
        "run_id": str(turn.run_id),
        "user_id": turn.user.pk,
        "conversation_id": turn.conversation_id,
        "model": turn.model_name,
        "status": outcome.status,
        "error_code": outcome.error_code or None,
        "duration_ms": outcome.duration_ms,
        "time_to_first_token_ms": outcome.time_to_first_token_ms,
        "input_tokens": outcome.input_tokens,
        "output_tokens": outcome.output_tokens,
        "tool_calls": dict(sorted(tools.items())),
    }


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{name}:{count}" for name, count in value.items()) or "-"
    return "-" if value is None else str(value)


def log_run_finished(turn: Turn, outcome: TurnOutcome) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return  # LOG_LEVEL above INFO: the line is not built at all
    fields = run_fields(turn, outcome)
    line = " ".join(f"{name}={_plain(value)}" for name, value in fields.items())
    logger.info("run finished %s", line, extra=fields)
