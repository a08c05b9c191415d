"""`plan_next_step`: the conversation and the offered tools -> tool calls to make now, or the
final reply that reflects the tool results."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, time
from typing import Any

from chat.llm.offline.conversation import (
    InputConversation,
    ToolResult,
    read_conversation,
    results_for,
    tool_results,
)
from chat.llm.offline.intents import (
    ADD_TASK,
    COMPLETE_TASK,
    DELETE_TASK,
    LIST_LISTS,
    LIST_TASKS,
    UNDO_LAST_CHANGE,
    UPDATE_TASK,
    Intent,
    NewTask,
    NextStep,
    TaskRef,
    ToolCall,
)
from chat.llm.offline.list_planning import existing_list, plan_bulk, plan_list_tool
from chat.llm.offline.parsing import parse_intent
from chat.llm.offline.references import recent_task_id
from chat.llm.offline.replies import (
    VERBS,
    added_text,
    describe,
    error_text,
    example,
    result_text,
    summary_text,
    task_line,
    unavailable_text,
    which_task_text,
)
from chat.llm.offline.talk import ACK_TEXT, GREETING_TEXT, HELP_TEXT, THANKS_TEXT, UNKNOWN_TEXT
from chat.llm.offline.tasks import match_tasks, parse_ref
from chat.llm.offline.text import normalize, strip_fillers

_ACTION_TOOLS = {"complete": COMPLETE_TASK, "delete": DELETE_TASK, "update": UPDATE_TASK}


def _plan_add(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    if added := results_for(convo.results, ADD_TASK):
        return NextStep.reply(added_text(added, convo.today))
    if not intent.tasks:
        return NextStep.reply('What should I add? For example: "add buy milk".')
    if ADD_TASK not in tools:
        return NextStep.reply(unavailable_text("add"))
    tasks, list_name = intent.tasks, intent.list_name
    if list_name is not None and not intent.list_said:
        # "add talk to bob": a list only if the user has one called "bob".
        if not (listed := results_for(convo.results, LIST_LISTS)):
            if LIST_LISTS in tools:
                return NextStep.call(ToolCall(LIST_LISTS, {}))
        elif not (list_name := existing_list(listed[-1].output or {}, list_name)):
            tasks = intent.tasks_without_list or tasks
    arguments = {"list": list_name} if list_name else {}
    if intent.priority is not None:
        arguments["priority"] = intent.priority
    return NextStep.call(*(ToolCall(ADD_TASK, _add_arguments(task, arguments)) for task in tasks))


def _add_arguments(task: NewTask, extra: dict[str, Any]) -> dict[str, Any]:
    arguments: dict[str, Any] = {"title": task.title}
    if task.description:
        arguments["description"] = task.description
    if task.due_date:
        arguments["due_date"] = task.due_date
    if task.due_time:
        arguments["due_time"] = task.due_time
    if task.recurrence:
        arguments["recurrence"] = task.recurrence
    if task.remind and task.due_time:  # a reminder needs a time of day
        if task.recurrence:
            arguments["remind_before_minutes"] = 0  # moves with the task to each occurrence
        else:
            arguments["remind_at"] = f"{task.due_date}T{task.due_time}"
    return {**arguments, **extra}


def _plan_list(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    if listed := results_for(convo.results, LIST_TASKS):
        return NextStep.reply(result_text(listed[-1]))
    if LIST_TASKS not in tools:
        return NextStep.reply(unavailable_text("list"))
    filters = {"due": intent.due, "list": intent.list_name}
    filters |= {"priority": intent.priority, "search": intent.search}
    chosen = {name: value for name, value in filters.items() if value is not None}
    return NextStep.call(ToolCall(LIST_TASKS, {"status": intent.status, **chosen}))


def _action_call(intent: Intent, task_id: int) -> ToolCall:
    if intent.kind == "update":
        arguments = {
            "number": task_id,
            "title": intent.new_title,
            "description": intent.new_description,
        }
        if intent.new_due_date:
            arguments["due_date"] = intent.new_due_date
        if intent.new_due_time:
            arguments["due_time"] = intent.new_due_time
        if intent.new_recurrence is not None:
            arguments["recurrence"] = intent.new_recurrence
        if intent.remind_before_minutes is not None:
            arguments["remind_before_minutes"] = intent.remind_before_minutes
        if intent.clear_due_date:
            arguments["clear_due_date"] = True
        if intent.list_name:
            arguments["list"] = intent.list_name
        if intent.priority is not None:
            arguments["priority"] = intent.priority
        return ToolCall(UPDATE_TASK, arguments)
    return ToolCall(_ACTION_TOOLS[intent.kind], {"number": task_id})


def _pick_from_listing(intent: Intent, listing: dict[str, Any]) -> NextStep:
    """Second step of a by-title request: choose the task from list_tasks output."""
    if not listing.get("ok"):
        return NextStep.reply(error_text(listing))
    query = intent.ref.title if intent.ref and intent.ref.title else ""
    matches = match_tasks(listing.get("tasks") or [], query)
    if intent.kind == "complete" and len(matches) > 1:
        matches = [task for task in matches if not task.get("completed")] or matches
    if not matches:
        return NextStep.reply(f'I couldn\'t find a task matching "{query}".')
    if len(matches) > 1:
        lines = "\n".join(task_line(task) for task in matches)
        return NextStep.reply(
            f'A few tasks match "{query}":\n{lines}\n'
            f"Which one should I {VERBS[intent.kind]}? Tell me its number, "
            f"e.g. {example(intent.kind, matches[0].get('number'))}."
        )
    task = matches[0]
    if intent.kind == "complete" and task.get("completed"):
        return NextStep.reply(f"{describe(task)} is already done. \u2713")
    return NextStep.call(_action_call(intent, int(task["number"])))


def _plan_action(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    """complete / delete / update: by id, by "it", or by title via list_tasks first."""
    tool = _ACTION_TOOLS[intent.kind]
    if done := results_for(convo.results, tool):
        return NextStep.reply(summary_text(done, convo.today))
    ref = intent.ref or TaskRef()
    if ref.bulk:
        return NextStep.reply(
            f"I can only {VERBS[intent.kind]} one task at a time. {which_task_text(intent.kind)}"
        )
    changes = (intent.new_title, intent.new_description, intent.new_due_date)
    changes += (intent.list_name, intent.priority, intent.new_due_time, intent.new_recurrence)
    changes += (intent.remind_before_minutes,)
    if intent.kind == "update" and set(changes) == {None} and not intent.clear_due_date:
        return NextStep.reply('What should I change? For example: "rename task 2 to buy oat milk".')
    if tool not in tools:
        return NextStep.reply(unavailable_text(intent.kind))
    if ref.task_id is not None:
        return NextStep.call(_action_call(intent, ref.task_id))
    if ref.pronoun or not ref.title:
        task_id = recent_task_id(convo.earlier)
        if task_id is None:
            return NextStep.reply(which_task_text(intent.kind))
        return NextStep.call(_action_call(intent, task_id))
    if listed := results_for(convo.results, LIST_TASKS):
        return _pick_from_listing(intent, listed[-1].output or {})
    if LIST_TASKS not in tools:
        return NextStep.reply(which_task_text(intent.kind))
    return NextStep.call(ToolCall(LIST_TASKS, {"status": "all"}))


def _plan_undo(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    if undone := results_for(convo.results, UNDO_LAST_CHANGE):
        return NextStep.reply(summary_text(undone))
    if UNDO_LAST_CHANGE not in tools:
        return NextStep.reply(unavailable_text("undo"))
    return NextStep.call(ToolCall(UNDO_LAST_CHANGE, {}))


def _plan_talk(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    if finished := [result for result in convo.results if result.output is not None]:
        return NextStep.reply(summary_text(finished, convo.today))
    texts = {"greet": GREETING_TEXT, "thanks": THANKS_TEXT, "ack": ACK_TEXT, "help": HELP_TEXT}
    return NextStep.reply(texts.get(intent.kind, UNKNOWN_TEXT))


_PLANNERS = {
    "add": _plan_add,
    "list": _plan_list,
    "complete": _plan_action,
    "delete": _plan_action,
    "update": _plan_action,
    "undo": _plan_undo,
    "bulk": plan_bulk,
    "lists": plan_list_tool,
    "create_list": plan_list_tool,
    "rename_list": plan_list_tool,
    "delete_list": plan_list_tool,
}


def _repeats_a_call(step: NextStep, results: Sequence[ToolResult]) -> bool:
    made = {(result.name, json.dumps(result.arguments, sort_keys=True)) for result in results}
    return any(
        (call.name, json.dumps(call.arguments, sort_keys=True)) in made for call in step.calls
    )


def _answer_to_which(intent: Intent, convo: InputConversation) -> Intent:
    """A bare task number ("3", "task 3") answers our "which task?" from the previous turn."""
    if intent.kind != "unknown" or not convo.earlier:
        return intent
    ref = parse_ref(strip_fillers(normalize(convo.current.user_text)))
    previous_turn = convo.earlier[-1]
    previous = parse_intent(previous_turn.user_text)
    if ref.task_id is None or previous.kind not in _ACTION_TOOLS:
        return intent
    tool = _ACTION_TOOLS[previous.kind]
    finished = results_for(tool_results(previous_turn.items), tool)
    if any(result.output and result.output.get("ok") for result in finished):
        return intent
    return replace(previous, ref=ref)


def plan_next_step(
    input: str | Sequence[Any],
    tool_names: Iterable[str],
    today: date | None = None,
    month_first: bool = False,
    clock: time | None = None,
) -> NextStep:
    """Decide the model's next output from the whole conversation and the offered tools;
    `today` is the user's date (the agent's instructions carry it), `clock` their wall-clock
    time when known."""
    convo = read_conversation(input, today)
    message = convo.current.user_text
    intent = _answer_to_which(parse_intent(message, today, month_first, clock), convo)
    tools = frozenset(tool_names)
    step = _PLANNERS.get(intent.kind, _plan_talk)(intent, convo, tools)
    if _repeats_a_call(step, convo.results):
        # Never loop: a call that already ran this turn means it is time to report.
        finished = [result for result in convo.results if result.output is not None]
        return NextStep.reply(summary_text(finished, convo.today))
    return step
