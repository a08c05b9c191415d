"""The reply texts: what the model says about each tool result, and when it needs more."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from chat.llm.offline.conversation import ToolResult
from chat.llm.offline.dates import DUE_EMPTY_TEXTS, due_listing_header, due_note, spoken_date
from chat.llm.offline.intents import IntentKind
from chat.llm.offline.reminders import (
    before_text,
    due_moment,
    remind_text,
    reminder_moments,
    spoken_moment,
)
from chat.llm.offline.text import FLAGS
from chat.llm.offline.times import spoken_time, time_from_hhmm

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
    message = re.sub(
        r"^(?:title|description|due_time|recurrence|remind_at|remind_before_minutes):\s+(?=[A-Z])",
        "",
        message,
    )
    return f"Sorry, that didn't work: {message.rstrip('.')}."


def priority_mark(task: dict[str, Any]) -> str:
    """ " (P1)" for priorities 1-3; nothing for 4, no priority."""
    priority = task.get("priority")
    return f" (P{priority})" if priority in (1, 2, 3) else ""


def spoken_due(task: dict[str, Any]) -> str:
    """ "Friday, Dec 11", or "Friday, Dec 11 at 5:00 PM" with a time of day."""
    at = time_from_hhmm(task.get("due_time"))
    clock = f" at {spoken_time(at)}" if at is not None else ""
    return f"{spoken_date(task.get('due_date') or '')}{clock}"


def _reminder_update_text(task: dict[str, Any], minutes: int, today: date | None) -> str:
    moments = reminder_moments(task, {"remind_before_minutes": minutes})
    due = due_moment(task)
    when = [moment for moment in moments if due and moment == due - timedelta(minutes=minutes)]
    at = f"{spoken_moment(when[0], today)}, " if when else ""
    if minutes == 0:
        return f"I'll remind you {at}when {describe(task)} is due."
    return f"I'll remind you {at}{before_text(minutes)} {describe(task)} is due."


def _repeat_update_text(task: dict[str, Any], recurrence: str) -> str:
    if not recurrence:
        stays = f"; it stays due {spoken_due(task)}" if task.get("due_date") else ""
        return f"Stopped repeating {describe(task)}{stays}."
    repeat = task.get("recurrence_text") or "on a schedule"
    nxt = f", next due {spoken_due(task)}" if task.get("due_date") else ""
    return f"{describe(task)} now repeats {repeat}{nxt}."


def _updated_text(task: dict[str, Any], arguments: dict[str, Any], today: date | None) -> str:
    if isinstance(arguments.get("remind_before_minutes"), int):
        return _reminder_update_text(task, arguments["remind_before_minutes"], today)
    if isinstance(arguments.get("recurrence"), str):
        return _repeat_update_text(task, arguments["recurrence"])
    if arguments.get("priority") is not None:
        level = f"P{task.get('priority')}" if priority_mark(task) else "no priority"
        return f"Set {describe(task)} to {level}."
    if arguments.get("list"):
        return f"Moved {describe(task)} to {task.get('list') or arguments['list']}."
    if arguments.get("clear_due_date"):
        return f"Removed the due date from {describe(task)}."
    if arguments.get("due_date") or arguments.get("due_time"):
        return f"Moved {describe(task)} to {spoken_due(task)}."
    if arguments.get("title") is None and arguments.get("description") is not None:
        description = task.get("description") or arguments["description"]
        return f'Updated the description of {describe(task)} to "{description}".'
    return f'Renamed task #{task.get("number")} to "{task.get("title", "")}".'


def _when_note(task: dict[str, Any]) -> str:
    """ ", due Saturday, Dec 5 at 5:00 PM, repeating every Monday" or ""."""
    due = f", due {spoken_due(task)}" if task.get("due_date") else ""
    repeat = f", repeating {task['recurrence_text']}" if task.get("recurrence_text") else ""
    return f"{due}{repeat}"


def _action_text(output: dict[str, Any], arguments: dict[str, Any], today: date | None) -> str:
    task = output.get("task") or {}
    action = output.get("action")
    if action == "added":
        note = f' with the note "{task["description"]}"' if task.get("description") else ""
        where = f" to {task['list']}" if task.get("list") not in (None, "Inbox") else ""
        added = f"Added {describe(task)}{where}{priority_mark(task)}{_when_note(task)}{note}."
        reminded = remind_text(reminder_moments(task, arguments), today)
        return f"{added} {reminded}" if reminded else added
    if action == "completed" and output.get("moved_to_next") and task.get("due_date"):
        # A repeating task stays on the list, due on its next occurrence.
        return f"Nice work! \u2713 {describe(task)} is next due {spoken_due(task)}."
    if action == "completed":
        return f"Nice work! Marked {describe(task)} as done. \u2713"
    if action == "deleted":
        return f"Deleted {describe(task)}."
    if action == "updated":
        return _updated_text(task, arguments, today)
    if action == "undone":
        return UNDONE_TEXTS.get(output.get("kind"), "Undone: {task}.").format(task=describe(task))
    return "Done."


def task_line(task: dict[str, Any]) -> str:
    check = " \u2713" if task.get("completed") else ""
    note = f" \u2014 {task['description']}" if task.get("description") else ""
    mark = priority_mark(task)
    return f"- #{task.get('number')} {task.get('title', '')}{mark}{due_note(task)}{check}{note}"


def listing_text(output: dict[str, Any]) -> str:
    tasks = output.get("tasks") or []
    status = output.get("status", "all")
    due = output.get("due") if isinstance(output.get("due"), str) else None
    if filtered := _filtered_listing(output, tasks):
        return filtered
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


def _count(count: int, noun: str = "task") -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _filtered_listing(output: dict[str, Any], tasks: list[dict[str, Any]]) -> str | None:
    """A listing of one list, one priority or a search, or None for any other listing."""
    more = output.get("more") if isinstance(output.get("more"), int) else 0
    count = len(tasks) + more
    if output.get("search"):
        header = f'{_count(count)} match "{output["search"]}":' if count else ""
        empty = f'No task matches "{output["search"]}".'
    elif output.get("list"):
        header = f"{output['list']} has {_count(count)}:"
        empty = f"{output['list']} is empty."
    elif output.get("priority"):
        header = f"You have {_count(count, 'P' + str(output['priority']) + ' task')}:"
        empty = f"No P{output['priority']} tasks."
    else:
        return None
    if not tasks:
        return empty
    rest = [f"…and {more} more."] if more > 0 else []
    return "\n".join([header, *(task_line(task) for task in tasks), *rest])


BULK_VERBS = {
    "complete": "Completed",
    "reopen": "Reopened",
    "delete": "Deleted",
    "move": "Moved",
    "set_priority": "Changed the priority of",
    "set_due_date": "Moved",
    "clear_due_date": "Removed the due date of",
}


def _bulk_text(output: dict[str, Any], arguments: dict[str, Any]) -> str:
    tasks = output.get("tasks") or []
    if not output.get("changed"):
        return "Nothing needed changing: they were already like that."
    verb = BULK_VERBS.get(str(output.get("bulk_action")), "Changed")
    where = ""
    if output.get("bulk_action") == "set_due_date" and arguments.get("due_date"):
        where = f" to {spoken_date(arguments['due_date'])}"
    elif output.get("bulk_action") == "move" and arguments.get("list"):
        where = f" to {arguments['list']}"
    lines = (f"- #{task.get('number')} {task.get('title', '')}" for task in tasks)
    return "\n".join([f"{verb} {_count(len(tasks))}{where}:", *lines])


def _lists_text(output: dict[str, Any]) -> str:
    lines = [
        f"- {each.get('name')} ({each.get('pending_count', 0)} pending)"
        for each in output.get("lists") or []
    ]
    return "\n".join([f"You have {_count(len(lines), 'list')}:", *lines])


def _list_action_text(output: dict[str, Any]) -> str | None:
    action, named = output.get("action"), output.get("list")
    named = named.get("name") if isinstance(named, dict) else named
    if action == "lists_listed":
        return _lists_text(output)
    if action == "list_created":
        return f'Created the list "{named}".'
    if action == "list_renamed":
        return f'Renamed the list "{output.get("old_name")}" to "{named}".'
    if action == "list_deleted":
        if deleted := output.get("tasks_deleted"):
            return f'Deleted the list "{named}" and its {_count(deleted)}.'
        moved = output.get("tasks_moved_to_inbox") or 0
        tail = f"; its {_count(moved)} moved to your Inbox" if moved else ""
        return f'Deleted the list "{named}"{tail}.'
    return None


def result_text(result: ToolResult, today: date | None = None) -> str:
    """A sentence (or list) describing one tool result; `today` (the user's) lets a reminder
    be said as "tomorrow at 5:00 PM"."""
    output = result.output or {}
    if not output.get("ok"):
        return error_text(output)
    if output.get("action") == "bulk_updated":
        return _bulk_text(output, result.arguments)
    if (said := _list_action_text(output)) is not None:
        return said
    if "tasks" in output:
        return listing_text(output)
    return _action_text(output, result.arguments, today)


def _succeeded(result: ToolResult) -> bool:
    return bool((result.output or {}).get("ok"))


def _added_line(task: dict[str, Any]) -> str:
    return f"{describe(task)}{_when_note(task)}"


def added_text(results: Sequence[ToolResult], today: date | None = None) -> str:
    """The tasks added, then each distinct failure once (past the tool-call limit, many fail
    alike)."""
    succeeded = [result for result in results if _succeeded(result)]
    failures = dict.fromkeys(result_text(result) for result in results if not _succeeded(result))
    if len(succeeded) > 1:
        # Each line names its date, so a date that went to the wrong task shows.
        added = (f"- {_added_line(result.output['task'])}" for result in succeeded if result.output)
        listing = "\n".join([f"Added {len(succeeded)} tasks:", *added])
        return "\n\n".join([listing, " ".join(failures)]) if failures else listing
    return " ".join([*(result_text(result, today) for result in succeeded), *failures])


def summary_text(results: Sequence[ToolResult], today: date | None = None) -> str:
    return "\n\n".join(result_text(result, today) for result in results) or "Done."


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
