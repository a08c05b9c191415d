"""The reply texts: what the model says about each tool result, and when it needs more."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from chat.llm.offline.conversation import ToolResult
from chat.llm.offline.dates import DUE_EMPTY_TEXTS, due_listing_header, due_note, spoken_date
from chat.llm.offline.intents import IntentKind
from chat.llm.offline.text import FLAGS

VERBS = {
    "add": "add",
    "list": "list",
    "complete": "complete",
    "delete": "delete",
    "update": "change",
    "undo": "undo",
}
# What taking back each kind of change did to the task.
UNDONE_TEXTS = {
    "add": "Undone: {task} is removed again.",
    "complete": "Undone: {task} is pending again.",
    "delete": "Undone: {task} is back.",
    "update": "Undone: {task} is as it was before.",
}


def describe(task: dict[str, Any]) -> str:
    return f'"{task.get("title", "")}" (task #{task.get("number")})'


def error_text(output: dict[str, Any]) -> str:
    message = str(output.get("error") or "something went wrong").strip()
    if match := re.fullmatch(r"you\s+have\s+no\s+task\s+#(\d+)\.?", message, FLAGS):
        return f"I couldn't find task {match[1]}."
    # The tool names the field ("title: Task titles can be up to 200 characters — …"); the
    # sentence after it already says which, in words.
    message = re.sub(r"^(?:title|description):\s+(?=[A-Z])", "", message)
    return f"Sorry, that didn't work: {message.rstrip('.')}."


def _updated_text(task: dict[str, Any], arguments: dict[str, Any]) -> str:
    if arguments.get("clear_due_date"):
        return f"Removed the due date from {describe(task)}."
    if arguments.get("due_date"):
        return f"Moved {describe(task)} to {spoken_date(task.get('due_date') or '')}."
    if arguments.get("title") is None and arguments.get("description") is not None:
        description = task.get("description") or arguments["description"]
        return f'Updated the description of {describe(task)} to "{description}".'
    return f'Renamed task #{task.get("number")} to "{task.get("title", "")}".'


def _action_text(output: dict[str, Any], arguments: dict[str, Any]) -> str:
    task = output.get("task") or {}
    action = output.get("action")
    if action == "added":
        note = f' with the note "{task["description"]}"' if task.get("description") else ""
        due = f", due {spoken_date(task['due_date'])}" if task.get("due_date") else ""
        return f"Added {describe(task)}{due}{note}."
    if action == "completed":
        return f"Nice work! Marked {describe(task)} as done. \u2713"
    if action == "deleted":
        return f"Deleted {describe(task)}."
    if action == "updated":
        return _updated_text(task, arguments)
    if action == "undone":
        return UNDONE_TEXTS.get(output.get("kind"), "Undone: {task}.").format(task=describe(task))
    return "Done."


def task_line(task: dict[str, Any]) -> str:
    check = " \u2713" if task.get("completed") else ""
    note = f" \u2014 {task['description']}" if task.get("description") else ""
    return f"- #{task.get('number')} {task.get('title', '')}{due_note(task)}{check}{note}"


def listing_text(output: dict[str, Any]) -> str:
    tasks = output.get("tasks") or []
    status = output.get("status", "all")
    due = output.get("due") if isinstance(output.get("due"), str) else None
    if not tasks:
        return DUE_EMPTY_TEXTS.get(due) or {
            "pending": "Nothing pending: you're all caught up!",
            "completed": "You haven't completed any tasks yet.",
        }.get(status, 'Your list is empty. Try "add buy milk" to get started.')
    more = output.get("more") if isinstance(output.get("more"), int) else 0
    count = len(tasks) + more
    plural = "" if count == 1 else "s"
    header = (
        due_listing_header(due, count)
        if due in DUE_EMPTY_TEXTS
        else {
            "pending": f"You have {count} pending task{plural}:",
            "completed": f"You've completed {count} task{plural}:",
        }.get(status, f"You have {count} task{plural}:")
    )
    rest = [f"…and {more} more."] if more > 0 else []
    return "\n".join([header, *(task_line(task) for task in tasks), *rest])


def result_text(result: ToolResult) -> str:
    """A sentence (or list) describing one tool result."""
    output = result.output or {}
    if not output.get("ok"):
        return error_text(output)
    if "tasks" in output:
        return listing_text(output)
    return _action_text(output, result.arguments)


def _succeeded(result: ToolResult) -> bool:
    return bool((result.output or {}).get("ok"))


def _added_line(task: dict[str, Any]) -> str:
    due = f", due {spoken_date(task['due_date'])}" if task.get("due_date") else ""
    return f"{describe(task)}{due}"


def added_text(results: Sequence[ToolResult]) -> str:
    """The tasks added, then each distinct failure once (past the tool-call limit, many fail
    alike)."""
    succeeded = [result for result in results if _succeeded(result)]
    failures = dict.fromkeys(result_text(result) for result in results if not _succeeded(result))
    if len(succeeded) > 1:
        # Each line names its date, so a date that went to the wrong task shows.
        added = (f"- {_added_line(result.output['task'])}" for result in succeeded if result.output)
        listing = "\n".join([f"Added {len(succeeded)} tasks:", *added])
        return "\n\n".join([listing, " ".join(failures)]) if failures else listing
    return " ".join([*(result_text(result) for result in succeeded), *failures])


def summary_text(results: Sequence[ToolResult]) -> str:
    return "\n\n".join(result_text(result) for result in results) or "Done."


def example(kind: IntentKind, task_id: Any = 3) -> str:
    if kind == "update":
        return f'"rename task {task_id} to ..."'
    return f'"{VERBS.get(kind, kind)} task {task_id}"'


def which_task_text(kind: IntentKind) -> str:
    verb = VERBS.get(kind, kind)
    return f"Which task should I {verb}? Tell me its number, e.g. {example(kind)}."


def unavailable_text(kind: IntentKind) -> str:
    return f"Sorry, I can't {VERBS.get(kind, kind)} tasks right now."


# --- Planning -------------------------------------------------------------------------------
