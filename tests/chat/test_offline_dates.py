"""The offline model and due dates: every phrase family, resolved against the user's today
as the agent's instructions carry it, at a fixed today and in two time zones whose date is
not UTC's at that instant."""

import asyncio
from datetime import UTC, date, datetime

import pytest

from chat.llm.offline.dates import resolve_date, split_due, today_from_instructions
from chat.llm.offline.model import OfflineModel
from chat.llm.offline.parsing import parse_intent
from tests.chat.offline_zones import calls_with, instructions_at, local_date
from tests.chat.test_offline_model import (
    assistant,
    listed,
    model_args,
    ok,
    task,
    tool_round,
    user,
)

# (zone, the instant): at the last two, UTC's date is another day than the user's.
SCENARIOS = {
    # A fixed Friday, where the zone is UTC.
    "fixed-friday": ("UTC", "2026-12-04T12:00:00+00:00"),
    # 23:30 UTC on Friday: already Saturday 13:30 in Kiritimati (UTC+14).
    "kiritimati": ("Pacific/Kiritimati", "2026-12-04T23:30:00+00:00"),
    # 00:30 UTC on Saturday: still Friday 16:30 in Los Angeles (UTC-8).
    "los-angeles": ("America/Los_Angeles", "2026-12-05T00:30:00+00:00"),
}


def test_the_scenarios_local_dates_differ_from_utcs():
    assert local_date(*SCENARIOS["fixed-friday"]) == date(2026, 12, 4)
    assert local_date(*SCENARIOS["kiritimati"]) == date(2026, 12, 5)
    assert datetime.fromisoformat(SCENARIOS["kiritimati"][1]).date() == date(2026, 12, 4)
    assert local_date(*SCENARIOS["los-angeles"]) == date(2026, 12, 4)
    assert datetime.fromisoformat(SCENARIOS["los-angeles"][1]).date() == date(2026, 12, 5)


def instructions_for(scenario: str) -> str:
    return instructions_at(*SCENARIOS[scenario])


def model_calls(scenario: str, items: list[dict]) -> list[tuple[str, dict]]:
    """What the offline model calls next, given the instructions of `scenario`."""
    return calls_with(instructions_for(scenario), items)


# --- Adding with a date ---------------------------------------------------------------------

# message, title, then the due date in each scenario (fixed Friday, Kiritimati Saturday,
# Los Angeles Friday). A weekday is its next occurrence, today excluded.
ADDS = [
    ("add pay rent due friday", "pay rent", ("2026-12-11", "2026-12-11", "2026-12-11")),
    ("add pay rent due saturday", "pay rent", ("2026-12-05", "2026-12-12", "2026-12-05")),
    ("add call mom tomorrow", "call mom", ("2026-12-05", "2026-12-06", "2026-12-05")),
    ("add water plants today", "water plants", ("2026-12-04", "2026-12-05", "2026-12-04")),
    ("add renew passport by 2026-12-05", "renew passport", ("2026-12-05",) * 3),
    ("add dentist on dec 5", "dentist", ("2026-12-05", "2026-12-05", "2026-12-05")),
    ("add dentist on dec 4", "dentist", ("2026-12-04", "2027-12-04", "2026-12-04")),
    ("add book flights next friday", "book flights", ("2026-12-11",) * 3),
    ("add send invoice in 3 days", "send invoice", ("2026-12-07", "2026-12-08", "2026-12-07")),
    ("remind me to call bob on monday", "call bob", ("2026-12-07",) * 3),
]


@pytest.mark.parametrize("index, scenario", list(enumerate(SCENARIOS)))
@pytest.mark.parametrize("message, title, dates", ADDS)
def test_add_with_a_date_phrase(message, title, dates, index, scenario):
    assert model_calls(scenario, [user(message)]) == [
        ("add_task", {"title": title, "due_date": dates[index]})
    ]


@pytest.mark.parametrize(
    "message, expected",
    [
        ("add buy milk", [("add_task", {"title": "buy milk"})]),
        # Without "due"/"on"/"by", only unmistakable dates count: these are titles.
        ("add march on washington", [("add_task", {"title": "march on washington"})]),
        ("add read may 5", [("add_task", {"title": "read may 5"})]),
        ("add tomorrow", [("add_task", {"title": "tomorrow"})]),
        # A date after a description's dash belongs to the description.
        (
            "add pay rent - before friday",
            [("add_task", {"title": "pay rent", "description": "before friday"})],
        ),
        # Each part of a compound request has its own date phrase (issue 27, item 1).
        (
            "add milk and eggs tomorrow",
            [
                ("add_task", {"title": "milk"}),
                ("add_task", {"title": "eggs", "due_date": "2026-12-05"}),
            ],
        ),
        (
            "add pay rent due friday and call mom tomorrow",
            [
                ("add_task", {"title": "pay rent", "due_date": "2026-12-11"}),
                ("add_task", {"title": "call mom", "due_date": "2026-12-05"}),
            ],
        ),
        (
            "add pay rent due friday and buy milk",
            [
                ("add_task", {"title": "pay rent", "due_date": "2026-12-11"}),
                ("add_task", {"title": "buy milk"}),
            ],
        ),
        (
            "add buy milk, pay rent due monday and call mom",
            [
                ("add_task", {"title": "buy milk"}),
                ("add_task", {"title": "pay rent", "due_date": "2026-12-07"}),
                ("add_task", {"title": "call mom"}),
            ],
        ),
        # A title kept whole takes the date that ends the message.
        (
            'add "salt and pepper" tomorrow',
            [("add_task", {"title": "salt and pepper", "due_date": "2026-12-05"})],
        ),
    ],
)
def test_adds_that_are_not_or_are_partly_dated(message, expected):
    assert model_calls("fixed-friday", [user(message)]) == expected


# --- Moving and clearing ---------------------------------------------------------------------

RENT = task(4, "pay rent") | {"due_date": "2026-12-04"}


@pytest.mark.parametrize("index, scenario", list(enumerate(SCENARIOS)))
@pytest.mark.parametrize(
    "message, dates",
    [
        ("move pay rent to monday", ("2026-12-07",) * 3),
        ("postpone pay rent to tomorrow", ("2026-12-05", "2026-12-06", "2026-12-05")),
        ("reschedule pay rent to dec 10", ("2026-12-10",) * 3),
    ],
)
def test_move_a_task_to_a_date(message, dates, index, scenario):
    assert model_calls(scenario, [user(message)]) == [("list_tasks", {"status": "all"})]
    items = [user(message), *tool_round("list_tasks", {"status": "all"}, listed("all", RENT), "c1")]
    assert model_calls(scenario, items) == [
        (
            "update_task",
            {"number": 4, "title": None, "description": None, "due_date": dates[index]},
        )
    ]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize(
    "message",
    [
        "remove the date from pay rent",
        "clear the due date of pay rent",
        "remove the deadline from pay rent",
    ],
)
def test_remove_the_date_from_a_task(message, scenario):
    items = [user(message), *tool_round("list_tasks", {"status": "all"}, listed("all", RENT), "c1")]
    assert model_calls(scenario, items) == [
        (
            "update_task",
            {"number": 4, "title": None, "description": None, "clear_due_date": True},
        )
    ]


def test_move_by_number_and_by_pronoun():
    assert model_calls("fixed-friday", [user("move task 4 to friday")]) == [
        (
            "update_task",
            {"number": 4, "title": None, "description": None, "due_date": "2026-12-11"},
        )
    ]
    earlier = [
        user("add pay rent"),
        *tool_round("add_task", {"title": "pay rent"}, ok("added", task(4, "pay rent")), "c1"),
        assistant('Added "pay rent" (task #4).'),
    ]
    cleared = [
        ("update_task", {"number": 4, "title": None, "description": None, "clear_due_date": True})
    ]
    assert model_calls("fixed-friday", [*earlier, user("remove the date from it")]) == cleared
    assert model_calls("fixed-friday", [*earlier, user("clear its due date")]) == cleared


def test_a_task_with_date_in_its_title_is_deleted_not_undated():
    assert parse_intent("remove the date night task").kind == "delete"


# --- Questions -------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize(
    "message, due",
    [
        ("what's due today?", "today"),
        ("what is due today", "today"),
        ("what's due tomorrow?", "tomorrow"),
        ("anything due tomorrow", "tomorrow"),
        ("what's due this week?", "week"),
        ("anything due this week", "week"),
        # The next calendar week, Monday to Sunday: not "this week" (issue 31).
        ("what's due next week?", "next_week"),
        ("what is due next week", "next_week"),
        ("show tasks due next week", "next_week"),
        # A day asked about, "due" unsaid.
        ("what do I have tomorrow?", "tomorrow"),
        ("what's on tomorrow?", "tomorrow"),
        ("show me tomorrow's tasks", "tomorrow"),
        ("tasks for today", "today"),
        ("anything for next week?", "next_week"),
        ("what's left this week?", "week"),
        ("what's overdue?", "overdue"),
        ("show overdue tasks", "overdue"),
        ("which tasks have no due date?", "none"),
    ],
)
def test_questions_about_due_dates_list_with_the_due_filter(message, due, scenario):
    # The tool counts from the user's zone on the server; the model only names the filter.
    assert model_calls(scenario, [user(message)]) == [
        ("list_tasks", {"status": "pending", "due": due})
    ]


@pytest.mark.parametrize(
    "due, tasks, expected",
    [
        ("today", [RENT], "You have 1 task due today:\n- #4 pay rent (due Fri, Dec 4)"),
        ("overdue", [], "Nothing is overdue: you're on track!"),
        ("week", [], "Nothing is due this week."),
        ("tomorrow", [], "Nothing is due tomorrow."),
        ("next_week", [], "Nothing is due next week."),
        ("next_week", [RENT], "You have 1 task due next week:\n- #4 pay rent (due Fri, Dec 4)"),
        (
            "tomorrow",
            [RENT | {"due_time": "17:00", "recurrence_text": "every month"}],
            "You have 1 task due tomorrow:\n- #4 pay rent (due Fri, Dec 4, 5:00 PM, every month)",
        ),
        (
            "overdue",
            [RENT, task(5, "call mom") | {"due_date": "2026-12-01"}],
            "2 tasks are overdue:\n- #4 pay rent (due Fri, Dec 4)\n- #5 call mom (due Tue, Dec 1)",
        ),
    ],
)
def test_replies_to_due_questions(due, tasks, expected):
    arguments = {"status": "pending", "due": due}
    output = listed("pending", *tasks) | {"due": due}
    items = [user("what's due?"), *tool_round("list_tasks", arguments, output, "c1")]
    response = asyncio.run(
        OfflineModel().get_response(**model_args(items) | {"system_instructions": None})
    )
    assert response.output[0].content[0].text == expected


def test_replies_name_the_date():
    dated = task(4, "pay rent") | {"due_date": "2026-12-11"}
    cases = [
        ("add pay rent due friday", "add_task", {"title": "pay rent", "due_date": "2026-12-11"},
         ok("added", dated), 'Added "pay rent" (task #4), due Friday, Dec 11.'),
        ("move task 4 to friday", "update_task", {"number": 4, "due_date": "2026-12-11"},
         ok("updated", dated), 'Moved "pay rent" (task #4) to Friday, Dec 11.'),
        ("remove the date from task 4", "update_task", {"number": 4, "clear_due_date": True},
         ok("updated", task(4, "pay rent") | {"due_date": None}),
         'Removed the due date from "pay rent" (task #4).'),
    ]  # fmt: skip
    for message, name, arguments, output, expected in cases:
        items = [user(message), *tool_round(name, arguments, output, "c1")]
        response = asyncio.run(OfflineModel().get_response(**model_args(items)))
        assert response.output[0].content[0].text == expected, message


# --- The parts ---------------------------------------------------------------------------------


def test_today_comes_from_the_instructions_line_the_agent_writes():
    for scenario, (zone, instant) in SCENARIOS.items():
        assert today_from_instructions(instructions_for(scenario)) == local_date(zone, instant)
    assert today_from_instructions(None) == datetime.now(UTC).date()
    assert today_from_instructions("Today is Friday, 2026-02-30 in the user's time zone.") == (
        datetime.now(UTC).date()
    )


@pytest.mark.parametrize(
    "phrase",
    [
        "",
        "pay rent",
        "the top",
        "2026-13-01",
        "one two three four five",
        "noon",
        "due dec 40",
        "on dec 5 20270",
        "in 1000 days",
        "in 99999999999999999999 days",
    ],
)
def test_phrases_that_name_no_date(phrase):
    assert split_due(f"add {phrase}", date(2026, 12, 4)) == (f"add {phrase}", None)


def test_a_date_past_the_calendars_end_is_no_date_not_a_crash():
    last = date(9999, 12, 31)
    assert split_due("add x due friday", last) == ("add x due friday", None)
    assert parse_intent("move task 3 to monday", last).kind == "unknown"


def test_a_long_message_is_read_in_linear_time():
    """Only the last few words are ever given to the date parser."""
    text = "add " + "on " * 2000 + "friday"
    assert split_due(text, date(2026, 12, 4))[1] == date(2026, 12, 11)
    assert resolve_date("on " * 2000, date(2026, 12, 4)) is None
    intent = parse_intent("move " + "to " * 1300 + "friday", date(2026, 12, 4))  # < 4000 chars
    assert (intent.kind, intent.new_due_date) == ("update", "2026-12-11")
