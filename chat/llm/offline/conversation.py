"""Reading the conversation: a Responses-style input list (dicts or pydantic items) as turns.

Each turn starts at a user message and holds the items that followed it; the current turn's
function calls come with their parsed JSON outputs (`ToolResult`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class ToolResult:
    """One function call of this turn and its parsed JSON output (None until it returns)."""

    name: str
    arguments: dict[str, Any]
    output: dict[str, Any] | None = None


@dataclass
class InputTurn:
    """One user message and the items that followed it."""

    user_text: str
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class InputConversation:
    current: InputTurn
    earlier: list[InputTurn]
    results: list[ToolResult]
    today: date | None = None  # the user's today, for replies that say "tomorrow at 5:00 PM"


def as_dict(item: Any) -> dict[str, Any]:
    """Normalize one input item (dict or pydantic model) to a plain dict."""
    if isinstance(item, dict):
        return item
    if hasattr(item, "model_dump"):
        return item.model_dump(exclude_none=True)
    return {}


def content_text(content: Any) -> str:
    """Text of a message content: a string or a list of parts carrying "text"."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = (as_dict(part).get("text") for part in content)
        return "".join(part for part in parts if isinstance(part, str))
    return str(content)


def is_message(item: dict[str, Any], role: str) -> bool:
    return item.get("role") == role and item.get("type", "message") == "message"


def parse_tool_output(raw: Any) -> dict[str, Any]:
    """A tool's JSON output as a dict; anything else is treated as a failure message."""
    if isinstance(raw, dict):
        return raw
    text = content_text(raw) if isinstance(raw, list) else str(raw)
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if isinstance(value, dict):
        return value
    return {"ok": False, "error": text.strip() or "the tool returned nothing"}


def _parse_arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def split_turns(input: str | Sequence[Any]) -> list[InputTurn]:
    """Group the input items into turns, each starting at a user message."""
    if isinstance(input, str):
        return [InputTurn(user_text=input)]
    turns: list[InputTurn] = []
    for raw in input:
        item = as_dict(raw)
        if is_message(item, "user"):
            turns.append(InputTurn(user_text=content_text(item.get("content"))))
        elif turns:
            turns[-1].items.append(item)
    return turns or [InputTurn(user_text="")]


def tool_results(items: Iterable[dict[str, Any]]) -> list[ToolResult]:
    """The function calls among `items`, in order, with their outputs attached."""
    by_call_id: dict[str, ToolResult] = {}
    ordered: list[ToolResult] = []
    for item in items:
        if item.get("type") == "function_call":
            result = ToolResult(item.get("name", ""), _parse_arguments(item.get("arguments")))
            by_call_id[str(item.get("call_id"))] = result
            ordered.append(result)
        elif item.get("type") == "function_call_output":
            result = by_call_id.get(str(item.get("call_id")))
            if result is not None:
                result.output = parse_tool_output(item.get("output"))
    return ordered


def read_conversation(input: str | Sequence[Any], today: date | None = None) -> InputConversation:
    turns = split_turns(input)
    current = turns[-1]
    return InputConversation(
        current=current, earlier=turns[:-1], results=tool_results(current.items), today=today
    )


def assistant_text(turn: InputTurn) -> str:
    return "\n".join(
        content_text(item.get("content")) for item in turn.items if is_message(item, "assistant")
    )


def results_for(results: Sequence[ToolResult], name: str) -> list[ToolResult]:
    """The results of the calls of tool `name` that have returned."""
    return [result for result in results if result.name == name and result.output is not None]
