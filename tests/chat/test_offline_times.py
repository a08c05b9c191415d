"""The offline model and times of day: the time phrase that ends a task's text, taken off the
title and passed as due_time ("HH:MM", the user's wall clock), and said back as "5:00 PM"."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from chat.llm.agent import today_line
from chat.llm.offline.dates import clock_from_instructions
from chat.llm.offline.parsing import parse_intent
from chat.llm.offline.times import split_time, spoken_time
from tests.chat.offline_zones import calls_with, instructions_at, reply_with
from tests.chat.test_offline_model import ok, task, tool_round, user

FRIDAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    "text, title, at",
    [
        ("call mom at 5pm", "call mom", time(17)),
        ("call mom at 5 pm", "call mom", time(17)),
        ("call mom at 5:30pm", "call mom", time(17, 30)),
        ("call mom at 5:30 p.m.", "call mom", time(17, 30)),
        ("call mom 5pm", "call mom", time(17)),
        ("standup at 9am", "standup", time(9)),
        ("standup at 9 a.m.", "standup", time(9)),
        ("meeting at 17:30", "meeting", time(17, 30)),
        ("meeting 17:30", "meeting", time(17, 30)),
        ("meeting at 8:05", "meeting", time(8, 5)),
        ("lunch at noon", "lunch", time(12)),
        ("lunch at midday", "lunch", time(12)),
        ("backup at midnight", "backup", time(0)),
        ("call mom at 12am", "call mom", time(0)),
        ("call mom at 12pm", "call mom", time(12)),
        # A bare hour needs "at": 1-7 are afternoon and evening, 8-11 morning.
        ("call mom at 5", "call mom", time(17)),
        ("call mom at 5 o'clock", "call mom", time(17)),
        ("gym at 7", "gym", time(19)),
        ("gym at 8", "gym", time(8)),
        ("gym at 11:15", "gym", time(11, 15)),
        ("gym at 20", "gym", time(20)),
        ("pay rent by 5pm", "pay rent", time(17)),
    ],
)
def test_time_phrases(text, title, at):
    assert split_time(text) == (title, at)


@pytest.mark.parametrize(
    "text",
    [
        "read chapter 5",  # no "at": a number, not a time
        "lunch noon",
        "meet at 25:00",
        "meet at 13pm",
        "meet at 5:75pm",
        "at 5pm",  # nothing would be left of the title
        "watch 24",
    ],
)
def test_not_time_phrases(text):
    assert split_time(text) == (text, None)


@pytest.mark.parametrize(
    "at, said",
    [
        (time(17), "5:00 PM"),
        (time(0, 30), "12:30 AM"),
        (time(12), "12:00 PM"),
        (time(9, 5), "9:05 AM"),
    ],
)
def test_times_are_said_on_a_12_hour_clock(at, said):
    assert spoken_time(at) == said


@pytest.mark.parametrize(
    "message, title, due_date, due_time",
    [
        ("add call mom tomorrow at 5pm", "call mom", "2026-12-05", "17:00"),
        ("add call mom at 5pm tomorrow", "call mom", "2026-12-05", "17:00"),
        ("add dentist on dec 10 at 9:30am", "dentist", "2026-12-10", "09:30"),
        ("add dentist friday at noon", "dentist", "2026-12-11", "12:00"),
        ("add call mom at 5pm", "call mom", "2026-12-04", "17:00"),
        ("add meeting at 17:30", "meeting", "2026-12-04", "17:30"),
    ],
)
def test_an_add_takes_its_date_and_time_off_the_title(message, title, due_date, due_time):
    (added,) = parse_intent(message, FRIDAY).tasks
    assert (added.title, added.due_date, added.due_time) == (title, due_date, due_time)


def test_a_time_alone_is_today_until_the_users_clock_passes_it():
    """Said at 16:59 "at 5pm" is today; at 17:00 or later it is tomorrow. Without a clock (the
    model does not know it), today."""
    for clock, due in [
        (None, "2026-12-04"),
        (time(16, 59), "2026-12-04"),
        (time(17), "2026-12-05"),
    ]:
        (added,) = parse_intent("add call mom at 5pm", FRIDAY, clock=clock).tasks
        assert (added.due_date, added.due_time) == (due, "17:00"), clock
    # A date said is kept, even one whose time has passed: the tool says so.
    (added,) = parse_intent("add call mom today at 5pm", FRIDAY, clock=time(18)).tasks
    assert added.due_date == "2026-12-04"


@pytest.mark.parametrize(
    "message, ref, due_date, due_time",
    [
        ("move pay rent to friday at 3pm", "pay rent", "2026-12-11", "15:00"),
        ("reschedule the dentist for tomorrow at 10am", "dentist", "2026-12-05", "10:00"),
        ("move it to 5pm", None, None, "17:00"),
        ("push back task 3 to 9:30am", None, None, "09:30"),
    ],
)
def test_a_move_to_a_time(message, ref, due_date, due_time):
    intent = parse_intent(message, FRIDAY)
    assert intent.kind == "update"
    assert (intent.ref.title, intent.new_due_date, intent.new_due_time) == (ref, due_date, due_time)


def test_a_move_to_a_time_calls_update_task_and_says_it():
    arguments = {"number": 4, "title": None, "description": None}
    friday = instructions_at("America/New_York", "2026-12-04T12:00:00+00:00")
    assert calls_with(friday, [user("move task 4 to friday at 3pm")]) == [
        ("update_task", arguments | {"due_date": "2026-12-11", "due_time": "15:00"})
    ]
    moved = task(4, "pay rent") | {"due_date": "2026-12-11", "due_time": "15:00"}
    call = arguments | {"due_time": "15:00"}
    items = [
        user("move task 4 to 3pm"),
        *tool_round("update_task", call, ok("updated", moved), "c1"),
    ]
    assert reply_with(None, items) == 'Moved "pay rent" (task #4) to Friday, Dec 11 at 3:00 PM.'


def test_the_clock_comes_from_the_zone_the_instructions_name():
    zone = "Asia/Kathmandu"  # +05:45: a clock read in another zone would be off by minutes
    before = datetime.now(ZoneInfo(zone))
    instructions = f"You are Taskstream.\n{today_line(before.date(), zone)}"
    clock = clock_from_instructions(instructions, before.date())
    after = datetime.now(ZoneInfo(zone))
    if after.date() == before.date():
        assert time(before.hour, before.minute) <= clock <= time(after.hour, after.minute)
    else:  # midnight passed during the call: the instructions' today is over
        assert clock in (None, time(before.hour, before.minute))
    # Another day than the zone's today (a fixed today in a test), no zone, an unknown zone:
    # no clock, and a time said counts as still ahead.
    assert (
        clock_from_instructions(instructions_at("UTC", "2026-12-04T12:00:00+00:00"), FRIDAY) is None
    )
    assert clock_from_instructions("Today is Friday, 2026-12-04.", FRIDAY) is None
    unknown = "Today is Friday, 2026-12-04 in the user's time zone (Mars/Olympus)."
    assert clock_from_instructions(unknown, FRIDAY) is None
    assert clock_from_instructions(None, FRIDAY) is None


@pytest.mark.parametrize(
    "message, list_name, title, due_date, due_time",
    [
        ("add milk to groceries tomorrow", "groceries", "milk", "2026-12-05", None),
        ("add milk to my groceries list tomorrow", "groceries", "milk", "2026-12-05", None),
        ("add call mom to family at 5pm", "family", "call mom", "2026-12-04", "17:00"),
        ("add standup to work every weekday at 9am", "work", "standup", "2026-12-04", "09:00"),
        # No list before the when: "to" starts the task ("remind me to ...").
        ("remind me to call mom at 5pm", None, "call mom", "2026-12-04", "17:00"),
    ],
)
def test_a_when_after_a_list_is_the_tasks(message, list_name, title, due_date, due_time):
    intent = parse_intent(message, FRIDAY)
    (added,) = intent.tasks
    assert intent.list_name == list_name
    assert (added.title, added.due_date, added.due_time) == (title, due_date, due_time)
