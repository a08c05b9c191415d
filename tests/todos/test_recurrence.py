"""todos.recurrence: every repeat phrase of the issue as an RRULE, stepped at fixed "today"s;
the rules' bounds; their plain-English text; wall-clock times across daylight saving."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from config.timezones import local_moment
from todos.recurrence import (
    RECURRENCE_COUNT_MAX,
    clean_recurrence,
    first_occurrence,
    next_occurrence,
    recurrence_text,
)

EVERY_MONDAY = "FREQ=WEEKLY;BYDAY=MO"
EVERY_WEEKDAY = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
EVERY_2_WEEKS = "FREQ=WEEKLY;INTERVAL=2"
MONTHLY_1ST = "FREQ=MONTHLY;BYMONTHDAY=1"
MONTHLY_31ST = "FREQ=MONTHLY;BYMONTHDAY=31"
YEARLY_MAR_3 = "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3"
DAILY = "FREQ=DAILY"  # "every day at 8am": a daily rule on a task due at 08:00


def completions(rule, due_date, due_time=None, *, now, times=3):
    """The due dates (and times) a task moves through when completed `times` times, each
    completion at `now` (the user's wall-clock time)."""
    moments = []
    for _ in range(times):
        occurrence = next_occurrence(rule, due_date=due_date, due_time=due_time, now=now)
        if occurrence is None:
            moments.append(None)
            break
        due_date, due_time, rule = occurrence.due_date, occurrence.due_time, occurrence.recurrence
        moments.append(due_date if due_time is None else datetime.combine(due_date, due_time))
    return moments


# Each phrase at a fixed today (Sunday 6 December 2026, before the due date: completed early,
# so each completion steps one occurrence on).
TODAY = datetime(2026, 12, 6, 9, 30)


@pytest.mark.parametrize(
    "rule, due, expected",
    [
        (
            EVERY_MONDAY,
            date(2026, 12, 7),
            [date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 28)],
        ),
        # A due date off the rule goes to the rule's next day.
        (
            EVERY_MONDAY,
            date(2026, 12, 9),
            [date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 28)],
        ),
        (
            EVERY_WEEKDAY,
            date(2026, 12, 10),
            [date(2026, 12, 11), date(2026, 12, 14), date(2026, 12, 15)],
        ),
        (
            EVERY_2_WEEKS,
            date(2026, 12, 10),
            [date(2026, 12, 24), date(2027, 1, 7), date(2027, 1, 21)],
        ),
        (MONTHLY_1ST, date(2026, 12, 7), [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]),
        # Months without a 31st are skipped, as RRULE says: February, April.
        (
            MONTHLY_31ST,
            date(2027, 1, 31),
            [date(2027, 3, 31), date(2027, 5, 31), date(2027, 7, 31)],
        ),
        (
            MONTHLY_31ST,
            date(2026, 12, 31),
            [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)],
        ),
        (YEARLY_MAR_3, date(2027, 3, 3), [date(2028, 3, 3), date(2029, 3, 3), date(2030, 3, 3)]),
        (DAILY, date(2026, 12, 7), [date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10)]),
    ],
)
def test_each_phrase_steps_to_its_next_occurrence(rule, due, expected):
    assert completions(clean_recurrence(rule), due, now=TODAY) == expected


def test_every_day_at_8am_keeps_its_time():
    assert completions(DAILY, date(2026, 12, 7), time(8, 0), now=TODAY) == [
        datetime(2026, 12, 8, 8, 0),
        datetime(2026, 12, 9, 8, 0),
        datetime(2026, 12, 10, 8, 0),
    ]


@pytest.mark.parametrize(
    "zone, before_change, utc_hours, hours_between",
    [
        # Clocks go forward on 28 March 2027 in Berlin, on 14 March 2027 in New York...
        ("Europe/Berlin", date(2027, 3, 27), (7, 6), 23),
        ("America/New_York", date(2027, 3, 13), (13, 12), 23),
        # ... and back on 31 October 2027 in Berlin, on 7 November 2027 in New York.
        ("Europe/Berlin", date(2027, 10, 30), (6, 7), 25),
        ("America/New_York", date(2027, 11, 6), (12, 13), 25),
    ],
)
def test_every_day_at_8am_stays_8am_across_daylight_saving(
    zone, before_change, utc_hours, hours_between
):
    now = datetime(2027, 3, 1, 12, 0)
    moments = completions(DAILY, before_change, time(8, 0), now=now, times=2)
    assert [moment.time() for moment in moments] == [time(8, 0), time(8, 0)]
    first, second = (
        local_moment(day, time(8, 0), zone) for day in (before_change, moments[0].date())
    )
    assert (first.hour, second.hour) == utc_hours and first.tzinfo == UTC
    assert second - first == timedelta(hours=hours_between)


def test_a_time_skipped_by_the_clocks_is_the_moment_after_the_jump():
    # 02:30 does not exist in Berlin on 28 March 2027: it is 03:30 CEST, 01:30 UTC.
    assert local_moment(date(2027, 3, 28), time(2, 30), "Europe/Berlin") == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )


# --- overdue and early completions ----------------------------------------------------------


def test_an_overdue_task_without_a_time_moves_to_today_at_the_earliest():
    now = datetime(2026, 12, 6, 18, 0)
    assert completions(DAILY, date(2026, 12, 1), now=now, times=1) == [date(2026, 12, 6)]
    # Due today, done today: tomorrow.
    assert completions(DAILY, date(2026, 12, 6), now=now, times=1) == [date(2026, 12, 7)]
    # A weekly rule keeps its weekday: the first Monday from today.
    assert completions(EVERY_MONDAY, date(2026, 11, 16), now=now, times=1) == [date(2026, 12, 7)]


def test_an_overdue_task_with_a_time_moves_past_now():
    due = date(2026, 12, 1)
    early = datetime(2026, 12, 6, 7, 0)
    late = datetime(2026, 12, 6, 9, 0)
    assert completions(DAILY, due, time(8, 0), now=early, times=1) == [datetime(2026, 12, 6, 8)]
    assert completions(DAILY, due, time(8, 0), now=late, times=1) == [datetime(2026, 12, 7, 8)]


def test_an_hourly_rule_on_a_task_without_a_time_moves_a_day():
    assert completions("FREQ=HOURLY", date(2026, 12, 7), now=TODAY, times=1) == [date(2026, 12, 8)]


def test_the_edges_of_the_calendar_end_the_series_rather_than_fail():
    assert next_occurrence(DAILY, due_date=date.max, due_time=None, now=TODAY) is None
    assert next_occurrence(DAILY, due_date=date.max, due_time=time(8), now=TODAY) is None
    # Due in year 1, hourly: the next hour after now (not 17 million hours walked).
    moved = next_occurrence("FREQ=HOURLY", due_date=date.min, due_time=time(9), now=TODAY)
    assert (moved.due_date, moved.due_time) == (date(2026, 12, 6), time(10, 0))


def test_a_rule_whose_hours_never_line_up_with_the_task_has_no_next():
    # Every 2 hours from 09:00 never lands on midnight: completing completes the task.
    rule = clean_recurrence("FREQ=HOURLY;INTERVAL=2;BYHOUR=0")
    assert next_occurrence(rule, due_date=date(2026, 12, 7), due_time=time(9), now=TODAY) is None


def test_count_counts_down_and_ends_the_series():
    rule = "FREQ=DAILY;COUNT=3"  # the current date is the first of the three
    first = next_occurrence(rule, due_date=date(2026, 12, 7), due_time=None, now=TODAY)
    assert (first.due_date, first.recurrence) == (date(2026, 12, 8), "FREQ=DAILY;COUNT=2")
    second = next_occurrence(first.recurrence, due_date=first.due_date, due_time=None, now=TODAY)
    assert (second.due_date, second.recurrence) == (date(2026, 12, 9), "FREQ=DAILY;COUNT=1")
    assert (
        next_occurrence(second.recurrence, due_date=second.due_date, due_time=None, now=TODAY)
        is None
    )


def test_occurrences_skipped_as_past_count_too():
    rule = "FREQ=DAILY;COUNT=4"
    now = datetime(2026, 12, 6, 12, 0)
    moved = next_occurrence(rule, due_date=date(2026, 12, 4), due_time=None, now=now)
    assert (moved.due_date, moved.recurrence) == (date(2026, 12, 6), "FREQ=DAILY;COUNT=2")
    assert next_occurrence(rule, due_date=date(2026, 12, 1), due_time=None, now=now) is None


def test_until_ends_the_series():
    rule = clean_recurrence("FREQ=DAILY;UNTIL=20261208T235959Z")
    assert completions(rule, date(2026, 12, 7), now=TODAY) == [date(2026, 12, 8), None]


def test_a_repeat_without_a_date_starts_on_its_first_day():
    sunday = date(2026, 12, 6)
    assert first_occurrence(EVERY_MONDAY, on_or_after=sunday) == date(2026, 12, 7)
    assert first_occurrence(EVERY_WEEKDAY, on_or_after=sunday) == date(2026, 12, 7)
    assert first_occurrence(MONTHLY_1ST, on_or_after=sunday) == date(2027, 1, 1)
    assert first_occurrence(DAILY, on_or_after=sunday) == sunday


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, stored",
    [
        ("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("  rrule:freq=weekly;byday=mo ", "FREQ=WEEKLY;BYDAY=MO"),
        ("RRULE:FREQ=DAILY", "FREQ=DAILY"),
        ("", ""),
        ("   ", ""),
        ("FREQ=HOURLY;INTERVAL=2", "FREQ=HOURLY;INTERVAL=2"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1;WKST=SU", "FREQ=MONTHLY;BYMONTHDAY=-1;WKST=SU"),
        ("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        (f"FREQ=DAILY;COUNT={RECURRENCE_COUNT_MAX}", f"FREQ=DAILY;COUNT={RECURRENCE_COUNT_MAX}"),
    ],
)
def test_valid_rules_are_stored_normalised(given, stored):
    assert clean_recurrence(given) == stored


@pytest.mark.parametrize(
    "rule, said",
    [
        ("FREQ=MINUTELY", "hourly"),
        ("FREQ=SECONDLY", "hourly"),
        ("FREQ=HOURLY;BYMINUTE=0,30", "hourly"),
        ("FREQ=DAILY;BYHOUR=8;BYSECOND=0,1", "hourly"),
        (f"FREQ=DAILY;COUNT={RECURRENCE_COUNT_MAX + 1}", "COUNT"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101", "not both"),
        ("FREQ=DAILY;UNTIL=2027", "UNTIL"),
        ("BYDAY=MO", "FREQ"),
        ("FREQ=FORTNIGHTLY", "not valid"),
        ("FREQ=WEEKLY;BYDAY=XX", "not valid"),
        ("FREQ=WEEKLY;BYDAY=MO,,TU", "not valid"),
        ("FREQ=DAILY;COLOUR=RED", "not a part of an RRULE"),
        ("FREQ=DAILY;BYEASTER=0", "not a part of an RRULE"),  # dateutil's, not RFC 5545's
        ("FREQ=DAILY;TZID=UTC", "not a part of an RRULE"),
        ("FREQ=DAILY;FREQ=WEEKLY", "once"),
        ("FREQ=DAILY;;", "once"),
        ("FREQ=DAILY;COUNT=+5", "not valid"),
        ("FREQ=DAILY;INTERVAL=\u0663", "not valid"),  # an Arabic-Indic 3
        ("FREQ=DAILY;INTERVAL=9999999", "not valid"),
        ("FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY is 1 to 31"),
        ("FREQ=DAILY;BYHOUR=-1", "BYHOUR is 0 to 23"),
        ("FREQ=YEARLY;BYWEEKNO=99", "BYWEEKNO"),
        ("FREQ=MONTHLY;BYDAY=99MO", "BYDAY position"),
        ("FREQ=DAILY;UNTIL=20270101T250000Z", "not a valid RRULE"),
        ("every monday", "without spaces"),
        ("FREQ=DAILY\nFREQ=WEEKLY", "without spaces"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "without spaces"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never happens"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "never happens"),
        ("FREQ=DAILY;" + "BYMONTHDAY=1;" * 60, "characters"),
        (7, "RRULE string"),
        (None, "RRULE string"),
    ],
)
def test_invalid_rules_are_refused_naming_recurrence(rule, said):
    with pytest.raises(ValidationError) as refused:
        clean_recurrence(rule)
    assert list(refused.value.message_dict) == ["recurrence"]
    assert said in refused.value.message_dict["recurrence"][0]


# --- plain English --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule, text",
    [
        ("", ""),
        (EVERY_MONDAY, "every Monday"),
        (EVERY_WEEKDAY, "every weekday"),
        ("FREQ=DAILY;BYDAY=FR,TH,WE,TU,MO", "every weekday"),
        (EVERY_2_WEEKS, "every 2 weeks"),
        (MONTHLY_1ST, "every month on the 1st"),
        (MONTHLY_31ST, "every month on the 31st"),
        (YEARLY_MAR_3, "every year on March 3"),
        (DAILY, "every day"),
        ("FREQ=DAILY;BYHOUR=8;BYMINUTE=0", "every day at 8:00 AM"),
        ("FREQ=DAILY;BYHOUR=17;BYMINUTE=30", "every day at 5:30 PM"),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "every Monday and Thursday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "every Monday, Wednesday and Friday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "every 2 weeks on Saturday"),
        ("FREQ=MONTHLY;BYDAY=1MO", "every month on the first Monday"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "every month on the last Friday"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "every month on the last day"),
        ("FREQ=MONTHLY;BYMONTHDAY=2,22,23", "every month on the 2nd, 22nd and 23rd"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=11", "every 3 months on the 11th"),
        ("FREQ=YEARLY;BYMONTH=6,7", "every year in June and July"),
        ("FREQ=HOURLY;INTERVAL=4", "every 4 hours"),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=5", "every Monday, 5 times"),
        ("FREQ=DAILY;COUNT=1", "every day, once more"),
        ("FREQ=DAILY;UNTIL=20271231T000000Z", "every day, until December 31, 2027"),
        ("FREQ=YEARLY;BYWEEKNO=20", "every year (custom)"),
    ],
)
def test_recurrence_text(rule, text):
    assert recurrence_text(clean_recurrence(rule)) == text


# --- anything a client sends: a 400 or a rule that steps, never a crash ----------------------

PART = st.sampled_from(
    ["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR",
     "BYMINUTE", "BYSETPOS", "BYYEARDAY", "BYWEEKNO", "WKST", "BYEASTER", "X"]
)  # fmt: skip
VALUE = st.one_of(
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "MINUTELY", "MO", "-1FR",
                     "5SU", "99MO", "20261231", "20261231T000000Z", "0", "-1", "31", "366"]),
    st.integers(-1000, 100000).map(str),
    st.text(max_size=6),
)  # fmt: skip


@given(st.lists(st.tuples(PART, VALUE), max_size=5), st.dates(), st.booleans())
@settings(max_examples=300, derandomize=True)
def test_any_rule_is_refused_or_steps(parts, due, timed):
    rule = ";".join(f"{name}={value}" for name, value in [("FREQ", "DAILY"), *parts])
    try:
        cleaned = clean_recurrence(rule)
    except ValidationError as refused:
        assert list(refused.message_dict) == ["recurrence"]
        return
    recurrence_text(cleaned)
    first_occurrence(cleaned, on_or_after=due)
    next_occurrence(cleaned, due_date=due, due_time=time(8) if timed else None, now=TODAY)


@given(
    st.sampled_from(
        ["FREQ=HOURLY;INTERVAL=5", "FREQ=HOURLY;BYHOUR=9,17", "FREQ=DAILY;INTERVAL=3",
         "FREQ=DAILY;BYDAY=MO,TH", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU", "FREQ=WEEKLY;INTERVAL=3",
         "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO,SU"]
    ),
    st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2026, 12, 31)),
    st.booleans(),
)  # fmt: skip
@settings(max_examples=200, derandomize=True)
def test_a_long_overdue_task_lands_where_walking_every_occurrence_would(rule, start, timed):
    """The search starts whole periods later for an overdue task (a task due in year 1 that
    repeats hourly would otherwise walk 17 million hours): the same occurrence either way."""
    due_time = start.time().replace(second=0, microsecond=0) if timed else None
    start = datetime.combine(start.date(), due_time or time.min)
    moved = next_occurrence(rule, due_date=start.date(), due_time=due_time, now=TODAY)
    if timed:
        threshold = max(start, TODAY) + timedelta(microseconds=1)
    else:
        threshold = datetime.combine(max(start.date() + timedelta(days=1), TODAY.date()), time.min)
    walked = rrulestr(rule, dtstart=start).after(threshold, inc=True)
    assert (moved.due_date, moved.due_time) == (walked.date(), walked.time() if timed else None)
