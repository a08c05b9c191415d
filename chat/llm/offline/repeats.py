"""Repeats in the offline model's English: a repeat phrase ending a task's text as an RFC 5545
RRULE, its first occurrence, and "stop repeating X".

A recurring task is one task whose due date moves to the next occurrence when it is completed
(todos/recurrence.py); the model passes the rule (`recurrence`) with the first occurrence as
the due date, and a time of day, if one was said, as `due_time` (never in the rule).

Phrases understood (tested as a table in tests/chat/test_offline_repeats.py):
* "every day", "daily", "every 3 days", "every other day"
* "every monday", "every mon, wed and fri", "every weekday", "every weekend", "on mondays"
* "every week", "weekly", "every 2 weeks", "every other week", "fortnightly",
  "weekly on monday", "every 2 weeks on tuesday and thursday"
* "every month", "monthly", "every month on the 1st", "monthly on the 31st" (months without
  a 31st are skipped, as RRULE says), "on the 1st of every month", "every 15th of the month",
  "on the last day of every month", "every month on the 1st and 15th"
* "every year", "yearly", "annually", "every year on mar 3", "every march 3rd",
  "yearly on 3 march", "on mar 3 every year"
* stopping: "stop repeating pay rent", "don't repeat pay rent anymore", "make pay rent a
  one-off", "remove the repeat from pay rent" -> update_task(recurrence="")
* starting on a task that exists: "make pay rent repeat every month", "repeat pay rent
  every monday" -> update_task(recurrence=...), with due_date its first occurrence when the
  rule names days ("every monday"; "every month" repeats from the task's own date)
Phrases are matched word by word from the end of the text (at most `MAX_PHRASE_WORDS`): linear
in the text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from chat.llm.offline.intents import Intent
from chat.llm.offline.tasks import parse_ref
from chat.llm.offline.text import MAX_REQUEST_CHARS, first_match

# --- Phrase tables ---------------------------------------------------------------------------

WEEKDAY_CODES = {
    "monday": "MO", "mon": "MO", "mondays": "MO",
    "tuesday": "TU", "tue": "TU", "tues": "TU", "tuesdays": "TU",
    "wednesday": "WE", "wed": "WE", "wednesdays": "WE",
    "thursday": "TH", "thu": "TH", "thur": "TH", "thurs": "TH", "thursdays": "TH",
    "friday": "FR", "fri": "FR", "fridays": "FR",
    "saturday": "SA", "sat": "SA", "saturdays": "SA",
    "sunday": "SU", "sun": "SU", "sundays": "SU",
}  # fmt: skip
DAY_GROUPS = {
    "weekday": ("MO", "TU", "WE", "TH", "FR"),
    "weekdays": ("MO", "TU", "WE", "TH", "FR"),
    "weekend": ("SA", "SU"),
    "weekends": ("SA", "SU"),
}
UNIT_FREQUENCIES = {
    "day": "DAILY", "days": "DAILY", "week": "WEEKLY", "weeks": "WEEKLY",
    "month": "MONTHLY", "months": "MONTHLY", "year": "YEARLY", "years": "YEARLY",
}  # fmt: skip
# A word that says the whole repeat: (frequency, interval).
ADVERBS = {
    "daily": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "fortnightly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
    "yearly": ("YEARLY", 1),
    "annually": ("YEARLY", 1),
}
EVERY = frozenset({"every", "each"})
INTERVAL_WORDS = {
    "other": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12,
}  # fmt: skip
MONTH_NUMBERS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "tenth": 10,
    "fifteenth": 15, "twentieth": 20, "last": -1,
}  # fmt: skip
FILLERS = frozenset({"the", "of", "and", "day"})  # "on the 1st and 15th", "last day of"
MAX_PHRASE_WORDS = 9  # "every 2 weeks on mon, wed and fri"
DAY_NUMBER = re.compile(r"([1-9]|[12]\d|3[01])(?:st|nd|rd|th)?", re.ASCII)
INTERVAL = re.compile(r"[1-9]\d?", re.ASCII)
EDGE_PUNCTUATION = "?!.,;:\"'"

_STOP_PATTERNS = [
    r"^(?:stop|quit|end)\s+repeating(?:\s+(?P<ref>.+?))?(?:\s+any\s*more)?$",
    r"^(?:stop|end)\s+(?P<ref>.+?)\s+(?:from\s+)?(?:repeating|recurring)$",
    r"^(?:don't|do\s+not|no\s+longer)\s+repeat\s+(?P<ref>.+?)(?:\s+any\s*more)?$",
    r"^make\s+(?P<ref>.+?)\s+(?:not\s+repeat|not\s+recurring|non-recurring|(?:a\s+)?one[-\s]off)$",
    r"^(?P<ref>.+?)\s+(?:should\s+not|shouldn't|doesn't|does\s+not)\s+(?:need\s+to\s+)?repeat"
    r"(?:\s+any\s*more)?$",
    r"^(?:remove|clear|cancel|delete|drop)\s+(?:the\s+)?(?:repeat|recurrence|repetition)\s+"
    r"(?:from|of|on)\s+(?P<ref>.+)$",
]
_START_PATTERNS = [
    r"^(?:make|set)\s+(?P<ref>.+?)\s+(?:to\s+)?(?:repeat|recur)\s+(?P<when>.+)$",
    r"^(?:repeat)\s+(?P<ref>.+?)\s+(?P<when>(?:every|each|daily|weekly|monthly|yearly|on)\b.*)$",
]


# --- Reading a repeat phrase -----------------------------------------------------------------


def _word(word: str) -> str:
    return word.strip(EDGE_PUNCTUATION).casefold()


def _rule(frequency: str, interval: int = 1, **parts: str) -> str:
    fields = [f"FREQ={frequency}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    return ";".join(fields + [f"{name}={value}" for name, value in parts.items() if value])


def _weekdays(words: list[str]) -> str | None:
    """ "mon, wed and fri" -> "MO,WE,FR"; "weekdays" -> "MO,...,FR"; else None."""
    if len(words) == 1 and words[0] in DAY_GROUPS:
        return ",".join(DAY_GROUPS[words[0]])
    codes = [WEEKDAY_CODES.get(word) for word in words if word != "and"]
    if not codes or None in codes or words[-1] == "and":
        return None
    return ",".join(dict.fromkeys(code for code in codes if code))


def _month_days(words: list[str]) -> str | None:
    """ "the 1st and 15th" -> "1,15"; "the last day" -> "-1"; else None."""
    days = []
    for word in words:
        if word in FILLERS:
            continue
        if match := DAY_NUMBER.fullmatch(word):
            days.append(int(match[1]))
        elif word in ORDINAL_WORDS:
            days.append(ORDINAL_WORDS[word])
        else:
            return None
    return ",".join(str(day) for day in dict.fromkeys(days)) if days else None


def _month_and_day(words: list[str]) -> tuple[int, int] | None:
    """ "mar 3", "march 3rd", "3 march", "the 3rd of march" -> (3, 3); else None."""
    words = [word for word in words if word not in {"the", "of"}]
    if len(words) != 2:
        return None
    month, day = words if words[0] in MONTH_NUMBERS else reversed(words)
    match = DAY_NUMBER.fullmatch(day)
    if month not in MONTH_NUMBERS or not match:
        return None
    try:  # Feb 30 is no day; Feb 29 repeats in leap years
        date(2024, MONTH_NUMBERS[month], int(match[1]))
    except ValueError:
        return None
    return MONTH_NUMBERS[month], int(match[1])


def _qualified(frequency: str, interval: int, rest: list[str]) -> str | None:
    """A frequency with what follows it: nothing, or "on <weekdays / month days / a date>"."""
    if not rest:
        return _rule(frequency, interval)
    if rest[0] != "on" or len(rest) < 2:
        return None
    said = rest[1:]
    if frequency == "WEEKLY" and (days := _weekdays(said)):
        return _rule(frequency, interval, BYDAY=days)
    if frequency == "MONTHLY" and (month_days := _month_days(said)):
        return _rule(frequency, interval, BYMONTHDAY=month_days)
    if frequency == "YEARLY" and (month_day := _month_and_day(said)):
        return _rule(frequency, interval, BYMONTH=str(month_day[0]), BYMONTHDAY=str(month_day[1]))
    return None


def _every(words: list[str]) -> str | None:
    """The words after "every": "2 weeks on monday", "monday", "weekday", "mar 3", "1st of
    the month"."""
    if not words:
        return None
    count = INTERVAL_WORDS.get(words[0]) or (int(words[0]) if INTERVAL.fullmatch(words[0]) else 0)
    if count and len(words) > 1 and words[1] in UNIT_FREQUENCIES:
        return _qualified(UNIT_FREQUENCIES[words[1]], count, words[2:])
    if words[0] in UNIT_FREQUENCIES and not words[0].endswith("s"):
        return _qualified(UNIT_FREQUENCIES[words[0]], 1, words[1:])
    if days := _weekdays(words):
        return _rule("WEEKLY", BYDAY=days)
    if month_day := _month_and_day(words):
        return _rule("YEARLY", BYMONTH=str(month_day[0]), BYMONTHDAY=str(month_day[1]))
    if len(words) >= 3 and words[-1] == "month" and words[-2] in {"the", "each", "every"}:
        return _month_days_rule(words[:-2])  # "every 1st of the month"
    return None


def _month_days_rule(words: list[str]) -> str | None:
    if words and words[-1] == "of" and (month_days := _month_days(words[:-1])):
        return _rule("MONTHLY", BYMONTHDAY=month_days)
    return None


def _on(words: list[str]) -> str | None:
    """The words after "on": "the 1st of every month", "mondays", "mar 3 every year"."""
    if len(words) >= 3 and words[-2] in EVERY and words[-1] in UNIT_FREQUENCIES:
        frequency, said = UNIT_FREQUENCIES[words[-1]], words[:-2]
        if frequency == "MONTHLY":
            return _month_days_rule(said)
        if frequency == "YEARLY" and (month_day := _month_and_day(said)):
            return _rule("YEARLY", BYMONTH=str(month_day[0]), BYMONTHDAY=str(month_day[1]))
        if frequency == "WEEKLY" and (days := _weekdays(said)):  # "on monday every week"
            return _rule("WEEKLY", BYDAY=days)
        return None
    # "on mondays", "on weekdays": plural days only ("on monday" is one date).
    if all(word.endswith("s") or word == "and" for word in words) and (days := _weekdays(words)):
        return _rule("WEEKLY", BYDAY=days)
    return None


def parse_repeat(words: list[str]) -> str | None:
    """The RRULE the whole of `words` (normalized) says, or None."""
    if not words:
        return None
    if words[0] in EVERY:
        return _every(words[1:])
    if words[0] in ADVERBS:
        return _qualified(*ADVERBS[words[0]], words[1:])
    if words[0] == "on":
        return _on(words[1:])
    return None


def split_repeat(text: str) -> tuple[str, str | None]:
    """`text` without its trailing repeat phrase, and the RRULE: "water the plants every
    monday" -> ("water the plants", "FREQ=WEEKLY;BYDAY=MO"); none -> (text, None)."""
    words = text.split()
    for size in range(min(MAX_PHRASE_WORDS, len(words) - 1), 0, -1):
        if rule := parse_repeat([_word(word) for word in words[-size:]]):
            return " ".join(words[:-size]).rstrip(","), rule
    return text, None


def first_occurrence(rule: str, start: date, *, after: bool = False) -> date | None:
    """The first day on or after `start` (strictly after, with `after`) the rule falls on."""
    # Imported here: only a process that reads a repeat phrase needs dateutil's rrule.
    from dateutil.rrule import rrulestr

    beginning = datetime.combine(start, time())
    occurrence = rrulestr(rule, dtstart=beginning).after(beginning, inc=not after)
    return occurrence.date() if occurrence else None


# --- Requests about a task's repeat ----------------------------------------------------------


def parse_repeat_request(text: str, today: date) -> Intent | None:
    """ "stop repeating pay rent" -> update_task(recurrence=""); "make pay rent repeat every
    month" -> update_task(recurrence=..., due_date=the first occurrence)."""
    if len(text) > MAX_REQUEST_CHARS:
        return None
    if match := first_match(_STOP_PATTERNS, text):
        return Intent("update", ref=parse_ref(match["ref"] or "it"), new_recurrence="")
    if (match := first_match(_START_PATTERNS, text)) and (
        rule := parse_repeat([_word(word) for word in match["when"].split()])
    ):
        # A rule that names its days moves the task to the first of them; "every month"
        # keeps the task's own date, from which it repeats.
        first = first_occurrence(rule, today) if "BY" in rule else None
        return Intent(
            "update",
            ref=parse_ref(match["ref"]),
            new_recurrence=rule,
            new_due_date=first.isoformat() if first else None,
        )
    return None
