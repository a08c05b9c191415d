"""The offline rule-based model: phrase -> tool calls, tool results -> replies, and the real SDK.

Run without Django: `pytest tests/test_offline_model.py -p no:django`.
"""

import asyncio
import json
import re
from typing import Any, Literal

import agents
import pytest
from agents import Agent, Runner, function_tool
from agents.model_settings import ModelSettings
from agents.models.interface import ModelTracing
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from chat.llm.offline.intents import NextStep
from chat.llm.offline.model import OFFLINE_MODEL_NAME, OfflineModel, tokenize
from chat.llm.offline.parsing import parse_intent
from chat.llm.offline.planning import plan_next_step

agents.set_tracing_disabled(True)

ALL_TOOLS = (
    "add_task",
    "list_tasks",
    "complete_task",
    "delete_task",
    "update_task",
    "undo_last_change",
)


# --- Helpers --------------------------------------------------------------------------------


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def task(number: int, title: str, completed: bool = False, description: str = "") -> dict:
    return {"number": number, "title": title, "description": description, "completed": completed}


def tool_round(name: str, arguments: dict, output: dict, call_id: str) -> list[dict[str, Any]]:
    """One function call and its JSON output, as the SDK puts them in the input."""
    return [
        {
            "type": "function_call",
            "call_id": call_id,
            "name": name,
            "arguments": json.dumps(arguments),
        },
        {"type": "function_call_output", "call_id": call_id, "output": json.dumps(output)},
    ]


def ok(action: str, item: dict) -> dict:
    return {"ok": True, "action": action, "task": item}


def listed(status: str, *items: dict) -> dict:
    return {"ok": True, "action": "listed", "status": status, "tasks": list(items)}


def not_found(number: int) -> dict:
    return {"ok": False, "error": f"You have no task #{number}."}


def calls_of(step: NextStep) -> list[tuple[str, dict]]:
    return [(call.name, call.arguments) for call in step.calls]


def plan(items: list[dict] | str, tools: tuple[str, ...] = ALL_TOOLS) -> NextStep:
    return plan_next_step(items, tools)


LIST_ALL = [("list_tasks", {"status": "all"})]


# --- First step: which tool calls a message leads to ----------------------------------------

FIRST_STEP_CASES = [
    # add
    ("add buy milk", [("add_task", {"title": "buy milk"})]),
    ("Add a task to buy milk", [("add_task", {"title": "buy milk"})]),
    ("remind me to call mom", [("add_task", {"title": "call mom"})]),
    ("I need to water the plants", [("add_task", {"title": "water the plants"})]),
    ("Can you please add buy milk?", [("add_task", {"title": "buy milk"})]),
    ("todo: buy stamps", [("add_task", {"title": "buy stamps"})]),
    ("new task: Water plants", [("add_task", {"title": "Water plants"})]),
    ("put milk on my list", [("add_task", {"title": "milk"})]),
    ("add milk and eggs", [("add_task", {"title": "milk"}), ("add_task", {"title": "eggs"})]),
    (
        "add milk, eggs and bread",
        [("add_task", {"title": t}) for t in ("milk", "eggs", "bread")],
    ),
    (
        "please add milk, eggs, and bread to my list",
        [("add_task", {"title": t}) for t in ("milk", "eggs", "bread")],
    ),
    (
        "add task: pay rent - before Friday",
        [("add_task", {"title": "pay rent", "description": "before Friday"})],
    ),
    (
        "add call the bank, notes: ask about fees",
        [("add_task", {"title": "call the bank", "description": "ask about fees"})],
    ),
    ('add "salt and pepper"', [("add_task", {"title": "salt and pepper"})]),
    # "and" splits only where each side reads as a task of its own (issue 27, item 2).
    ("add call mom and dad", [("add_task", {"title": "call mom and dad"})]),
    ("add buy salt and pepper", [("add_task", {"title": "buy salt and pepper"})]),
    ("add buy milk & eggs", [("add_task", {"title": "buy milk & eggs"})]),
    ("add buy milk and call mom", [("add_task", {"title": t}) for t in ("buy milk", "call mom")]),
    ("add milk and call mom", [("add_task", {"title": t}) for t in ("milk", "call mom")]),
    (
        "add eggs, bread and butter",
        [("add_task", {"title": t}) for t in ("eggs", "bread", "butter")],
    ),
    (
        "add call the dentist, pay rent and water the plants",
        [("add_task", {"title": t}) for t in ("call the dentist", "pay rent", "water the plants")],
    ),
    (
        "add buy milk; call mom and dad",
        [("add_task", {"title": t}) for t in ("buy milk", "call mom and dad")],
    ),
    ("hi! add milk please", [("add_task", {"title": "milk"})]),
    # undo: the assistant takes back its own last change (issue 27, item 4)
    ("undo", [("undo_last_change", {})]),
    ("undo that", [("undo_last_change", {})]),
    ("please undo the last change", [("undo_last_change", {})]),
    ("take that back", [("undo_last_change", {})]),
    # list
    ("list my tasks", [("list_tasks", {"status": "all"})]),
    ("show tasks", [("list_tasks", {"status": "all"})]),
    ("What's on my list?", [("list_tasks", {"status": "all"})]),
    ("what\u2019s left?", [("list_tasks", {"status": "pending"})]),
    ("what is pending", [("list_tasks", {"status": "pending"})]),
    ("what's not done yet?", [("list_tasks", {"status": "pending"})]),
    ("show completed tasks", [("list_tasks", {"status": "completed"})]),
    ("what have I done", [("list_tasks", {"status": "completed"})]),
    ("show me all my tasks", [("list_tasks", {"status": "all"})]),
    # complete, by id or by title (title -> list first)
    ("complete task 3", [("complete_task", {"number": 3})]),
    ("complete task number 3", [("complete_task", {"number": 3})]),
    ("delete task number 2", [("delete_task", {"number": 2})]),
    ("mark 3 as done", [("complete_task", {"number": 3})]),
    ("Please mark #12 as completed.", [("complete_task", {"number": 12})]),
    ("I finished buy milk", LIST_ALL),
    ("done with call mom", LIST_ALL),
    ("check off milk", LIST_ALL),
    # delete
    ("delete task 2", [("delete_task", {"number": 2})]),
    ("remove buy milk", LIST_ALL),
    ("take milk off my list", LIST_ALL),
    # update
    (
        "rename task 2 to buy oat milk",
        [("update_task", {"number": 2, "title": "buy oat milk", "description": None})],
    ),
    ("change buy milk to buy oat milk", LIST_ALL),
    (
        "update task 4 description to call the landlord first",
        [
            (
                "update_task",
                {"number": 4, "title": None, "description": "call the landlord first"},
            )
        ],
    ),
]


@pytest.mark.parametrize(("message", "expected"), FIRST_STEP_CASES)
def test_first_step_tool_calls(message, expected):
    step = plan([user(message)])
    assert calls_of(step) == expected
    assert step.text == ""


# --- Replies without tools ------------------------------------------------------------------

TALK_CASES = [
    ("hi", "I can add, list, complete"),
    ("Hello!", "I can add, list, complete"),
    ("thanks!", "You're welcome"),
    ("help", "**Add**"),
    ("what can you do?", "**Complete**"),
    ("What's the weather?", "I only manage your tasks"),
    ("add", "What should I add?"),
    ("rename task 2", "What should I change?"),
    ("delete all tasks", "one task at a time"),
    ("delete it", "Which task should I delete?"),
]


@pytest.mark.parametrize(("message", "expected"), TALK_CASES)
def test_replies_without_tool_calls(message, expected):
    step = plan([user(message)])
    assert step.calls == ()
    assert expected in step.text


def test_help_suggests_titles_not_task_numbers():
    """Ids are global (a new user's first task may be #11): examples name tasks by title."""
    text = plan([user("help")]).text
    assert '"complete buy milk"' in text
    assert not re.search(r"task \d", text)


# --- Final replies after the tools returned -------------------------------------------------

ADD_MILK = tool_round("add_task", {"title": "buy milk"}, ok("added", task(3, "buy milk")), "c1")

AFTER_TOOLS_CASES = [
    pytest.param([user("add buy milk"), *ADD_MILK], 'Added "buy milk" (task #3).', id="added"),
    pytest.param(
        [
            user("add milk and eggs"),
            *tool_round("add_task", {"title": "milk"}, ok("added", task(3, "milk")), "c1"),
            *tool_round("add_task", {"title": "eggs"}, ok("added", task(4, "eggs")), "c2"),
        ],
        'Added 2 tasks:\n- "milk" (task #3)\n- "eggs" (task #4)',
        id="added-two",
    ),
    pytest.param(
        [
            user("undo that"),
            *tool_round(
                "undo_last_change",
                {},
                {
                    "ok": True,
                    "action": "undone",
                    "call_id": "c0",
                    "kind": "add",
                    "task": task(3, "buy milk"),
                },
                "c1",
            ),
        ],
        'Undone: "buy milk" (task #3) is removed again.',
        id="undone-add",
    ),
    pytest.param(
        [
            user("undo"),
            *tool_round(
                "undo_last_change",
                {},
                {"ok": False, "error": "There is no change of mine left to undo."},
                "c1",
            ),
        ],
        "Sorry, that didn't work: There is no change of mine left to undo.",
        id="nothing-to-undo",
    ),
    pytest.param(
        [
            user("add pay rent due friday and call mom tomorrow"),
            *tool_round(
                "add_task",
                {"title": "pay rent", "due_date": "2026-12-11"},
                ok("added", task(3, "pay rent") | {"due_date": "2026-12-11"}),
                "c1",
            ),
            *tool_round(
                "add_task",
                {"title": "call mom", "due_date": "2026-12-05"},
                ok("added", task(4, "call mom") | {"due_date": "2026-12-05"}),
                "c2",
            ),
        ],
        'Added 2 tasks:\n- "pay rent" (task #3), due Friday, Dec 11\n'
        '- "call mom" (task #4), due Saturday, Dec 5',
        id="added-two-each-with-its-date",
    ),
    pytest.param(
        [
            user("add task: pay rent - before Friday"),
            *tool_round(
                "add_task",
                {"title": "pay rent", "description": "before Friday"},
                ok("added", task(5, "pay rent", description="before Friday")),
                "c1",
            ),
        ],
        'Added "pay rent" (task #5) with the note "before Friday".',
        id="added-with-description",
    ),
    pytest.param(
        [
            user("show my tasks"),
            *tool_round(
                "list_tasks",
                {"status": "all"},
                listed("all", task(1, "buy milk"), task(2, "call mom", completed=True)),
                "c1",
            ),
        ],
        "You have 2 tasks:\n- #1 buy milk\n- #2 call mom \u2713",
        id="listed-all",
    ),
    pytest.param(
        [
            user("what's left?"),
            *tool_round("list_tasks", {"status": "pending"}, listed("pending"), "c1"),
        ],
        "Nothing pending: you're all caught up!",
        id="listed-empty-pending",
    ),
    pytest.param(
        [
            user("complete task 3"),
            *tool_round(
                "complete_task", {"number": 3}, ok("completed", task(3, "buy milk", True)), "c1"
            ),
        ],
        'Nice work! Marked "buy milk" (task #3) as done. \u2713',
        id="completed",
    ),
    pytest.param(
        [user("complete task 7"), *tool_round("complete_task", {"number": 7}, not_found(7), "c1")],
        "I couldn't find task 7.",
        id="not-found",
    ),
    pytest.param(
        [
            user("add " + "x" * 300),
            *tool_round(
                "add_task",
                {"title": "x" * 300},
                {"ok": False, "error": "Ensure this value has at most 200 characters."},
                "c1",
            ),
        ],
        "Sorry, that didn't work: Ensure this value has at most 200 characters.",
        id="validation-error",
    ),
    pytest.param(
        [
            user("add " + "x" * 300),
            *tool_round(
                "add_task",
                {"title": "x" * 300},
                {
                    "ok": False,
                    "error": "title: Task titles can be up to 200 characters — this one has 300.",
                },
                "c1",
            ),
        ],
        "Sorry, that didn't work: Task titles can be up to 200 characters — this one has 300.",
        id="title-too-long-in-words",
    ),
    pytest.param(
        [
            user("delete task 2"),
            *tool_round("delete_task", {"number": 2}, ok("deleted", task(2, "call mom")), "c1"),
        ],
        'Deleted "call mom" (task #2).',
        id="deleted",
    ),
    pytest.param(
        [
            user("rename task 2 to buy oat milk"),
            *tool_round(
                "update_task",
                {"number": 2, "title": "buy oat milk", "description": None},
                ok("updated", task(2, "buy oat milk")),
                "c1",
            ),
        ],
        'Renamed task #2 to "buy oat milk".',
        id="renamed",
    ),
    pytest.param(
        [
            user("update task 4 description to call first"),
            *tool_round(
                "update_task",
                {"number": 4, "title": None, "description": "call first"},
                ok("updated", task(4, "fix sink", description="call first")),
                "c1",
            ),
        ],
        'Updated the description of "fix sink" (task #4) to "call first".',
        id="description-updated",
    ),
]


@pytest.mark.parametrize(("items", "expected"), AFTER_TOOLS_CASES)
def test_final_reply_reflects_tool_results(items, expected):
    step = plan(items)
    assert step.calls == ()
    assert step.text == expected


# --- By title: list first, then act on the matching id --------------------------------------

TASKS = [
    task(1, "buy milk"),
    task(2, "Call Mom"),
    task(3, "buy oat milk"),
    task(4, "water the plants", completed=True),
]

BY_TITLE_CASES = [
    ("I finished buy milk", [("complete_task", {"number": 1})], None),  # exact beats substring
    ("done with call mom", [("complete_task", {"number": 2})], None),  # case-insensitive
    ("check off plants", [], "is already done"),
    ("remove buy milk", [("delete_task", {"number": 1})], None),
    ("delete the plants task", [("delete_task", {"number": 4})], None),
    (
        "change call mom to call mom and dad",
        [("update_task", {"number": 2, "title": "call mom and dad", "description": None})],
        None,
    ),
    ("complete milk", [], 'A few tasks match "milk"'),
    ("remove dentist", [], 'I couldn\'t find a task matching "dentist".'),
]


@pytest.mark.parametrize(("message", "expected_calls", "expected_text"), BY_TITLE_CASES)
def test_by_title_picks_task_from_listing(message, expected_calls, expected_text):
    first = plan([user(message)])
    assert calls_of(first) == LIST_ALL
    items = [
        user(message),
        *tool_round("list_tasks", {"status": "all"}, listed("all", *TASKS), "c1"),
    ]
    second = plan(items)
    assert calls_of(second) == expected_calls
    if expected_text:
        assert expected_text in second.text


def test_ambiguous_title_lists_the_candidates():
    items = [
        user("complete milk"),
        *tool_round("list_tasks", {"status": "all"}, listed("all", *TASKS), "c1"),
    ]
    text = plan(items).text
    assert "- #1 buy milk" in text and "- #3 buy oat milk" in text
    assert "Which one should I complete?" in text


# --- Follow-ups that use the conversation ---------------------------------------------------

FOLLOW_UP_CASES = [
    ("delete it", [("delete_task", {"number": 3})]),
    ("complete it", [("complete_task", {"number": 3})]),
    ("mark it done", [("complete_task", {"number": 3})]),
    ("it's done!", [("complete_task", {"number": 3})]),
    (
        "rename it to buy oat milk",
        [("update_task", {"number": 3, "title": "buy oat milk", "description": None})],
    ),
]


@pytest.mark.parametrize(("message", "expected"), FOLLOW_UP_CASES)
def test_pronoun_uses_the_task_from_the_previous_turn(message, expected):
    history = [user("add buy milk"), *ADD_MILK, assistant('Added "buy milk" (task #3).')]
    assert (
        calls_of(plan([*history, user("thanks"), assistant("You're welcome!"), user(message)]))
        == expected
    )
    assert calls_of(plan([*history, user(message)])) == expected


def test_pronoun_after_adding_two_uses_the_latest():
    history = [
        user("add milk and eggs"),
        *tool_round("add_task", {"title": "milk"}, ok("added", task(3, "milk")), "c1"),
        *tool_round("add_task", {"title": "eggs"}, ok("added", task(4, "eggs")), "c2"),
    ]
    assert calls_of(plan([*history, user("delete it")])) == [("delete_task", {"number": 4})]


def test_pronoun_from_text_only_history():
    history = [
        user("add buy milk"),
        {"role": "assistant", "content": 'Added "buy milk" (task #3).'},
    ]
    assert calls_of(plan([*history, user("complete it")])) == [("complete_task", {"number": 3})]


def test_pronoun_after_a_failed_turn_asks_instead_of_guessing():
    history = [
        user("add buy milk"),
        *ADD_MILK,
        user("complete task 9"),
        *tool_round("complete_task", {"number": 9}, not_found(9), "c2"),
        assistant("I couldn't find task 9."),
    ]
    assert "Which task should I delete?" in plan([*history, user("delete it")]).text


def test_a_number_answers_which_task():
    history = [
        user("complete milk"),
        *tool_round("list_tasks", {"status": "all"}, listed("all", *TASKS), "c1"),
        assistant("A few tasks match..."),
    ]
    assert calls_of(plan([*history, user("3")])) == [("complete_task", {"number": 3})]
    assert calls_of(plan([*history, user("task 1 please")])) == [("complete_task", {"number": 1})]


def test_by_title_flow_after_completion_replies():
    items = [
        user("I finished buy milk"),
        *tool_round("list_tasks", {"status": "all"}, listed("all", *TASKS), "c1"),
        *tool_round(
            "complete_task", {"number": 1}, ok("completed", task(1, "buy milk", True)), "c2"
        ),
    ]
    step = plan(items)
    assert step.calls == ()
    assert 'Marked "buy milk" (task #1) as done' in step.text


# --- Tools that are not offered, odd inputs --------------------------------------------------


def test_only_offered_tools_are_called():
    assert plan([user("add buy milk")], tools=("list_tasks",)).text.startswith("Sorry, I can't add")
    assert "Which task" in plan([user("remove buy milk")], tools=("delete_task",)).text
    assert calls_of(plan([user("delete task 2")], tools=("delete_task",))) == [
        ("delete_task", {"number": 2})
    ]


def test_pydantic_items_and_content_parts_are_understood():
    call = ResponseFunctionToolCall(
        type="function_call", call_id="c1", name="add_task", arguments='{"title": "buy milk"}'
    )
    items = [
        {"role": "user", "content": [{"type": "input_text", "text": "add buy milk"}]},
        call,
        {
            "type": "function_call_output",
            "call_id": "c1",
            "output": json.dumps(ok("added", task(3, "buy milk"))),
        },
    ]
    assert plan(items).text == 'Added "buy milk" (task #3).'
    assert calls_of(plan("show tasks")) == LIST_ALL


def test_a_non_json_tool_output_is_relayed_as_an_error():
    items = [user("delete task 2"), *tool_round("delete_task", {"number": 2}, {}, "c1")]
    items[-1]["output"] = "An error occurred while running the tool."
    assert plan(items).text == "Sorry, that didn't work: An error occurred while running the tool."


def test_parse_intent_keeps_the_users_capitalisation():
    assert parse_intent("Add Buy Milk").tasks[0].title == "Buy Milk"


# --- The Model: events, usage, pacing --------------------------------------------------------


class FakeTool:
    def __init__(self, name: str):
        self.name = name


TOOLS = [FakeTool(name) for name in ALL_TOOLS]


def model_args(items: list[dict]) -> dict[str, Any]:
    return {
        "system_instructions": None,
        "input": items,
        "model_settings": ModelSettings(),
        "tools": TOOLS,
        "output_schema": None,
        "handoffs": [],
        "tracing": ModelTracing.DISABLED,
        "previous_response_id": None,
        "conversation_id": None,
        "prompt": None,
    }


def collect(model: OfflineModel, items: list[dict]) -> list[Any]:
    async def run() -> list[Any]:
        return [event async for event in model.stream_response(**model_args(items))]

    return asyncio.run(run())


def test_stream_of_a_text_reply_has_one_delta_per_token():
    events = collect(OfflineModel(), [user("help")])
    types = [event.type for event in events]
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    final = events[-1].response
    text = final.output[0].content[0].text
    assert "".join(deltas) == text and deltas == tokenize(text) and len(deltas) > 10
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert final.model == OFFLINE_MODEL_NAME
    assert final.usage.output_tokens == len(deltas)
    assert final.usage.input_tokens >= 1
    assert final.usage.total_tokens == final.usage.input_tokens + final.usage.output_tokens


def test_stream_of_tool_calls():
    events = collect(OfflineModel(), [user("add milk and eggs")])
    types = [event.type for event in events]
    assert types.count("response.function_call_arguments.delta") == 2
    assert types.count("response.function_call_arguments.done") == 2
    assert "response.output_text.delta" not in types
    calls = events[-1].response.output
    assert [json.loads(c.arguments) for c in calls] == [{"title": "milk"}, {"title": "eggs"}]
    call_ids = [c.call_id for c in calls]
    assert all(call_ids) and len(set(call_ids)) == 2


def test_get_response_matches_the_stream():
    async def run():
        return await OfflineModel(first_token_ms=10_000).get_response(
            **model_args([user("add buy milk")])
        )

    response = asyncio.run(run())
    (item,) = response.output
    assert isinstance(item, ResponseFunctionToolCall)
    assert (item.name, json.loads(item.arguments)) == ("add_task", {"title": "buy milk"})
    assert item.call_id.startswith("call_")
    assert response.response_id and response.usage.requests == 1
    assert response.usage.output_tokens > 0


# --- The real SDK drives the model ----------------------------------------------------------


class Store:
    """An in-memory task store behind real `function_tool`s returning the tools' JSON.

    The tools are coroutines: the SDK runs a turn's calls concurrently, a sync tool on a thread
    of its own, and "add milk and eggs" then numbered its two tasks in whichever order the
    threads ran (a clock-sweep run under load: 'eggs' first)."""

    def __init__(self, *titles: str):
        self.tasks: dict[int, dict] = {}
        self.calls: list[str] = []
        for title in titles:
            self._add(title, "")

    def _add(self, title: str, description: str) -> dict:
        new_id = max(self.tasks, default=0) + 1
        self.tasks[new_id] = task(new_id, title, description=description)
        return self.tasks[new_id]

    def _get(self, number: int) -> dict | None:
        return self.tasks.get(number)

    def tools(self) -> list:
        store = self

        @function_tool
        async def add_task(title: str, description: str = "") -> str:
            """Add a task."""
            store.calls.append("add_task")
            return json.dumps(ok("added", store._add(title, description)))

        @function_tool
        async def list_tasks(status: Literal["all", "pending", "completed"] = "all") -> str:
            """List tasks."""
            store.calls.append("list_tasks")
            wanted = {"all": None, "pending": False, "completed": True}[status]
            items = [t for t in store.tasks.values() if wanted is None or t["completed"] == wanted]
            return json.dumps(listed(status, *items))

        @function_tool
        async def complete_task(number: int) -> str:
            """Complete a task."""
            store.calls.append("complete_task")
            if (item := store._get(number)) is None:
                return json.dumps(not_found(number))
            item["completed"] = True
            return json.dumps(ok("completed", item))

        @function_tool
        async def delete_task(number: int) -> str:
            """Delete a task."""
            store.calls.append("delete_task")
            if (item := store.tasks.pop(number, None)) is None:
                return json.dumps(not_found(number))
            return json.dumps(ok("deleted", item))

        @function_tool
        async def update_task(
            number: int, title: str | None = None, description: str | None = None
        ) -> str:
            """Update a task."""
            store.calls.append("update_task")
            if (item := store._get(number)) is None:
                return json.dumps(not_found(number))
            item.update({k: v for k, v in (("title", title), ("description", description)) if v})
            return json.dumps(ok("updated", item))

        return [add_task, list_tasks, complete_task, delete_task, update_task]


def agent_for(store: Store) -> Agent:
    return Agent(
        name="Taskstream", instructions="Manage tasks.", model=OfflineModel(), tools=store.tools()
    )


def test_real_runner_streamed():
    store = Store()

    async def run():
        result = Runner.run_streamed(agent_for(store), "add milk and eggs")
        events = [event async for event in result.stream_events()]
        return result, events

    result, events = asyncio.run(run())
    raw_deltas = [
        event.data.delta
        for event in events
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"
    ]
    tool_outputs = [
        event.item.output
        for event in events
        if event.type == "run_item_stream_event" and event.name == "tool_output"
    ]
    assert store.calls == ["add_task", "add_task"]
    assert [t["title"] for t in store.tasks.values()] == ["milk", "eggs"]
    assert len(tool_outputs) == 2
    assert len(raw_deltas) > 3
    assert "".join(raw_deltas) == result.final_output
    assert result.final_output == 'Added 2 tasks:\n- "milk" (task #1)\n- "eggs" (task #2)'
    assert result.context_wrapper.usage.requests == 2
    assert result.context_wrapper.usage.output_tokens > 0


def test_real_runner_not_streamed_with_follow_up():
    store = Store()

    async def run():
        agent = agent_for(store)
        first = await Runner.run(agent, "remind me to call mom")
        second = await Runner.run(agent, [*first.to_input_list(), user("mark it done")])
        return first, second

    first, second = asyncio.run(run())
    assert first.final_output == 'Added "call mom" (task #1).'
    assert second.final_output == 'Nice work! Marked "call mom" (task #1) as done. \u2713'
    assert store.tasks[1]["completed"] is True
    assert isinstance(second.raw_responses[-1].output[0], ResponseOutputMessage)


def test_real_runner_by_title_lists_then_completes():
    store = Store("buy milk", "call mom", "water the plants")

    async def run():
        result = Runner.run_streamed(agent_for(store), "I finished Call Mom")
        async for _ in result.stream_events():
            pass
        return result

    result = asyncio.run(run())
    assert store.calls == ["list_tasks", "complete_task"]
    assert store.tasks[2]["completed"] is True
    assert result.final_output == 'Nice work! Marked "call mom" (task #2) as done. \u2713'


def test_real_runner_reports_a_failure():
    store = Store("buy milk")
    result = asyncio.run(Runner.run(agent_for(store), "delete task 7"))
    assert store.calls == ["delete_task"]
    assert result.final_output == "I couldn't find task 7."
