"""Reminders in the offline model's English: "remind me to X at/tomorrow at/on ...", "remind me
30 minutes before", and saying when a reminder will come, in the user's zone.

Phrases understood (tested as a table in tests/chat/test_offline_reminders.py):
* a new task with a reminder at its due time: "remind me to call mom tomorrow at 5pm",
  "remind me tomorrow at 5pm to call mom" (the time said first), "remind me to take my pills
  every day at 8am" -> add_task(due_date, due_time, remind_at) -- or, for a recurring task,
  remind_before_minutes=0, which moves with the task. "remind me to call bob on monday" has
  no time: the task is added with its date and no reminder (the user's default reminder,
  if any, needs a time too).
* a reminder on a task that exists, relative to its due time: "remind me 30 minutes before",
  "remind me an hour before", "remind me half an hour before it", "remind me about pay rent
  2 hours before", "set a reminder 15 min before task 4", "remind me a day before the
  dentist", "remind me when it's due" -> update_task(remind_before_minutes=N) on the task
  named, or the one just talked about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from chat.llm.offline.intents import Intent
from chat.llm.offline.tasks import REMIND_ME, parse_ref
from chat.llm.offline.text import FLAGS, MAX_REQUEST_CHARS
from chat.llm.offline.times import spoken_time, time_from_hhmm

# --- Phrase tables ---------------------------------------------------------------------------

UNIT_MINUTES = {
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "d": 1440, "day": 1440, "days": 1440, "week": 10080, "weeks": 10080,
}  # fmt: skip
COUNT_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "half an": 0.5,
    "a half": 0.5, "a quarter of an": 0.25, "quarter of an": 0.25,
}  # fmt: skip
_ASKER = r"(?:remind\s+me|ping\s+me|alert\s+me|notify\s+me|(?:set|add|create)\s+(?:a\s+)?reminder)"
_COUNT = r"(?P<count>\d{1,4}|" + "|".join(sorted(COUNT_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(?P<unit>" + "|".join(sorted(UNIT_MINUTES, key=len, reverse=True)) + ")"
_BEFORE = re.compile(
    rf"^{_ASKER}(?:\s+(?:about|of|for|on)\s+(?P<ref>.+?))?\s+{_COUNT}\s*{_UNIT}\s+"
    r"(?:before|earlier|ahead(?:\s+of\s+time)?|in\s+advance|prior)"
    r"(?:\s+(?:to\s+|of\s+)?(?P<target>.+?))?$",
    FLAGS,
)
_AT_DUE_TIME = re.compile(
    rf"^{_ASKER}(?:\s+(?:about|of|for|on)\s+(?P<ref>.+?))?\s+(?:at\s+the\s+due\s+time"
    r"|when\s+(?:it's|it\s+is|it\s+gets|(?P<target>.+?)\s+is)\s+due)$",
    FLAGS,
)
# "before it's due", "before pay rent is due", "before the due time": the task, unsaid or named.
_DUE_TAIL = re.compile(r"(?:'s|\s+is|\s+gets)\s+due$|^(?:the\s+)?due(?:\s+(?:time|date))?$", FLAGS)
MAX_WHEN_WORDS = 6  # "remind me next friday at 5:30 pm to ..."


# --- Parsing ---------------------------------------------------------------------------------


def _minutes(count: str, unit: str) -> int:
    amount = COUNT_WORDS.get(count.casefold()) or int(count)
    return round(amount * UNIT_MINUTES[unit.casefold()])


def _target(match: re.Match[str]) -> str:
    target = _DUE_TAIL.sub("", (match["target"] or "").strip()).strip()
    return match["ref"] or target or "it"


def parse_reminder_request(text: str) -> Intent | None:
    """ "remind me 30 minutes before" -> update_task(remind_before_minutes=30) on "it"."""
    if len(text) > MAX_REQUEST_CHARS:
        return None
    if match := _BEFORE.match(text):
        minutes = _minutes(match["count"], match["unit"])
        return Intent("update", ref=parse_ref(_target(match)), remind_before_minutes=minutes)
    if match := _AT_DUE_TIME.match(text):
        return Intent("update", ref=parse_ref(_target(match)), remind_before_minutes=0)
    return None


def is_reminder_request(text: str) -> bool:
    """Whether an add asks to be reminded ("remind me to ...")."""
    return bool(REMIND_ME.match(text))


def with_when_last(text: str, is_when: Callable[[str], bool]) -> str:
    """ "remind me tomorrow at 5pm to call mom" -> "remind me to call mom tomorrow at 5pm":
    the time said first moved to the end, where the add family reads it. `is_when` says
    whether some words are only a when (date, time, repeat)."""
    match = REMIND_ME.match(text)
    if not match:
        return text
    words = text[match.end() :].split(" ")
    for index, word in enumerate(words[: MAX_WHEN_WORDS + 2]):
        if word.casefold() == "to" and index > 1:
            when = " ".join(words[1:index])
            if is_when(when):
                return f"{text[: match.end()]} {' '.join(words[index:])} {when}"
            break
    return text


# --- Saying when a reminder comes ------------------------------------------------------------


def spoken_day(day: date, today: date | None) -> str:
    """ "today", "tomorrow", "on Wednesday" (this week), "on Friday, Dec 18"; without a today,
    always the date."""
    if today is not None:
        ahead = (day - today).days
        if ahead in (0, 1):
            return "today" if ahead == 0 else "tomorrow"
        if 1 < ahead < 7:
            return f"on {day:%A}"
    return f"on {day:%A}, {day:%b} {day.day}"


def spoken_moment(moment: datetime, today: date | None) -> str:
    """ "tomorrow at 5:00 PM", "on Friday, Dec 18 at 9:00 AM"."""
    return f"{spoken_day(moment.date(), today)} at {spoken_time(moment.time())}"


def _moment(value: Any) -> datetime | None:
    """A tool payload's local "YYYY-MM-DD HH:MM" (or the ISO "T" form) as a datetime."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def due_moment(task: dict[str, Any]) -> datetime | None:
    """When a task payload is due, as local wall-clock time, if it has a date and a time."""
    at = time_from_hhmm(task.get("due_time"))
    try:
        day = date.fromisoformat(str(task.get("due_date")))
    except ValueError:
        return None
    return datetime.combine(day, at) if at is not None else None


def reminder_moments(task: dict[str, Any], arguments: dict[str, Any]) -> list[datetime]:
    """When a task's reminders come: its payload's `reminders`, or what the call asked for."""
    moments = [moment for value in task.get("reminders") or [] if (moment := _moment(value))]
    if moments:
        return sorted(set(moments))
    if asked := _moment(arguments.get("remind_at")):
        return [asked]
    before = arguments.get("remind_before_minutes")
    if isinstance(before, int) and (due := due_moment(task)):
        return [due - timedelta(minutes=before)]
    return []


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def remind_text(moments: list[datetime], today: date | None) -> str:
    """ "I'll remind you tomorrow at 5:00 PM." for the reminders of one task ("tomorrow at
    4:30 PM and 5:00 PM" for two that day), or ""."""
    days: dict[date, list[str]] = {}
    for moment in sorted(moments):
        days.setdefault(moment.date(), []).append(spoken_time(moment.time()))
    said = [f"{spoken_day(day, today)} at {_and(times)}" for day, times in days.items()]
    return f"I'll remind you {_and(said)}." if said else ""


def before_text(minutes: int) -> str:
    """30 -> "30 minutes before"; 60 -> "1 hour before"; 0 -> "at the due time"."""
    if minutes == 0:
        return "at the due time"
    for size, unit in ((10080, "week"), (1440, "day"), (60, "hour")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'} before"
    return f"{minutes} minute{'' if minutes == 1 else 's'} before"
