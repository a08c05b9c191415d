"""The stored shape of a reply's tool calls (`Message.tool_calls`), and reading any value.

Runs store a list of `{"call_id": str, "name": str, "arguments": {...}, "output": <JSON>}`,
"output" absent when the run stopped before the tool returned. A row edited by hand may hold
anything, so readers never index it directly: the API and the model's history take
`shown_tool_calls` (the well-formed calls), transcripts and exports take `tool_call_entries`
(everything, to show as it is), and the admin refuses to save what `tool_calls_problem` names.
"""

from typing import Any

_TEXT_FIELDS = ("call_id", "name")


def tool_call_problem(call: object) -> str | None:
    """Why one entry is not a tool call the product can show, or None."""
    if not isinstance(call, dict):
        return "must be an object with call_id, name, arguments and (once returned) output."
    for field in _TEXT_FIELDS:
        if not isinstance(call.get(field), str) or not call[field]:
            return f'"{field}" must be non-empty text.'
    if not isinstance(call.get("arguments"), dict):
        return '"arguments" must be an object.'
    return None


def tool_calls_problem(value: object) -> str | None:
    """Why `value` cannot be stored as a reply's tool calls, or None."""
    if not isinstance(value, list):
        return "Tool calls must be a list of objects."
    for number, call in enumerate(value, start=1):
        if problem := tool_call_problem(call):
            return f"Tool call {number}: {problem}"
    return None


def tool_call_entries(value: object) -> list[object]:
    """Every stored entry, as it is; a value that is not a list is one (malformed) entry."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def shown_tool_calls(value: object) -> list[dict[str, Any]]:
    """The well-formed calls of a stored value, with only the fields the product knows."""
    return [
        {key: call[key] for key in ("call_id", "name", "arguments", "output") if key in call}
        for call in tool_call_entries(value)
        if tool_call_problem(call) is None
    ]
