"""Accumulates what a run produced (text, tool calls, timings) from its events."""

import time
from typing import Any

from chat.runs.events import EventType, RunEvent
from chat.turns import TurnOutcome


class TranscriptRecorder:
    """Cheap per event: text deltas are only appended, and joined once at the end."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first_token_at: float | None = None
        self._text_parts: list[str] = []
        self._tool_calls: dict[str, dict[str, Any]] = {}

    def record(self, event: RunEvent) -> None:
        if event.type is EventType.TEXT:
            if self.first_token_at is None:
                self.first_token_at = time.monotonic()
            self._text_parts.append(event.data["content"])
        elif event.type is EventType.TOOL_CALL:
            self._tool_calls[event.data["call_id"]] = dict(event.data)
        elif event.type is EventType.TOOL_RESULT:
            call = self._tool_calls.setdefault(
                event.data["call_id"], {**event.data, "arguments": {}}
            )
            call["output"] = event.data["output"]

    def record_late_output(self, call_id: str, output: Any) -> None:
        """The output of a call whose run stopped before the SDK reported it."""
        call = self._tool_calls.get(call_id)
        if call is not None and "output" not in call:
            call["output"] = output

    @property
    def text(self) -> str:
        return "".join(self._text_parts)

    @property
    def is_empty(self) -> bool:
        return not self._text_parts and not self._tool_calls

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return list(self._tool_calls.values())

    def outcome(
        self,
        status: str,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        error_code: str = "",
    ) -> TurnOutcome:
        now = time.monotonic()
        first_token = (
            None
            if self.first_token_at is None
            else round((self.first_token_at - self.started) * 1000)
        )
        return TurnOutcome(
            status=status,
            content=self.text,
            tool_calls=self.tool_calls,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            time_to_first_token_ms=first_token,
            duration_ms=round((now - self.started) * 1000),
            error_code=error_code,
        )
