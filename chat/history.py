"""Stored messages → the model's input items (OpenAI Responses format), tool activity included.

A call the user has undone since keeps its place, but its output says so (`"undone": true`
and a note, with what the tool had returned under `"output"`), so the model does not speak
of a change that no longer holds.
"""

import json
from collections.abc import Iterable
from typing import Any

from chat.models import Message
from chat.tool_calls import shown_tool_calls
from chat.undo import tool_call_changes
from todos.models import TaskChange

# What an undo took back, in words the model reads.
UNDONE_NOTES = {
    TaskChange.Kind.ADD: "the task it added was removed again",
    TaskChange.Kind.COMPLETE: "the task is back as it was before, not completed",
    TaskChange.Kind.DELETE: "the task it deleted was restored",
    TaskChange.Kind.UPDATE: "the task's earlier fields (title, description, list, priority, "
    "due date) were restored",
}


def _as_json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def undone_output(output: Any, change: TaskChange) -> dict[str, Any]:
    """A tool's output as the model sees it once the user has undone the call."""
    when = change.undone_at.isoformat(timespec="seconds")
    return {
        "undone": True,
        "undone_at": when,
        "note": f"The user undid this call at {when}: {UNDONE_NOTES[change.kind]}.",
        "output": output,
    }


def message_input_items(
    message: Message, undone: dict[str, TaskChange] | None = None
) -> list[dict[str, Any]]:
    """One stored message as input items: an assistant turn replays its tool calls first.

    `undone`: the changes, by call id, of this message's calls that the user has undone.
    """
    undone = undone or {}
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
        output = call["output"]
        if call["call_id"] in undone:
            output = undone_output(output, undone[call["call_id"]])
        items.append(
            {
                "type": "function_call_output",
                "call_id": call["call_id"],
                "output": _as_json_text(output),
            }
        )
    if message.content:
        items.append({"role": "assistant", "content": message.content})
    return items


def history_input_items(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Earlier turns, oldest first, skipping replies still being written by another run.

    One query finds the calls undone since (none when no message has a tool call).
    """
    finished = [m for m in messages if m.status != Message.Status.STREAMING]
    undone = {}
    if finished:
        changes = tool_call_changes(conversation_id=finished[0].conversation_id, messages=finished)
        undone = {call_id: c for call_id, c in changes.items() if c.undone_at is not None}
    items: list[dict[str, Any]] = []
    for message in finished:
        items.extend(message_input_items(message, undone))
    return items
