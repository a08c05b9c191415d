"""openai-agents stream events → our run events (the SDK's vocabulary stops here)."""

import json
from typing import Any

from agents import RawResponsesStreamEvent, RunItemStreamEvent, StreamEvent

from chat.runs.events import EventSequence, EventType, RunEvent

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


def tool_arguments(raw: Any) -> dict[str, Any]:
    value = parse_json_value(raw or "{}")
    return value if isinstance(value, dict) else {"raw": raw}


class SdkEventTranslator:
    """Translates one run's SDK events, numbering them in the run's sequence."""

    def __init__(self, sequence: EventSequence) -> None:
        self._sequence = sequence
        self._tool_names: dict[str, str] = {}  # call_id → tool name, for the tool's result

    def translate(self, sdk_event: StreamEvent) -> RunEvent | None:
        """The run event for one SDK event, or None when clients need not hear of it."""
        make = self._sequence.make
        if isinstance(sdk_event, RawResponsesStreamEvent):
            kind = sdk_event.data.type
            if kind == TEXT_DELTA:
                delta = sdk_event.data.delta
                return make(EventType.TEXT, content=delta) if delta else None
            if kind == RESPONSE_CREATED:
                return make(EventType.THINKING)
            return None
        if isinstance(sdk_event, RunItemStreamEvent):
            raw = sdk_event.item.raw_item
            call_id = _field(raw, "call_id")
            if sdk_event.name == "tool_called":
                name = self._tool_names[call_id] = _field(raw, "name")
                return make(
                    EventType.TOOL_CALL,
                    call_id=call_id,
                    name=name,
                    arguments=tool_arguments(_field(raw, "arguments")),
                )
            if sdk_event.name == "tool_output":
                return make(
                    EventType.TOOL_RESULT,
                    call_id=call_id,
                    name=self._tool_names.get(call_id, ""),
                    output=parse_json_value(sdk_event.item.output),
                )
        return None
