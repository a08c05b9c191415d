"""The todo assistant: one `Agent` per process, rebuilt only when model settings change."""

import copy
from datetime import date
from functools import cache

from agents import Agent, RunConfig, RunContextWrapper, set_tracing_disabled
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from chat.llm import sdk_costs
from chat.llm.provider import ModelChoice, build_model_choice
from config.timezones import local_today
from todos.tools import TASK_TOOLS, TaskToolContext

INSTRUCTIONS = """\
You are Taskstream, a friendly and concise assistant that manages the user's todo list.
- Use the tools to add, list, complete, delete and update tasks and to manage lists; never
  pretend you did.
- Tasks are known by their number ("task #3"): before acting on a task by name, call
  list_tasks (it can search) to find its number; never guess a number.
- Every task is in one list; the Inbox is where tasks go when no list is named. Pass lists
  by name. Priorities are 1 (highest, "urgent") to 4 (none, the default).
- To change several tasks the same way, call bulk_update_tasks once with all their numbers.
- After acting, confirm briefly what you did, naming the task(s) as "#number title".
- If a tool reports an error, say so plainly and suggest what to do.
- A tool output marked "undone" was taken back by the user afterwards: that change no longer
  holds, so never speak of it as done.
- You only manage tasks. For anything else, say so kindly in one sentence.
- Due dates are calendar days: pass them to the tools as YYYY-MM-DD, worked out from today's
  date below ("friday" means the next Friday after today; "tomorrow" is today + 1 day).
  To remove a task's date, call update_task with clear_due_date true.
- Times of day go in due_time as HH:MM, 24-hour, the user's local time ("5pm" is 17:00);
  a time needs a due_date. update_task with due_time "" removes the time.
- A repeating task is ONE task with a recurrence, an RFC 5545 RRULE without "RRULE:" and
  without DTSTART (it starts at the due date): "every monday" FREQ=WEEKLY;BYDAY=MO; "every
  weekday" FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR; "every 2 weeks" FREQ=WEEKLY;INTERVAL=2; "every
  month on the 1st" FREQ=MONTHLY;BYMONTHDAY=1; "every year on mar 3"
  FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3; "every day at 8am" FREQ=DAILY with due_time 08:00.
  Give due_date as its first occurrence. At most hourly, COUNT at most 1000. Completing it
  moves it to its next occurrence; "stop repeating": update_task with recurrence "".
- "Remind me to call mom tomorrow at 5pm": add_task with that due_date, due_time 17:00 and
  remind_at at the same moment (YYYY-MM-DDTHH:MM, the user's local time); "remind me 30
  minutes before" / "an hour before" on a task with a time: remind_before_minutes 30 / 60.
  A reminder must be in the future. Say when it will remind, on the user's clock.
- "Undo" / "undo that": call undo_last_change, which takes back your last change to a task.
Keep replies short. Markdown lists are fine for several tasks."""

MODEL_SETTING_NAMES = frozenset(
    {
        "AGENT_MODEL",
        "AGENT_API",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "AGENT_REQUEST_TIMEOUT_S",
        "AGENT_MAX_RETRIES",
        "OFFLINE_MODEL_FIRST_TOKEN_MS",
        "OFFLINE_MODEL_TOKEN_MS",
        "AGENT_TRACING",
    }
)


@cache
def model_choice() -> ModelChoice:
    # Without tracing configured the SDK would try to export traces to OpenAI on every run.
    set_tracing_disabled(not settings.AGENT_TRACING)
    return build_model_choice()


def today_line(today: date, zone_name: str) -> str:
    """The instructions' last line: the user's date, which the offline model reads too."""
    return f"Today is {today:%A}, {today.isoformat()} in the user's time zone ({zone_name})."


# Regions that write numeric dates month first (12/20); everyone else writes day first (20/12).
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"})


def locale_line(locale: str) -> str:
    """The user's way of writing numeric dates, from their locale; the offline model reads it."""
    region = locale.replace("_", "-").split("-")[-1].upper() if "-" in locale else ""
    order = "month/day" if region in MONTH_FIRST_REGIONS else "day/month"
    example = "12/20" if order == "month/day" else "20/12"
    return f"The user's locale is {locale}: numeric dates are {order} ({example} is December 20)."


def instructions(
    run_context: RunContextWrapper[TaskToolContext], agent: Agent[TaskToolContext]
) -> str:
    """The instructions for one run: the fixed text, the user's local date and, when the
    client sent it, how the user writes numeric dates."""
    # A run without the server's context (a benchmark, say) counts from TIME_ZONE.
    zone_name = getattr(run_context.context, "time_zone", "") or settings.TIME_ZONE
    lines = [INSTRUCTIONS, today_line(local_today(zone_name), zone_name)]
    if locale := getattr(run_context.context, "locale", ""):
        lines.append(locale_line(locale))
    return "\n".join(lines)


@cache
def todo_agent() -> Agent[TaskToolContext]:
    choice = model_choice()
    agent = Agent[TaskToolContext](
        name="Taskstream",
        instructions=instructions,
        tools=TASK_TOOLS,
        model=choice.model,
        model_settings=choice.model_settings,
    )
    sdk_costs.install()
    sdk_costs.freeze_identity(agent)
    sdk_costs.freeze_tools(agent.tools)
    return agent


def agent_for_run() -> Agent[TaskToolContext]:
    """The agent for one run: a shallow copy of `todo_agent()` (same tools, model, settings).

    openai-agents checks on every turn that no concurrent run sharing the same Agent object
    changed its tools, comparing against every such run: with one shared Agent that is
    O(concurrent runs) per check, 16% of a run's CPU at 100 concurrent streams. A copy per run
    (a few µs, no validation) keeps each Agent object to one run.
    """
    return copy.copy(todo_agent())


@cache
def run_config() -> RunConfig:
    # Tracing is switched on or off for the whole process in model_choice().
    return RunConfig(workflow_name="Taskstream chat")


@receiver(setting_changed)
def _rebuild_agent_on_model_settings_change(*, setting: str, **kwargs) -> None:
    if setting in MODEL_SETTING_NAMES:
        model_choice.cache_clear()
        todo_agent.cache_clear()
        run_config.cache_clear()
