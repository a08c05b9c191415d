"""Planning the list family's requests (chat.llm.offline.lists): the list tools, and changes
to many tasks at once (list_tasks to find them, then one bulk_update_tasks call)."""

from __future__ import annotations

from typing import Any

from chat.llm.offline.conversation import InputConversation, results_for
from chat.llm.offline.intents import (
    BULK_UPDATE_TASKS,
    CREATE_LIST,
    DELETE_LIST,
    LIST_LISTS,
    LIST_TASKS,
    RENAME_LIST,
    Intent,
    NextStep,
    ToolCall,
)
from chat.llm.offline.replies import error_text, result_text, unavailable_text

_LIST_TOOLS = {
    "lists": LIST_LISTS,
    "create_list": CREATE_LIST,
    "rename_list": RENAME_LIST,
    "delete_list": DELETE_LIST,
}
BULK_NOTHING = {
    "complete": "Nothing to complete there: it's all done already.",
    "delete": "There's nothing to delete.",
    "set_due_date": "There's nothing to move.",
}


def existing_list(output: dict[str, Any], name: str) -> str | None:
    """The name of the user's list called `name` (any case) in a list_lists output."""
    wanted = name.casefold()
    for each in output.get("lists") or []:
        if str(each.get("name", "")).casefold() == wanted:
            return each["name"]
    return None


def _list_arguments(intent: Intent) -> dict[str, Any]:
    if intent.kind == "create_list":
        return {"name": intent.list_name}
    if intent.kind == "rename_list":
        return {"name": intent.list_name, "new_name": intent.new_list_name}
    if intent.kind == "delete_list":
        return {"name": intent.list_name, "delete_tasks": intent.delete_tasks}
    return {}


def plan_list_tool(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    """show my lists / create / rename / delete a list: one call, then say what it did."""
    tool = _LIST_TOOLS[intent.kind]
    if done := results_for(convo.results, tool):
        return NextStep.reply(result_text(done[-1]))
    if tool not in tools:
        return NextStep.reply("Sorry, I can't manage lists right now.")
    return NextStep.call(ToolCall(tool, _list_arguments(intent)))


def _bulk_arguments(intent: Intent, numbers: list[int]) -> dict[str, Any]:
    arguments: dict[str, Any] = {"numbers": numbers, "action": intent.bulk_action}
    if intent.bulk_action == "set_due_date":
        arguments["due_date"] = intent.new_due_date
    return arguments


def plan_bulk(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    """Find the tasks (list_tasks with the request's filter), then change them in one call."""
    if done := results_for(convo.results, BULK_UPDATE_TASKS):
        return NextStep.reply(result_text(done[-1]))
    if not {LIST_TASKS, BULK_UPDATE_TASKS} <= tools:
        return NextStep.reply(unavailable_text("update"))
    if not (listed := results_for(convo.results, LIST_TASKS)):
        filters = {"status": intent.status, "due": intent.due, "list": intent.list_name}
        return NextStep.call(
            ToolCall(LIST_TASKS, {k: v for k, v in filters.items() if v is not None})
        )
    listing = listed[-1].output or {}
    if not listing.get("ok"):
        return NextStep.reply(error_text(listing))
    numbers = [task["number"] for task in listing.get("tasks") or [] if "number" in task]
    if not numbers:
        return NextStep.reply(BULK_NOTHING[intent.bulk_action or "delete"])
    return NextStep.call(ToolCall(BULK_UPDATE_TASKS, _bulk_arguments(intent, numbers)))
