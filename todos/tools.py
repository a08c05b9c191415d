"""The agent's task tools: thin adapters from a model's function call to the todos services.

The user always comes from the run's server-side context (`TaskToolContext`), never from an
argument: no tool takes a user id, so whatever the model says it reaches only its user's tasks.
Each tool returns a JSON string: `{"ok": true, "action": ..., "task" | "tasks": ...}` or
`{"ok": false, "error": "..."}`, so a bad argument becomes a message the model can relay.
A tool that changes a task takes a keyword-only `call_id` (the SDK's id of the call, never
shown to the model) and records the change under it for undo (todos.changes); one that counts
from the user's date takes a keyword-only `today` (the user's local date, from the context),
and one whose rules need the user's zone a keyword-only `time_zone` (from the context).
A run makes at most AGENT_MAX_TOOL_CALLS calls; `list_tasks` shows at most LIST_TASKS_MAX tasks.
"""

import asyncio
import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from agents import FunctionTool, RunContextWrapper, function_tool
from agents.tool_context import ToolContext
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.preferences import time_zone_of
from config.db_threads import run_db
from config.timezones import local_today
from todos import changes, lists, selectors, services
from todos.bulk import tasks_bulk_change
from todos.changes import recorded_change
from todos.models import PRIORITY_NONE, Task, TaskChange, TaskList
from todos.recurrence import recurrence_text
from todos.reminders import local_reminder_times, reminders_from_tool

LIST_TASKS_MAX = 50


@dataclass
class TaskToolContext:
    """What the server knows about a run (one per run); the model never sees or sets it."""

    user: AbstractBaseUser
    time_zone: str = ""  # the user's IANA zone; "" means the TIME_ZONE setting
    locale: str = ""  # the user's language tag ("en-US"): the order of numeric dates
    # Calls whose run stopped while their database work was still going: call id → the
    # work, whose result the transcript records once it is done (chat.runs.run).
    unfinished_calls: dict[str, asyncio.Future[str]] = field(default_factory=dict)
    # Called on the database thread inside the transaction of each call that changes a task,
    # with (call_id, tool name, arguments JSON, output JSON): the run records the call with
    # the change it made, so a transcript never misses a change that committed.
    record_call: Callable[[str, str, str, str], None] | None = None
    max_tool_calls: int = field(default_factory=lambda: settings.AGENT_MAX_TOOL_CALLS)
    tool_calls_made: int = 0
    # The SDK starts a turn's calls at once, in the model's order; they run one at a time in
    # that order (asyncio's lock is first come, first served): "add eggs" then "complete" the
    # number it made, never the other way round on two database threads.
    one_call_at_a_time: asyncio.Lock = field(default_factory=asyncio.Lock)

    def allow_tool_call(self) -> bool:
        """Count one more call of this run; False once the run has made `max_tool_calls`."""
        if self.tool_calls_made >= self.max_tool_calls:
            return False
        self.tool_calls_made += 1
        return True

    def today(self) -> date:
        """The user's local date."""
        return local_today(self.time_zone)


# Keyword-only arguments the server fills in; the model never sees them.
SERVER_ARGUMENTS = frozenset({"call_id", "today", "time_zone"})


def task_payload(task: Task, time_zone: str = "") -> dict[str, Any]:
    """A task as the model sees it: by its number (#3), never by its database id; its
    reminders on the user's wall clock (`time_zone`, the zone the client sent, else theirs)."""
    return {
        "number": task.number,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "due_time": task.due_time.strftime("%H:%M") if task.due_time else None,
        "recurrence_text": recurrence_text(task.recurrence),
        "reminders": local_reminder_times(task, time_zone),
        "priority": task.priority,
        "list": task.list.name,
    }


def list_payload(task_list: TaskList) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": task_list.name, "inbox": task_list.is_inbox}
    for count in ("task_count", "pending_count"):
        if hasattr(task_list, count):
            payload[count] = getattr(task_list, count)
    return payload


def _ok(action: str, **result: Any) -> str:
    return json.dumps({"ok": True, "action": action, **result}, ensure_ascii=False)


def _failure(message: str) -> str:
    return json.dumps({"ok": False, "error": message}, ensure_ascii=False)


def _validation_message(error: ValidationError) -> str:
    """ "title: At most 200 characters." — the model needs to know which argument to fix."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(
        f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
    )


def tool_error(ctx: RunContextWrapper[Any], error: Exception) -> str:
    """What the model reads when a call fails before reaching our code (e.g. bad arguments)."""
    return _failure(f"The tool call failed: {error.__class__.__name__}. Check the arguments.")


def _task_tool(func: Callable) -> FunctionTool:
    """Run a sync tool body in a worker thread (it uses the ORM); rule breaks become errors."""
    parameters = inspect.signature(func).parameters
    records_changes = "call_id" in parameters
    counts_from_today = "today" in parameters
    needs_zone = "time_zone" in parameters

    def body(
        user: AbstractBaseUser, record: Callable[[str], None] | None, *args: Any, **kwargs: Any
    ) -> str:
        try:
            if record is None:
                return func(user, *args, **kwargs)
            with transaction.atomic():
                output = func(user, *args, **kwargs)
                record(output)
            return output
        except (selectors.TaskNotFound, lists.ListNotFound, lists.InboxProtected) as exc:
            return _failure(str(exc))
        except ValidationError as exc:
            return _failure(_validation_message(exc))

    async def run(ctx: ToolContext[TaskToolContext], *args: Any, **kwargs: Any) -> str:
        if not ctx.context.allow_tool_call():  # counted before any await: calls run concurrently
            return _failure(
                f"At most {ctx.context.max_tool_calls} tool calls per message; "
                "send the rest in another message."
            )
        record = None
        if records_changes:
            kwargs["call_id"] = ctx.tool_call_id
            if ctx.context.record_call is not None:
                record = functools.partial(
                    ctx.context.record_call, ctx.tool_call_id, ctx.tool_name, ctx.tool_arguments
                )
        if counts_from_today:
            kwargs["today"] = ctx.context.today()
        if needs_zone:
            kwargs["time_zone"] = ctx.context.time_zone
        async with ctx.context.one_call_at_a_time:
            work = asyncio.ensure_future(run_db(body, ctx.context.user, record, *args, **kwargs))
            try:
                # The thread commits (or rolls back) its one transaction whatever happens here.
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                ctx.context.unfinished_calls[ctx.tool_call_id] = work
                raise

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    run.__signature__ = _tool_signature(func)  # type: ignore[attr-defined]
    run.__annotations__ = {**func.__annotations__, "ctx": ToolContext[TaskToolContext]}
    return function_tool(run, failure_error_function=tool_error)


def _tool_signature(func: Callable) -> inspect.Signature:
    """The model-facing signature: the context first, then the body's arguments without `user`
    and the SERVER_ARGUMENTS."""
    parameters = [
        parameter
        for parameter in list(inspect.signature(func).parameters.values())[1:]
        if parameter.name not in SERVER_ARGUMENTS
    ]
    context = inspect.Parameter(
        "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=ToolContext[TaskToolContext]
    )
    return inspect.Signature([context, *parameters], return_annotation=str)


def _named_list(user: AbstractBaseUser, name: str | None) -> TaskList | None:
    return None if name is None else lists.list_by_name(owner=user, name=name)


def add_task(
    user: AbstractBaseUser,
    title: str,
    description: str = "",
    due_date: str | None = None,
    list: str | None = None,
    priority: int | None = None,
    due_time: str | None = None,
    recurrence: str | None = None,
    remind_at: str | None = None,
    remind_before_minutes: int | None = None,
    *,
    call_id: str,
    time_zone: str,
) -> str:
    """Add a task to the user's todo list.

    Args:
        title: What needs doing, 1 to 200 characters.
        description: Optional details, up to 2000 characters.
        due_date: Optional day it is due, as YYYY-MM-DD (work it out from today's date in
            your instructions), or null for no date.
        list: The name of the list to put it in (see list_lists), or null for the Inbox.
        priority: 1 (highest) to 4 (no priority, the default), or null.
        due_time: Optional time of day it is due, as HH:MM (24-hour, the user's local time);
            needs due_date.
        recurrence: Optional repeat as an RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO (see your
            instructions), or null. Without due_date it starts on its first day from today.
        remind_at: Optional moment to remind the user, as YYYY-MM-DDTHH:MM on their local
            clock (in the future), or null. "Remind me to X at 5pm" is due_date + due_time
            17:00 with remind_at at that same moment.
        remind_before_minutes: Optional reminder this many minutes before the due time
            (needs due_time; 0: at it), or null. Without either, the user's default applies.
    """
    task_list = _named_list(user, list)
    asked = remind_at is not None or remind_before_minutes is not None
    with recorded_change(owner=user, call_id=call_id, kind=TaskChange.Kind.ADD) as change:
        change.task = services.task_create(
            owner=user,
            title=title,
            description=description,
            due_date=due_date,
            task_list=task_list,
            priority=PRIORITY_NONE if priority is None else priority,
            due_time=due_time,
            recurrence=recurrence or "",
            time_zone=time_zone,
            default_reminder=not asked,
        )
        reminders_from_tool(
            task=change.task,
            remind_at=remind_at,
            remind_before_minutes=remind_before_minutes,
            time_zone=time_zone,
        )
    return _ok("added", task=task_payload(change.task, time_zone))


def list_tasks(
    user: AbstractBaseUser,
    status: Literal["all", "pending", "completed"] = "all",
    due: Literal["today", "tomorrow", "overdue", "week", "next_week", "none"] | None = None,
    list: str | None = None,
    priority: int | None = None,
    search: str | None = None,
    *,
    today: date,
    time_zone: str,
) -> str:
    """List the user's tasks with their numbers, lists, priorities and due dates (at most 50;
    "more" says how many are not shown). Use it before guessing a task number.

    Args:
        status: Which tasks: "all", "pending" (not done yet) or "completed".
        due: Optionally only tasks due "today", "tomorrow", "overdue" (before today, not
            done), this "week" (today and the 6 days after), "next_week" (Monday to Sunday of
            the next calendar week) or with "none" (no due date).
        list: Optionally only the tasks of the list with this name; null: every list.
        priority: Optionally only tasks of this priority, 1 (highest) to 4 (none).
        search: Optionally only tasks whose title or description contains this text.
    """
    task_list = _named_list(user, list)
    found = selectors.task_list(
        owner=user,
        status=status,
        due=due,
        today=today,
        task_list=task_list,
        priority=None if priority is None else services.clean_priority(priority),
        search=search or "",
    ).select_related("list")
    zone = time_zone_of(user, time_zone)  # once, not per task
    shown_tasks = found[:LIST_TASKS_MAX].prefetch_related("reminders")
    tasks = [task_payload(task, zone) for task in shown_tasks]
    more = found.count() - len(tasks) if len(tasks) == LIST_TASKS_MAX else 0
    filters = {"list": task_list and task_list.name, "priority": priority, "search": search or None}
    shown = {name: value for name, value in filters.items() if value is not None}
    return _ok("listed", status=status, due=due, **shown, tasks=tasks, more=more)


def complete_task(user: AbstractBaseUser, number: int, *, call_id: str, time_zone: str) -> str:
    """Mark one of the user's tasks as done. A repeating task moves to its next occurrence
    instead ("moved_to_next": true, with its new due date) and stays on the list.

    Args:
        number: The task's number (#3 is 3), as shown by list_tasks.
    """
    task = selectors.task_by_number(owner=user, number=number)
    with recorded_change(owner=user, call_id=call_id, kind=TaskChange.Kind.COMPLETE, task=task):
        services.task_complete(task=task, time_zone=time_zone)
    moved_on = services.task_moved_on(task)
    return _ok("completed", task=task_payload(task, time_zone), moved_to_next=moved_on)


def delete_task(user: AbstractBaseUser, number: int, *, call_id: str) -> str:
    """Delete one of the user's tasks for good.

    Args:
        number: The task's number (#3 is 3), as shown by list_tasks.
    """
    task = selectors.task_by_number(owner=user, number=number)
    payload = task_payload(task)
    with recorded_change(owner=user, call_id=call_id, kind=TaskChange.Kind.DELETE, task=task):
        services.task_delete(task=task)
    return _ok("deleted", task=payload)


def update_task(
    user: AbstractBaseUser,
    number: int,
    title: str | None = None,
    description: str | None = None,
    due_date: str | None = None,
    clear_due_date: bool = False,
    list: str | None = None,
    priority: int | None = None,
    due_time: str | None = None,
    recurrence: str | None = None,
    remind_at: str | None = None,
    remind_before_minutes: int | None = None,
    *,
    call_id: str,
    time_zone: str,
) -> str:
    """Rename a task, change its description, due date, time, repeat, list or priority, or
    add a reminder; leave a field null to keep it.

    Args:
        number: The task's number (#3 is 3), as shown by list_tasks.
        title: The new title, or null to keep the current one.
        description: The new description, or null to keep the current one.
        due_date: The new due day as YYYY-MM-DD, or null to keep the current one.
        clear_due_date: true to remove the task's due date (then leave due_date null).
        list: The name of the list to move it to, or null to keep it where it is.
        priority: The new priority, 1 (highest) to 4 (none), or null to keep it.
        due_time: The new time of day as HH:MM (24-hour, local), "" to remove the time, or
            null to keep it.
        recurrence: The new repeat as an RRULE (e.g. FREQ=MONTHLY;BYMONTHDAY=1), "" to stop
            it repeating, or null to keep it.
        remind_at: Add a reminder at this moment, YYYY-MM-DDTHH:MM on the user's local clock
            (in the future), or null.
        remind_before_minutes: Add a reminder this many minutes before the due time (the task
            needs a due time; 0: at it), or null.
    """
    task = selectors.task_by_number(owner=user, number=number)
    task_list = _named_list(user, list)
    with recorded_change(owner=user, call_id=call_id, kind=TaskChange.Kind.UPDATE, task=task):
        services.task_update(
            task=task,
            title=title,
            description=description,
            due_date=due_date,
            clear_due_date=clear_due_date,
            task_list=task_list,
            priority=priority,
            due_time=due_time or None,
            clear_due_time=due_time == "",
            recurrence=recurrence,
            time_zone=time_zone,
        )
        reminders_from_tool(
            task=task,
            remind_at=remind_at,
            remind_before_minutes=remind_before_minutes,
            time_zone=time_zone,
        )
    return _ok("updated", task=task_payload(task, time_zone))


def bulk_update_tasks(
    user: AbstractBaseUser,
    numbers: list[int],
    action: Literal[
        "complete", "reopen", "delete", "move", "set_priority", "set_due_date", "clear_due_date"
    ],
    list: str | None = None,
    priority: int | None = None,
    due_date: str | None = None,
    *,
    call_id: str,
    time_zone: str,
) -> str:
    """Change several tasks at once, all or nothing: one change the user can undo as one.

    Args:
        numbers: The tasks' numbers (#3 is 3), as shown by list_tasks; up to 500.
        action: "complete", "reopen", "delete", "move" (give list), "set_priority" (give
            priority), "set_due_date" (give due_date) or "clear_due_date".
        list: For "move": the name of the list to move them to.
        priority: For "set_priority": 1 (highest) to 4 (none).
        due_date: For "set_due_date": the day as YYYY-MM-DD.
    """
    value = {"move": lambda: _named_list(user, list), "set_priority": lambda: priority}
    value["set_due_date"] = lambda: due_date
    result = tasks_bulk_change(
        owner=user,
        action=action,
        value=value[action]() if action in value else None,
        numbers=numbers,
        change_id=call_id,
        time_zone=time_zone,
    )
    zone = time_zone_of(user, time_zone)  # once, not per task
    tasks = [task_payload(task, zone) for task in result.tasks]
    return _ok(
        "bulk_updated", bulk_action=action, tasks=tasks, changed=result.change_id is not None
    )


def list_lists(user: AbstractBaseUser) -> str:
    """List the user's task lists (the Inbox first) with how many tasks each has."""
    return _ok("lists_listed", lists=[list_payload(each) for each in lists.list_list(owner=user)])


def create_list(user: AbstractBaseUser, name: str) -> str:
    """Make a new task list.

    Args:
        name: Its name, 1 to 60 characters, different from the user's other lists.
    """
    return _ok("list_created", list=list_payload(lists.list_create(owner=user, name=name)))


def rename_list(user: AbstractBaseUser, name: str, new_name: str) -> str:
    """Rename one of the user's lists (not the Inbox).

    Args:
        name: The list's current name.
        new_name: Its new name, 1 to 60 characters.
    """
    task_list = lists.list_by_name(owner=user, name=name)
    return _ok(
        "list_renamed",
        old_name=task_list.name,
        list=list_payload(lists.list_rename(task_list=task_list, name=new_name)),
    )


def delete_list(user: AbstractBaseUser, name: str, delete_tasks: bool = False) -> str:
    """Delete one of the user's lists (not the Inbox): its tasks move to the Inbox, or are
    deleted with it when delete_tasks is true (only if the user asked for that).

    Args:
        name: The list's name.
        delete_tasks: true to delete its tasks too; false moves them to the Inbox.
    """
    task_list = lists.list_by_name(owner=user, name=name)
    count = lists.list_delete(task_list=task_list, delete_tasks=delete_tasks)
    return _ok(
        "list_deleted",
        list={"name": task_list.name},
        tasks_deleted=count if delete_tasks else 0,
        tasks_moved_to_inbox=0 if delete_tasks else count,
    )


def undo_last_change(user: AbstractBaseUser) -> str:
    """Take back the last change you made to the user's tasks (an added task goes, a completed,
    deleted or changed one is put back as it was). Use it when the user says "undo" or "undo
    that"; it refuses if the task changed since.
    """
    try:
        undone = changes.last_change_undo(user=user)
    except changes.NoChangeToUndo:
        return _failure("There is no change of mine left to undo.")
    except changes.ChangeConflict:
        return _failure("The task changed since my last change, so I can't undo it.")
    first = TaskChange.objects.filter(owner=user, call_id=undone.change_id).order_by("id")[0]
    task = undone.tasks[0]
    shown = (
        task_payload(task) if task else {key: first.after.get(key) for key in ("number", "title")}
    )
    return _ok("undone", call_id=undone.change_id, kind=first.kind, task=shown)


TASK_TOOLS: list[FunctionTool] = [
    _task_tool(tool)
    for tool in (
        add_task,
        list_tasks,
        complete_task,
        delete_task,
        update_task,
        bulk_update_tasks,
        list_lists,
        create_list,
        rename_list,
        delete_list,
        undo_last_change,
    )
]
