"""Stored messages → the model's input items (OpenAI Responses format), tool activity included."""

import json
from collections.abc import Iterable
from typing import Any

from chat.models import Message
from chat.tool_calls import shown_tool_calls


def _as_json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def message_input_items(message: Message) -> list[dict[str, Any]]:
    """One stored message as input items: an assistant turn replays its tool calls first."""
    if message.role == Message.Role.USER:
        return [{"role": "user", "content": message.content}]
    items: list[dict[str, Any]] = []
    for call in shown_tool_calls(message.tool_calls):
        if "output" not in call:
            continue  # cut off mid-call: a call without its output is not valid input
        items.append(
            {
                "type": "function_call",
                "call_id": call["call_id"],
                "name": call["name"],
                "arguments": _as_json_text(call.get("arguments", {})),
            }
        )
        items.append(
            {
                "type": "function_call_output",
                "call_id": call["call_id"],
                "output": _as_json_text(call["output"]),
            }
        )
    if message.content:
        items.append({"role": "assistant", "content": message.content})
    return items


def history_input_items(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Earlier turns, oldest first, skipping replies still being written by another run."""
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.status != Message.Status.STREAMING:
            items.extend(message_input_items(message))
    return items
