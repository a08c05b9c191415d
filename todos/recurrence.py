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
UNTIL = re.compile(r"\d{8}(T\d{6}Z?)?", re.ASCII)

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


def _invalid(message: str) -> ValidationError:
    return ValidationError({FIELD: [message]})


def rule_parts(rule: str) -> dict[str, str]:
    """A normalised rule's parts: {"FREQ": "WEEKLY", "BYDAY": "MO"}."""
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


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
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid("Give COUNT or UNTIL, not both.")
    try:
        parsed = _parsed(rule, datetime(2000, 1, 1))
    except TypeError:  # dateutil's way of saying FREQ is missing
        raise _invalid(f'"{shown}" has no FREQ: e.g. {EXAMPLE}.') from None
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
    if "UNTIL" in parts and not UNTIL.fullmatch(parts["UNTIL"]):
        raise _invalid("Give UNTIL as YYYYMMDD or YYYYMMDDTHHMMSSZ.")
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
    passed).

    A task without a time moves to a later day (never earlier than today); one with a time to
    a later moment after `now`. Occurrences skipped because they are past count towards COUNT.
    """
    start = datetime.combine(due_date, due_time or time.min)
    parts = rule_parts(rule)
    endless = _parsed(rule, start).replace(count=None)
    if due_time is None:
        threshold = datetime.combine(max(due_date + timedelta(days=1), now.date()), time.min)
    else:
        threshold = max(start, now) + timedelta(microseconds=1)
    if "COUNT" not in parts:
        found = endless.after(threshold, inc=True)
        return None if found is None else _occurrence(found, due_time, rule)
    left = int(parts["COUNT"]) - 1  # the current date was one of them
    for moment in endless.xafter(start, count=left, inc=False):
        left -= 1
        if moment >= threshold:
            return _occurrence(moment, due_time, COUNT.sub(f"COUNT={left + 1}", rule))
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
    found = _parsed(rule, start).after(start, inc=True)
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
