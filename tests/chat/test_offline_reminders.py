"""The offline model and reminders: "remind me to X tomorrow at 5pm" adds the task with its
due time and a reminder at that time; "remind me 30 minutes before" / "an hour before" sets
one on the task just talked about (or the one named); replies say when, in the user's zone
(the tools' payloads carry local times), at fixed todays in two time zones."""

from datetime import date, datetime

import pytest

from chat.llm.offline.parsing import parse_intent
from chat.llm.offline.reminders import before_text, remind_text, spoken_moment
from tests.chat.offline_zones import calls_with, instructions_at, local_date, reply_with
from tests.chat.test_offline_model import assistant, listed, ok, task, tool_round, user

# Berlin's Saturday (UTC's Friday) and New York's Friday (UTC's Saturday).
ZONES = {
    "berlin": ("Europe/Berlin", "2026-03-27T23:30:00+00:00"),
    "new-york": ("America/New_York", "2026-10-31T02:30:00+00:00"),
}
TODAYS = {"berlin": date(2026, 3, 28), "new-york": date(2026, 10, 30)}


def test_the_zones_todays():
    for zone, today in TODAYS.items():
        assert local_date(*ZONES[zone]) == today


def calls(zone: str, items: list[dict]) -> list[tuple[str, dict]]:
    return calls_with(instructions_at(*ZONES[zone]), items)


def reply(zone: str, items: list[dict]) -> str:
    return reply_with(instructions_at(*ZONES[zone]), items)


# message -> add_task's arguments, with "{day}" the due day in Berlin / New York.
ADDS = [
    ("remind me to call mom tomorrow at 5pm",
     {"title": "call mom", "due_date": "{tomorrow}", "due_time": "17:00",
      "remind_at": "{tomorrow}T17:00"}),
    ("remind me to call mom at 5pm tomorrow",
     {"title": "call mom", "due_date": "{tomorrow}", "due_time": "17:00",
      "remind_at": "{tomorrow}T17:00"}),
    ("remind me tomorrow at 5pm to call mom",
     {"title": "call mom", "due_date": "{tomorrow}", "due_time": "17:00",
      "remind_at": "{tomorrow}T17:00"}),
    ("please remind me to pay rent on monday at 9:30am",
     {"title": "pay rent", "due_date": "{monday}", "due_time": "09:30",
      "remind_at": "{monday}T09:30"}),
    ("remind me to call the plumber at noon",
     {"title": "call the plumber", "due_date": "{today}", "due_time": "12:00",
      "remind_at": "{today}T12:00"}),
    # A recurring task's reminder is relative to its due time, so it moves with the task.
    ("remind me to take my pills every day at 8am",
     {"title": "take my pills", "due_date": "{today}", "due_time": "08:00",
      "recurrence": "FREQ=DAILY", "remind_before_minutes": 0}),
    # No time of day: the task gets its date, and no reminder.
    ("remind me to call bob on monday", {"title": "call bob", "due_date": "{monday}"}),
    # Adding with a time is no request for a reminder (the user's default may add one).
    ("add call mom tomorrow at 5pm",
     {"title": "call mom", "due_date": "{tomorrow}", "due_time": "17:00"}),
]  # fmt: skip
DAYS = {
    "berlin": {"today": "2026-03-28", "tomorrow": "2026-03-29", "monday": "2026-03-30"},
    "new-york": {"today": "2026-10-30", "tomorrow": "2026-10-31", "monday": "2026-11-02"},
}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("message, arguments", ADDS)
def test_remind_me_adds_the_task_with_a_reminder(message, arguments, zone):
    expected = {name: value.format(**DAYS[zone]) if isinstance(value, str) else value
                for name, value in arguments.items()}  # fmt: skip
    assert calls(zone, [user(message)]) == [("add_task", expected)]


# Several tasks in one message, "then" between them; a reminder asked for one of them only.
SEVERAL = [
    ("add milk and eggs tomorrow, then remind me to call mom on monday at 5pm",
     [{"title": "milk"}, {"title": "eggs", "due_date": "{tomorrow}"},
      {"title": "call mom", "due_date": "{monday}", "due_time": "17:00",
       "remind_at": "{monday}T17:00"}]),
    ("add milk, then eggs", [{"title": "milk"}, {"title": "eggs"}]),
    ("add milk and then eggs", [{"title": "milk"}, {"title": "eggs"}]),
    # No time for the reminder: the task has its day, and no reminder.
    ("add pay rent, then remind me to call bob on monday",
     [{"title": "pay rent"}, {"title": "call bob", "due_date": "{monday}"}]),
    ("add call mom then dad", [{"title": "call mom then dad"}]),  # "then" joins no new task
]  # fmt: skip


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("message, added", SEVERAL)
def test_a_reminder_asked_for_one_task_of_several(message, added, zone):
    expected = [
        ("add_task", {name: value.format(**DAYS[zone]) for name, value in arguments.items()})
        for arguments in added
    ]
    assert calls(zone, [user(message)]) == expected


@pytest.mark.parametrize("zone", ZONES)
def test_the_reply_says_when_in_the_users_words(zone):
    tomorrow = DAYS[zone]["tomorrow"]
    arguments = {"title": "call mom", "due_date": tomorrow, "due_time": "17:00",
                 "remind_at": f"{tomorrow}T17:00"}  # fmt: skip
    added = task(4, "call mom") | {
        "due_date": tomorrow,
        "due_time": "17:00",
        "recurrence_text": "",
        "reminders": [f"{tomorrow} 17:00"],
    }
    message = "remind me to call mom tomorrow at 5pm"
    items = [user(message), *tool_round("add_task", arguments, ok("added", added), "c1")]
    day = date.fromisoformat(tomorrow)
    assert reply(zone, items) == (
        f'Added "call mom" (task #4), due {day:%A}, {day:%b} {day.day} at 5:00 PM. '
        "I'll remind you tomorrow at 5:00 PM."
    )


# --- A reminder before a task's due time -----------------------------------------------------

CALL_MOM = task(4, "call mom") | {"due_date": "2026-03-29", "due_time": "17:00"}
EARLIER = [
    user("add call mom tomorrow at 5pm"),
    *tool_round("add_task", {"title": "call mom"}, ok("added", CALL_MOM), "c1"),
    assistant('Added "call mom" (task #4), due Sunday, Mar 29 at 5:00 PM.'),
]


def reminder_call(minutes: int, number: int = 4) -> tuple[str, dict]:
    arguments = {"number": number, "title": None, "description": None}
    return ("update_task", arguments | {"remind_before_minutes": minutes})


@pytest.mark.parametrize(
    "message, minutes",
    [
        ("remind me 30 minutes before", 30),
        ("remind me an hour before", 60),
        ("remind me half an hour before it", 30),
        ("remind me 15 min before it's due", 15),
        ("remind me 2 hours before", 120),
        ("remind me a day before", 1440),
        ("set a reminder 10 minutes before", 10),
        ("please remind me about it an hour in advance", 60),
        ("remind me when it's due", 0),
        ("remind me at the due time", 0),
    ],
)
def test_remind_me_before_the_task_just_talked_about(message, minutes):
    assert calls("berlin", [*EARLIER, user(message)]) == [reminder_call(minutes)]


def test_remind_me_before_a_task_by_number_or_title():
    assert calls("berlin", [user("remind me 30 minutes before task 7")]) == [reminder_call(30, 7)]
    message = "remind me about call mom an hour before"
    assert calls("berlin", [user(message)]) == [("list_tasks", {"status": "all"})]
    items = [
        user(message),
        *tool_round("list_tasks", {"status": "all"}, listed("all", CALL_MOM), "c1"),
    ]
    assert calls("berlin", items) == [reminder_call(60)]
    message = "remind me 30 minutes before call mom is due"
    items = [
        user(message),
        *tool_round("list_tasks", {"status": "all"}, listed("all", CALL_MOM), "c1"),
    ]
    assert calls("new-york", items) == [reminder_call(30)]


def test_remind_me_before_with_nothing_talked_about_asks_which_task():
    assert reply("berlin", [user("remind me 30 minutes before")]) == (
        'Which task should I change? Tell me its number, e.g. "rename task 3 to ...".'
    )


@pytest.mark.parametrize(
    "minutes, reminders, expected",
    [
        (30, ["2026-03-29 16:30"],
         "I'll remind you tomorrow at 4:30 PM, 30 minutes before \"call mom\" (task #4) is due."),
        (60, ["2026-03-29 16:00", "2026-03-29 17:00"],
         "I'll remind you tomorrow at 4:00 PM, 1 hour before \"call mom\" (task #4) is due."),
        (0, ["2026-03-29 17:00"],
         "I'll remind you tomorrow at 5:00 PM, when \"call mom\" (task #4) is due."),
        # Without reminders in the payload, from its due time.
        (1440, None,
         "I'll remind you today at 5:00 PM, 1 day before \"call mom\" (task #4) is due."),
    ],
)  # fmt: skip
def test_the_reply_to_a_reminder_before(minutes, reminders, expected):
    call = reminder_call(minutes)
    output = CALL_MOM | ({"reminders": reminders} if reminders is not None else {})
    items = [
        *EARLIER,
        user(f"remind me {before_text(minutes)}"),
        *tool_round(call[0], call[1], ok("updated", output), "c2"),
    ]
    assert reply("berlin", items) == expected


def test_a_failed_reminder_is_said_plainly():
    error = {
        "ok": False,
        "error": "remind_before_minutes: The task has no time of day to count from.",
    }
    call = reminder_call(30)
    items = [*EARLIER, user("remind me 30 minutes before"), *tool_round(*call, error, "c2")]
    assert reply("berlin", items) == (
        "Sorry, that didn't work: The task has no time of day to count from."
    )


# --- The parts ---------------------------------------------------------------------------------


def test_moments_are_said_relative_to_the_users_today():
    today = date(2026, 3, 28)  # a Saturday
    said = [
        (datetime(2026, 3, 28, 17), "today at 5:00 PM"),
        (datetime(2026, 3, 29, 9, 30), "tomorrow at 9:30 AM"),
        (datetime(2026, 4, 1, 8), "on Wednesday at 8:00 AM"),
        (datetime(2026, 4, 4, 8), "on Saturday, Apr 4 at 8:00 AM"),
    ]
    for moment, expected in said:
        assert spoken_moment(moment, today) == expected
    assert spoken_moment(datetime(2026, 3, 29, 17), None) == "on Sunday, Mar 29 at 5:00 PM"


@pytest.mark.parametrize(
    "minutes, said",
    [(0, "at the due time"), (1, "1 minute before"), (45, "45 minutes before"),
     (60, "1 hour before"), (90, "90 minutes before"), (2880, "2 days before"),
     (10080, "1 week before")],
)  # fmt: skip
def test_before_text(minutes, said):
    assert before_text(minutes) == said


def test_a_reminder_request_is_no_add():
    assert parse_intent("remind me 30 minutes before").kind == "update"
    intent = parse_intent("remind me to call mom 30 minutes before the meeting")
    assert intent.kind == "add"
    assert intent.tasks[0].title == "call mom 30 minutes before the meeting"


def test_several_reminders_are_said_by_day():
    today = date(2026, 3, 28)
    moments = [datetime(2026, 3, 29, 17), datetime(2026, 3, 29, 16, 30), datetime(2026, 3, 30, 9)]
    assert remind_text(moments, today) == (
        "I'll remind you tomorrow at 4:30 PM and 5:00 PM and on Monday at 9:00 AM."
    )
    assert remind_text([], today) == ""
