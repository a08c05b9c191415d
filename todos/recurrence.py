"""Repeating tasks: RFC 5545 RRULEs checked, said in plain English, and stepped to the next
occurrence.

A rule is stored bare and upper-case ("FREQ=WEEKLY;BYDAY=MO"). It starts at the task's due
date (and time), a wall-clock moment in the owner's zone: occurrences are computed on naive
local date-times, so "every day at 8am" stays 8:00 across daylight-saving changes (turning a
wall-clock time into UTC is `config.timezones.local_moment`'s job, when a reminder needs it).
Rules are bounded: no COUNT above RECURRENCE_COUNT_MAX, nothing firing more often than hourly.
A COUNT counts down as the task moves (the task's current date is one occurrence), so the
rule stays self-contained while its start moves with the task.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil import rrule
from django.core.exceptions import ValidationError

from todos.models import RECURRENCE_MAX_LENGTH

FIELD = "recurrence"
RECURRENCE_COUNT_MAX = 1000
EXAMPLE = "FREQ=WEEKLY;BYDAY=MO"
TOO_FREQUENT = ("MINUTELY", "SECONDLY")
# A rule that matches some day matches one within any 400 years (the Gregorian cycle): the
# check that a rule ever occurs scans only those, from a year that starts a cycle.
CYCLE_START = datetime(9600, 1, 1)
COUNT = re.compile(r"(?<![A-Z])COUNT=\d+")
# The rules whose periods have one length, so a start can move on by whole periods.
STEPS = {"HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}
WEEKDAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
WORK_WEEK = ["MO", "TU", "WE", "TH", "FR"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
UNITS = {"HOURLY": "hour", "DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
SUFFIXES = {1: "st", 2: "nd", 3: "rd"}
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
# The parts recurrence_text says in words; a rule with others is said approximately.
SAID_PARTS = frozenset({"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR",
                        "BYMINUTE", "COUNT", "UNTIL", "WKST"})  # fmt: skip
# RFC 5545's parts and the form of their values (dateutil alone would take Unicode digits,
# its own BYEASTER, and ordinals it then fails on while iterating).
WEEKDAY = f"({'|'.join(WEEKDAYS)})"
NUMBER = r"[+-]?\d{1,3}"
PART_FORMS = {
    "FREQ": re.compile(r"(YEARLY|MONTHLY|WEEKLY|DAILY|HOURLY|MINUTELY|SECONDLY)"),
    "UNTIL": re.compile(r"\d{8}(T\d{6}Z?)?", re.ASCII),
    "COUNT": re.compile(r"\d{1,6}", re.ASCII),
    "INTERVAL": re.compile(r"\d{1,6}", re.ASCII),
    "WKST": re.compile(WEEKDAY),
    "BYDAY": re.compile(rf"([+-]?\d{{1,2}})?{WEEKDAY}(,([+-]?\d{{1,2}})?{WEEKDAY})*", re.ASCII),
    **{
        name: re.compile(rf"{NUMBER}(,{NUMBER})*", re.ASCII)
        for name in ("BYSECOND", "BYMINUTE", "BYHOUR", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO",
                     "BYMONTH", "BYSETPOS")
    },
}  # fmt: skip
# The range of each numbered part; the SIGNED ones count from the end too (-1: the last).
PART_RANGES = {"BYSECOND": (0, 60), "BYMINUTE": (0, 59), "BYHOUR": (0, 23), "BYMONTH": (1, 12),
               "BYMONTHDAY": (1, 31), "BYYEARDAY": (1, 366), "BYWEEKNO": (1, 53),
               "BYSETPOS": (1, 366)}  # fmt: skip
SIGNED = frozenset({"BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"})


def _invalid(message: str) -> ValidationError:
    return ValidationError({FIELD: [message]})


def rule_parts(rule: str) -> dict[str, str]:
    """A normalised rule's parts: {"FREQ": "WEEKLY", "BYDAY": "MO"}."""
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


def _check_parts(rule: str, parts: dict[str, str]) -> None:
    """Each part is RFC 5545's, once, with a value of its form and range."""
    names = [part.split("=", 1)[0] for part in rule.split(";")]
    if len(names) != len(set(names)) or len(names) != len(parts):
        raise _invalid(f"Give each part of the RRULE once, as NAME=VALUE: e.g. {EXAMPLE}.")
    for name, value in parts.items():
        form = PART_FORMS.get(name)
        if form is None:
            raise _invalid(f'"{name[:20]}" is not a part of an RRULE: e.g. {EXAMPLE}.')
        if not form.fullmatch(value):
            raise _invalid(f"{name}={value[:20]} is not valid: e.g. {EXAMPLE}.")
        if name in PART_RANGES:
            low, high = PART_RANGES[name]
            numbers = [int(number) for number in value.split(",")]
            if not all(low <= (abs(n) if name in SIGNED else n) <= high for n in numbers):
                counted_back = f" (or {-low} to {-high} from the end)" if name in SIGNED else ""
                raise _invalid(f"{name} is {low} to {high}{counted_back}.")
    ordinals = [int(day[:-2]) for day in parts.get("BYDAY", "").split(",") if len(day) > 2]
    if not all(1 <= abs(ordinal) <= 53 for ordinal in ordinals):
        raise _invalid("A BYDAY position is 1 to 53 (or -1 to -53), e.g. 1MO, -1FR.")


def _parsed(rule: str, start: datetime) -> rrule.rrule:
    # ignoretz: an UNTIL given in UTC ("...T000000Z") is read as wall-clock time, like the start.
    return rrule.rrulestr(rule, dtstart=start, ignoretz=True)


def clean_recurrence(value: object) -> str:
    """The rule, normalised ("RRULE:" dropped, upper-case), "" for none; or a ValidationError
    on `recurrence` saying what is wrong with it."""
    if not isinstance(value, str):
        raise _invalid(f"Give the repeat as an RRULE string, e.g. {EXAMPLE}.")
    rule = value.strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule.removeprefix("RRULE:").strip()
    if not rule:
        return ""
    if len(rule) > RECURRENCE_MAX_LENGTH:
        raise _invalid(f"An RRULE can be up to {RECURRENCE_MAX_LENGTH} characters.")
    if any(character.isspace() for character in rule):
        raise _invalid(f"Give one RRULE without spaces or line breaks, e.g. {EXAMPLE}.")
    shown = value.strip()[:60]
    parts = rule_parts(rule)
    if "FREQ" not in parts:
        raise _invalid(f'"{shown}" has no FREQ: e.g. {EXAMPLE}.')
    _check_parts(rule, parts)
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid("Give COUNT or UNTIL, not both.")
    try:
        parsed = _parsed(rule, datetime(2000, 1, 1))
    except ValueError as error:
        raise _invalid(f'"{shown}" is not a valid RRULE ({error}): e.g. {EXAMPLE}.') from None
    if parts.get("FREQ") in TOO_FREQUENT:
        raise _invalid("A task can repeat at most hourly (FREQ=HOURLY or less often).")
    if any(len(parts.get(name, "").split(",")) > 1 for name in ("BYMINUTE", "BYSECOND")):
        raise _invalid("A task can repeat at most hourly: give at most one BYMINUTE.")
    if int(parts.get("COUNT", 1)) > RECURRENCE_COUNT_MAX:
        raise _invalid(f"COUNT can be at most {RECURRENCE_COUNT_MAX}.")
    if int(parts.get("COUNT", 1)) < 1 or int(parts.get("INTERVAL", 1)) < 1:
        raise _invalid("COUNT and INTERVAL must be at least 1.")
    if parsed.replace(dtstart=CYCLE_START, count=None, until=None).after(CYCLE_START, True) is None:
        raise _invalid(f'"{shown}" never happens (no date matches it).')
    return rule


@dataclass(frozen=True)
class Occurrence:
    """Where a repeating task moves when it is completed: its new due date, due time (None
    for a task without one) and rule (its COUNT counted down)."""

    due_date: date
    due_time: time | None
    recurrence: str


def next_occurrence(
    rule: str, *, due_date: date, due_time: time | None, now: datetime
) -> Occurrence | None:
    """The occurrence after the task's current one that is not already past at `now` (the
    owner's wall-clock time, naive); None when the rule has no more (COUNT used up, UNTIL
    passed, or none can follow this start).

    A task without a time moves to a later day (never earlier than today); one with a time to
    a later moment after `now`. Occurrences skipped because they are past count towards COUNT.
    """
    if due_time is None and due_date == date.max:
        return None
    start = datetime.combine(due_date, due_time or time.min)
    parts = rule_parts(rule)
    if due_time is None:
        threshold = datetime.combine(max(due_date + timedelta(days=1), now.date()), time.min)
    else:
        threshold = max(start, now) + timedelta(microseconds=1)
    if "COUNT" not in parts:
        found = _after(rule, _in_phase_before(start, threshold, parts), threshold)
        return None if found is None else _occurrence(found, due_time, rule)
    left = int(parts["COUNT"]) - 1  # the current date was one of them
    try:
        endless = _parsed(rule, start).replace(count=None)
    except ValueError:  # nothing can follow this start (the rule's hours never line up)
        return None
    for moment in endless.xafter(start, count=left, inc=False):
        left -= 1
        if moment >= threshold:
            return _occurrence(moment, due_time, COUNT.sub(f"COUNT={left + 1}", rule))
    return None


def _in_phase_before(start: datetime, threshold: datetime, parts: dict[str, str]) -> datetime:
    """A start whole periods (INTERVAL times a day, an hour or a week) later than `start`, so the
    same occurrences follow it, but at most one period before `threshold`: an hourly task
    overdue for years does not walk through every hour since (monthly and yearly rules step
    fast enough, and their periods vary in length)."""
    step = STEPS.get(parts["FREQ"])
    if step is None or threshold <= start:
        return start
    period = step * int(parts.get("INTERVAL", 1))
    return start + period * max((threshold - start) // period - 1, 0)


def _after(rule: str, start: datetime, threshold: datetime) -> datetime | None:
    """The rule's first occurrence from `start` at or after `threshold`."""
    try:
        return _parsed(rule, start).after(threshold, inc=True)
    except ValueError:  # nothing can follow this start (the rule's hours never line up)
        return None


def _occurrence(moment: datetime, due_time: time | None, rule: str) -> Occurrence:
    return Occurrence(
        due_date=moment.date(),
        due_time=None if due_time is None else moment.time().replace(second=0, microsecond=0),
        recurrence=rule,
    )


def first_occurrence(rule: str, *, on_or_after: date) -> date | None:
    """The first day the rule falls on from `on_or_after` (a repeat given without a date)."""
    start = datetime.combine(on_or_after, time.min)
    found = _after(rule, start, start)
    return None if found is None else found.date()


def _ordinal(number: int) -> str:
    if number < 0:
        return "last day" if number == -1 else f"{_ordinal(-number)} to last day"
    suffix = "th" if 11 <= number % 100 <= 13 else SUFFIXES.get(number % 10, "th")
    return f"{number}{suffix}"


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _weekday_words(byday: str) -> str | None:
    """ "MO,TH" → "Monday and Thursday"; "1MO" → "first Monday"; None when not said simply."""
    said = []
    for day in byday.split(","):
        match = re.fullmatch(r"([+-]?\d+)?([A-Z]{2})", day)
        if not match or match[2] not in WEEKDAYS:
            return None
        position = int(match[1]) if match[1] else None
        if position is not None and position not in ORDINAL_WORDS:
            return None
        prefix = f"{ORDINAL_WORDS[position]} " if position is not None else ""
        said.append(prefix + WEEKDAYS[match[2]])
    return _joined(said)


def _clock(hours: str, minutes: str) -> str | None:
    """ "8", "0" → "8:00 AM"; None for several hours."""
    if "," in hours:
        return None
    hour, minute = int(hours), int(minutes or 0)
    return f"{(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def recurrence_text(rule: str) -> str:
    """The rule in plain English: "every Monday", "every 2 weeks", "every month on the 31st",
    "every year on March 3", "every weekday"; "" for none."""
    if not rule:
        return ""
    parts = rule_parts(rule)
    unit = UNITS.get(parts.get("FREQ", ""), "")
    if not unit:
        return "repeats"
    interval = int(parts.get("INTERVAL", "1") or 1)
    every = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
    byday = parts.get("BYDAY", "")
    days = byday.split(",") if byday else []
    on = []
    if len(days) == len(WORK_WEEK) and set(days) == set(WORK_WEEK):
        every = "every weekday" if interval == 1 else f"{every} on weekdays"
    elif days and (words := _weekday_words(byday)):
        if unit == "week" and interval == 1 and not any(d[0] in "+-0123456789" for d in days):
            every = f"every {words}"
        else:
            on.append(f"the {words}" if unit in ("month", "year") else words)
    elif days:
        on.append(byday)
    if "BYMONTHDAY" in parts:
        on.append("the " + _joined([_ordinal(int(day)) for day in parts["BYMONTHDAY"].split(",")]))
    text = f"{every} on {' '.join(on)}" if on else every
    if "BYMONTH" in parts:
        months = [MONTHS[int(month) - 1] for month in parts["BYMONTH"].split(",")]
        day = parts.get("BYMONTHDAY", "")
        if len(months) == 1 and day.isdigit() and not days:  # "every year on March 3"
            text = f"{every} on {months[0]} {int(day)}"
        else:
            text += f" in {_joined(months)}"
    if "BYHOUR" in parts and (clock := _clock(parts["BYHOUR"], parts.get("BYMINUTE", ""))):
        text += f" at {clock}"
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        text += ", once more" if count == 1 else f", {count} times"
    if "UNTIL" in parts:
        until = date(int(parts["UNTIL"][:4]), int(parts["UNTIL"][4:6]), int(parts["UNTIL"][6:8]))
        text += f", until {MONTHS[until.month - 1]} {until.day}, {until.year}"
    if set(parts) - SAID_PARTS:
        text += " (custom)"
    return text
