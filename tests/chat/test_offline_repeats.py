"""The offline model and repeats: every repeat phrase of issue 31 as an RRULE, due on its first
occurrence, at fixed todays in two time zones (Europe/Berlin the day before its summer time
starts, America/New_York the day before its winter time starts, each on a local date that is
not UTC's at that instant); stopping and starting a task's repeat."""

from datetime import date

import pytest
from dateutil.rrule import rrulestr

from chat.llm.offline.parsing import parse_intent
from chat.llm.offline.repeats import first_occurrence, parse_repeat, split_repeat
from tests.chat.offline_zones import calls_with, instructions_at, local_date, reply_with
from tests.chat.test_offline_model import assistant, listed, ok, task, tool_round, user

# At 23:30 UTC on Friday it is already Saturday 00:30 in Berlin; at 02:30 UTC on Saturday it
# is still Friday 22:30 in New York.
ZONES = {
    "berlin": ("Europe/Berlin", "2026-03-27T23:30:00+00:00"),
    "new-york": ("America/New_York", "2026-10-31T02:30:00+00:00"),
}


def test_the_zones_todays():
    assert local_date(*ZONES["berlin"]) == date(2026, 3, 28)  # a Saturday
    assert local_date(*ZONES["new-york"]) == date(2026, 10, 30)  # a Friday


def calls(zone: str, items: list[dict]) -> list[tuple[str, dict]]:
    return calls_with(instructions_at(*ZONES[zone]), items)


# message -> the add_task call's arguments, then the due date in Berlin and in New York.
ADDS = [
    ("water the plants every monday",
     {"title": "water the plants", "recurrence": "FREQ=WEEKLY;BYDAY=MO"},
     ("2026-03-30", "2026-11-02")),
    ("pay rent on the 1st of every month",
     {"title": "pay rent", "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1"},
     ("2026-04-01", "2026-11-01")),
    ("add standup every weekday",
     {"title": "standup", "recurrence": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"},
     ("2026-03-30", "2026-10-30")),
    ("add team sync every 2 weeks",
     {"title": "team sync", "recurrence": "FREQ=WEEKLY;INTERVAL=2"},
     ("2026-03-28", "2026-10-30")),
    ("add backups every month on the 1st",
     {"title": "backups", "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1"},
     ("2026-04-01", "2026-11-01")),
    ("add pay the bills monthly on the 31st",
     {"title": "pay the bills", "recurrence": "FREQ=MONTHLY;BYMONTHDAY=31"},
     ("2026-03-31", "2026-10-31")),
    ("add mum's birthday every year on mar 3",
     {"title": "mum's birthday", "recurrence": "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3"},
     ("2027-03-03", "2027-03-03")),
    ("add take my pills every day at 8am",
     {"title": "take my pills", "recurrence": "FREQ=DAILY", "due_time": "08:00"},
     ("2026-03-28", "2026-10-30")),
    ("add take my pills at 8am every day",
     {"title": "take my pills", "recurrence": "FREQ=DAILY", "due_time": "08:00"},
     ("2026-03-28", "2026-10-30")),
    ("add gym every mon, wed and fri at 7",
     {"title": "gym", "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE,FR", "due_time": "19:00"},
     ("2026-03-30", "2026-10-30")),
]  # fmt: skip


@pytest.mark.parametrize("index, zone", list(enumerate(ZONES)))
@pytest.mark.parametrize("message, arguments, dates", ADDS)
def test_repeat_phrases_add_a_recurring_task(message, arguments, dates, index, zone):
    expected = {"title": arguments["title"], "due_date": dates[index]} | arguments
    assert calls(zone, [user(message)]) == [("add_task", expected)]
    # The rule is one python-dateutil reads, and the due date is one of its days.
    rule = rrulestr(arguments["recurrence"], dtstart=date.fromisoformat(dates[index]))
    assert rule[0].date() == date.fromisoformat(dates[index])


@pytest.mark.parametrize(
    "phrase, rule",
    [
        ("every day", "FREQ=DAILY"),
        ("daily", "FREQ=DAILY"),
        ("each day", "FREQ=DAILY"),
        ("every 3 days", "FREQ=DAILY;INTERVAL=3"),
        ("every other day", "FREQ=DAILY;INTERVAL=2"),
        ("every monday", "FREQ=WEEKLY;BYDAY=MO"),
        ("every tues", "FREQ=WEEKLY;BYDAY=TU"),
        ("every monday and thursday", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("every weekend", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("on mondays", "FREQ=WEEKLY;BYDAY=MO"),
        ("on weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("every week", "FREQ=WEEKLY"),
        ("weekly", "FREQ=WEEKLY"),
        ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
        ("every two weeks", "FREQ=WEEKLY;INTERVAL=2"),
        ("every other week", "FREQ=WEEKLY;INTERVAL=2"),
        ("fortnightly", "FREQ=WEEKLY;INTERVAL=2"),
        ("weekly on monday", "FREQ=WEEKLY;BYDAY=MO"),
        ("every 2 weeks on tuesday and thursday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"),
        ("every month", "FREQ=MONTHLY"),
        ("monthly", "FREQ=MONTHLY"),
        ("every month on the 1st", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("monthly on the 31st", "FREQ=MONTHLY;BYMONTHDAY=31"),
        ("every month on the 1st and 15th", "FREQ=MONTHLY;BYMONTHDAY=1,15"),
        ("on the 1st of every month", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("on the 15th of each month", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("every 1st of the month", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("on the last day of every month", "FREQ=MONTHLY;BYMONTHDAY=-1"),
        ("every 3 months", "FREQ=MONTHLY;INTERVAL=3"),
        ("every year", "FREQ=YEARLY"),
        ("yearly", "FREQ=YEARLY"),
        ("annually", "FREQ=YEARLY"),
        ("every year on mar 3", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3"),
        ("every march 3rd", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3"),
        ("yearly on 3 march", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3"),
        ("annually on the 3rd of march", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3"),
        ("on mar 3 every year", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3"),
        ("every feb 29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
    ],
)
def test_repeat_phrases_as_rrules(phrase, rule):
    assert parse_repeat(phrase.replace(",", "").split()) == rule
    assert split_repeat(f"do it {phrase}") == ("do it", rule)


@pytest.mark.parametrize(
    "text",
    [
        "read the weekly report",
        "on monday",  # one date, not a repeat
        "every",
        "every feb 30",
        "every 0 days",
        "monthly report",
        "every month on the 32nd",
        "every monday and",
        "daily",  # nothing would be left of the title
    ],
)
def test_not_repeat_phrases(text):
    assert split_repeat(text) == (text, None)


def test_the_31st_across_february():
    """Months without a 31st are skipped, as RRULE says."""
    rule = "FREQ=MONTHLY;BYMONTHDAY=31"
    assert first_occurrence(rule, date(2027, 2, 1)) == date(2027, 3, 31)
    assert first_occurrence(rule, date(2027, 1, 31)) == date(2027, 1, 31)
    assert first_occurrence(rule, date(2027, 1, 31), after=True) == date(2027, 3, 31)
    (added,) = parse_intent("add pay the bills monthly on the 31st", date(2027, 2, 10)).tasks
    assert added.due_date == "2027-03-31"


def test_a_repeat_said_on_one_of_its_days_is_due_today():
    monday = date(2026, 12, 7)
    (added,) = parse_intent("water the plants every monday", monday).tasks
    assert added.due_date == "2026-12-07"


def test_every_day_at_8am_is_due_tomorrow_once_8am_has_passed():
    from datetime import time

    friday = date(2026, 12, 4)
    for clock, due in [(None, "2026-12-04"), (time(7, 59), "2026-12-04"), (time(8), "2026-12-05")]:
        (added,) = parse_intent("add take my pills every day at 8am", friday, clock=clock).tasks
        assert added.due_date == due, clock


# --- Stopping and starting a task's repeat ---------------------------------------------------

RENT = task(4, "pay rent") | {"due_date": "2027-01-01", "recurrence_text": "every month on the 1st"}
STOPPED = {"number": 4, "title": None, "description": None, "recurrence": ""}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "message",
    [
        "stop repeating pay rent",
        "don't repeat pay rent anymore",
        "make pay rent a one-off",
        "remove the repeat from pay rent",
        "pay rent shouldn't repeat",
    ],
)
def test_stop_repeating_a_task_by_title(message, zone):
    assert calls(zone, [user(message)]) == [("list_tasks", {"status": "all"})]
    items = [user(message), *tool_round("list_tasks", {"status": "all"}, listed("all", RENT), "c1")]
    assert calls(zone, items) == [("update_task", STOPPED)]


def test_stop_repeating_it_and_the_reply():
    earlier = [
        user("pay rent on the 1st of every month"),
        *tool_round("add_task", {"title": "pay rent"}, ok("added", RENT), "c1"),
        assistant('Added "pay rent" (task #4), due Friday, Jan 1, repeating every month.'),
    ]
    assert calls("berlin", [*earlier, user("stop repeating it")]) == [("update_task", STOPPED)]
    output = ok("updated", RENT | {"recurrence_text": ""})
    items = [user("stop repeating task 4"), *tool_round("update_task", STOPPED, output, "c2")]
    assert reply_with(instructions_at(*ZONES["berlin"]), items) == (
        'Stopped repeating "pay rent" (task #4); it stays due Friday, Jan 1.'
    )


def test_start_repeating_a_task():
    # A rule that names its days moves the task to the first of them ...
    assert calls("new-york", [user("make task 4 repeat every monday")]) == [
        (
            "update_task",
            {
                "number": 4,
                "title": None,
                "description": None,
                "due_date": "2026-11-02",
                "recurrence": "FREQ=WEEKLY;BYDAY=MO",
            },
        )
    ]
    # ... "every month" repeats from the task's own date.
    assert calls("new-york", [user("repeat task 4 every month")]) == [
        (
            "update_task",
            {"number": 4, "title": None, "description": None, "recurrence": "FREQ=MONTHLY"},
        )
    ]
    arguments = {"number": 4, "recurrence": "FREQ=MONTHLY"}
    output = ok("updated", RENT)
    items = [user("repeat task 4 every month"), *tool_round("update_task", arguments, output, "c1")]
    assert reply_with(None, items) == (
        '"pay rent" (task #4) now repeats every month on the 1st, next due Friday, Jan 1.'
    )


def test_added_recurring_task_reply():
    added = task(5, "water the plants") | {
        "due_date": "2026-03-30",
        "due_time": None,
        "recurrence_text": "every Monday",
        "reminders": [],
    }
    arguments = {"title": "water the plants", "due_date": "2026-03-30"}
    items = [
        user("water the plants every monday"),
        *tool_round("add_task", arguments, ok("added", added), "c1"),
    ]
    assert reply_with(instructions_at(*ZONES["berlin"]), items) == (
        'Added "water the plants" (task #5), due Monday, Mar 30, repeating every Monday.'
    )


def test_completing_a_repeating_task_says_when_it_is_next_due():
    moved = RENT | {"due_date": "2027-02-01", "due_time": "09:00"}
    output = ok("completed", moved) | {"moved_to_next": True}
    items = [user("complete task 4"), *tool_round("complete_task", {"number": 4}, output, "c1")]
    assert reply_with(None, items) == (
        'Nice work! \u2713 "pay rent" (task #4) is next due Monday, Feb 1 at 9:00 AM.'
    )
    done = ok("completed", RENT | {"completed": True}) | {"moved_to_next": False}
    items = [user("complete task 4"), *tool_round("complete_task", {"number": 4}, done, "c1")]
    assert reply_with(None, items) == 'Nice work! Marked "pay rent" (task #4) as done. \u2713'
