"""The offline model plans in linear time: no message can hold the event loop.

Issue 17 found `"so " * 444 + "," * 2667 + "x"` took ~115 s to parse. These tests time the
planner on pathological messages (runs of commas, fillers, spaces, repeated words, up to
CHAT_MAX_MESSAGE_CHARS) and on histories of them. They count the thread's CPU time, not
wall time, so other processes on a busy machine cannot make them fail; with the garbage
collector paused (a full collection in a long test session costs more than a plan), the least
of three runs (contention only ever adds CPU time: cache misses, migrations), against a budget
about fifty times what the slowest plan takes on a quiet machine (~5 ms): the backtracking this
guards against took seconds to minutes.
"""

import gc
import time
from typing import Any

from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chat.llm.offline.dates import _parsed_date
from chat.llm.offline.parsing import _parse_intent, parse_intent
from chat.llm.offline.planning import plan_next_step

ALL_TOOLS = ("add_task", "list_tasks", "complete_task", "delete_task", "update_task")
BUDGET_S = 0.250
REPEATS = 3
MAX_CHARS = settings.CHAT_MAX_MESSAGE_CHARS

# Pieces that once made a pattern re-scan a run from every position.
RUNS = [
    ",",
    " ",
    "so ",
    "please ",
    ", please",
    "and ",
    " ,",
    ", ",
    "\n",
    "\t",
    ".",
    "!",
    "?",
    "-",
    " - ",
    '"',
    ' "',
    "'",
    "#",
    "1",
    "a",
    "milk ",
    "task ",
    "it ",
    "to ",
    "done ",
    "is ",
    "the ",
    "all ",
    "thanks ",
    "can you ",
    "description: ",
    "\u00a0",
    "\u2014",
    ":",
    # Times, repeats, reminders (issue 31).
    "every ",
    "at 5pm ",
    "5:30 ",
    "on the ",
    "1st ",
    "monday ",
    "tomorrow, ",
    "30 minutes ",
    "before ",
    "repeating ",
]
STARTS = [
    "",
    "so ",
    "add ",
    "please add ",
    "delete ",
    "remove ",
    "mark ",
    "rename ",
    "change ",
    "complete ",
    "check off ",
    "i need to ",
    "remind me to ",
    "show ",
    "hi ",
    "todo: ",
    'add "',
    "update task 1 description to ",
    "stop repeating ",
    "remind me 30 minutes before ",
    "move it to ",
    "what's due ",
]
ENDS = ["", "x", " x", " done", " please", " is done", " to x", " off my list", "!", '"']


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def cpu_seconds_to_plan(items: list[dict[str, Any]]) -> float:
    """The least CPU time of a few uncached plans; a first run compiles the patterns a process
    uses once."""
    plan_next_step(items, ALL_TOOLS)
    times = []
    gc.disable()
    try:
        for _ in range(REPEATS):
            _parse_intent.cache_clear()  # parse_intent caches by (message, today)
            _parsed_date.cache_clear()  # and dateparser's reading of a date phrase
            started = time.thread_time()
            plan_next_step(items, ALL_TOOLS)
            times.append(time.thread_time() - started)
    finally:
        gc.enable()
    return min(times)


@st.composite
def pathological_messages(draw: st.DrawFn) -> str:
    start, end = draw(st.sampled_from(STARTS)), draw(st.sampled_from(ENDS))
    pieces = draw(st.lists(st.sampled_from(RUNS), min_size=1, max_size=3))
    room = MAX_CHARS - len(start) - len(end)
    body = "".join(pieces) * (room // len("".join(pieces)))
    return start + body[:room] + end


FUZZ = hypothesis_settings(max_examples=150)  # no deadline: tests/conftest.py's profile


def test_the_message_from_the_review_plans_in_time():
    message = "so " * 444 + "," * 2667 + "x"
    assert cpu_seconds_to_plan([user(message)]) < BUDGET_S
    assert parse_intent(message).kind == "unknown"


@FUZZ
@given(pathological_messages())
def test_a_pathological_message_plans_in_time(message):
    assert len(message) <= MAX_CHARS
    assert cpu_seconds_to_plan([user(message)]) < BUDGET_S


@FUZZ
@given(
    st.lists(pathological_messages(), min_size=1, max_size=settings.CHAT_HISTORY_MAX_MESSAGES // 2)
)
def test_a_history_of_them_then_delete_it_plans_in_time(messages):
    history = [user("add buy milk"), assistant('Added "buy milk" (task #3).')]
    for message in messages:
        history += [user(message), assistant("Sorry, I can't help with that.")]
    assert cpu_seconds_to_plan([*history, user("delete it")]) < BUDGET_S


@FUZZ
@given(st.text(max_size=MAX_CHARS))
def test_any_text_plans_in_time(message):
    assert cpu_seconds_to_plan([user(message)]) < BUDGET_S


# --- The bounds keep the meaning ------------------------------------------------------------


def titles_added(message: str) -> list[str]:
    return [call.arguments["title"] for call in plan_next_step([user(message)], ALL_TOOLS).calls]


def test_runs_of_separators_and_spaces_split_like_one():
    assert titles_added("add milk,,, ;; eggs  and\u00a0\u00a0bread") == ["milk", "eggs", "bread"]
    assert titles_added("so so so please add milk, please!!!") == ["milk"]


def test_it_refers_to_a_task_of_the_last_few_turns_only():
    history = [user("add buy milk"), assistant('Added "buy milk" (task #3).')]
    chatter = [user("hello"), assistant("Hi there!")]
    recent = plan_next_step([*history, *chatter * 7, user("delete it")], ALL_TOOLS)
    assert [call.arguments for call in recent.calls] == [{"number": 3}]
    distant = plan_next_step([*history, *chatter * 8, user("delete it")], ALL_TOOLS)
    assert distant.calls == () and "Which task should I delete?" in distant.text
