"""openai-agents stream events → our run events (the SDK's vocabulary stops here)."""

import json
from typing import Any

from agents import RawResponsesStreamEvent, RunItemStreamEvent, StreamEvent

from chat.events import EventSequence, EventType, RunEvent
from chat.transcript import TranscriptRecorder

TEXT_DELTA = "response.output_text.delta"
RESPONSE_CREATED = "response.created"


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def parse_json_value(raw: Any) -> Any:
    """Tool arguments and outputs travel as JSON text; clients get the value (or the text)."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _arguments(raw: Any) -> dict[str, Any]:
    value = parse_json_value(raw or "{}")
    return value if isinstance(value, dict) else {"raw": raw}


def translate(
    sdk_event: StreamEvent, sequence: EventSequence, transcript: TranscriptRecorder
) -> RunEvent | None:
    """The run event for one SDK event, or None when clients need not hear of it."""
    if isinstance(sdk_event, RawResponsesStreamEvent):
        kind = sdk_event.data.type
        if kind == TEXT_DELTA:
            delta = sdk_event.data.delta
            return sequence.make(EventType.TEXT, content=delta) if delta else None
        if kind == RESPONSE_CREATED:
            return sequence.make(EventType.THINKING)
        return None
    if isinstance(sdk_event, RunItemStreamEvent):
        raw = sdk_event.item.raw_item
        if sdk_event.name == "tool_called":
            return sequence.make(
                EventType.TOOL_CALL,
                call_id=_field(raw, "call_id"),
                name=_field(raw, "name"),
                arguments=_arguments(_field(raw, "arguments")),
            )
        if sdk_event.name == "tool_output":
            call_id = _field(raw, "call_id")
            return sequence.make(
                EventType.TOOL_RESULT,
                call_id=call_id,
                name=transcript.tool_name(call_id),
                output=parse_json_value(sdk_event.item.output),
            )
    return None
