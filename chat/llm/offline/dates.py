"""Due dates in the offline model's English: finding the date phrase in a message, resolving
it against the user's today, and saying dates back.

The model knows the user's today the way a real model does: from the agent's instructions
("Today is Friday, 2026-12-04 in the user's time zone ...", chat/llm/agent.py).

Phrases are found word by word from the end of the message (no backtracking regular
expressions: every step is linear in the message), and resolved by `dateparser` against
today: a weekday is its next occurrence with today excluded ("friday" on a Friday is a week
away), "tomorrow", "next week", "in 3 days", "dec 5" and ISO dates work as expected.

Families understood (`today` a Friday, 2026-12-04):
* add with a date: "add pay rent due friday" (12-11), "add call mom tomorrow" (12-05),
  each part of a compound request its own ("add pay rent due friday and buy milk"),
  "add renew passport by 2026-12-05", "add dentist on dec 5" -> add_task(due_date=...)
* move: "move pay rent to monday" (12-07) -> update_task(due_date=...)
* clear: "remove the date from pay rent" -> update_task(clear_due_date=true)
* ask: "what's due today?", "what's due tomorrow?", "what's due this week?", "what's due
  next week?" (Monday to Sunday of the next calendar week), "what's overdue?", "what has no
  due date?" -> list_tasks(due=today|tomorrow|week|next_week|overdue|none)
A date phrase that ends an add's title is taken off it with the time and repeat phrases
(chat/llm/offline/schedule.py).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chat.llm.offline.intents import Intent
from chat.llm.offline.tasks import parse_ref
from chat.llm.offline.times import spoken_time, time_from_hhmm

TODAY_LINE = re.compile(r"Today is [A-Za-z]+, (\d{4}-\d{2}-\d{2})", re.ASCII)
ZONE_LINE = re.compile(r"Today is [^\n]* in the user's time zone \(([A-Za-z0-9_+\-/]{1,64})\)")
# chat/llm/agent.py's locale_line: "... numeric dates are month/day ..." (else day/month).
MONTH_FIRST_LINE = "numeric dates are month/day"
# "12/20", "12/20/2026", "20.12.", "20.12.2026": slashes in the user's order, dots day first.
DATE_WORDS_BEFORE = frozenset({"due", "by", "on", "before", "for", "until", "till", "to"})
NUMERIC_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})(?:\2(\d{4}|\d{2})?)?", re.ASCII)

MAX_PHRASE_WORDS = 4  # "next friday", "december 5 2027", "in 3 days"
MARKERS = frozenset({"due", "by", "on", "before", "for", "until", "till"})
MOVE_VERBS = frozenset({"move", "reschedule", "postpone", "push", "defer", "delay", "shift"})
MOVE_MARKERS = frozenset({"to", "until", "till", "for"})
CLEAR_VERBS = frozenset({"remove", "clear", "delete", "drop", "unset", "take"})
DATE_NOUNS = frozenset({"date", "deadline", "dates"})
ASK_WORDS = frozenset(
    {"what", "what's", "whats", "show", "list", "which", "anything", "any", "is", "are", "tell"}
)

WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
WEEKDAY_ABBREVIATIONS = frozenset(
    {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
)
MONTHS = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip
RELATIVE_DAYS = frozenset({"today", "tonight", "tomorrow", "tmrw"})
UNITS = frozenset({"day", "days", "week", "weeks", "month", "months"})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
DAY_NUMBER = re.compile(r"(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?", re.ASCII)
YEAR = re.compile(r"\d{4}", re.ASCII)
COUNT = re.compile(r"\d{1,3}", re.ASCII)
EDGE_PUNCTUATION = "?!.,;:\"'"
SOON_WORDS = frozenset({"due", "soon", "coming", "up", "next", "my", "tasks", "is", "are"})
QUESTION_STARTS = ASK_WORDS | {"tasks", "todos"}
# "what do i have tomorrow?", "anything for next week?", "show me tomorrow's tasks": a day asked
# about with only these words around it asks what is due then, "due" unsaid.
DAY_QUESTION_WORDS = (
    ASK_WORDS
    | SOON_WORDS
    | RELATIVE_DAYS
    | {"do", "i", "we", "have", "got", "on", "for", "me", "the", "in", "this", "week", "todos"}
    | {"there", "planned", "scheduled", "happening", "anything", "left", "remaining"}
)
POSSESSIVE_DAYS = frozenset({"today's", "tomorrow's", "tonight's"})


# --- Today ----------------------------------------------------------------------------------


def today_from_instructions(instructions: str | None) -> date:
    """The user's today from the agent's instructions; without that line, today in UTC."""
    if instructions and (match := TODAY_LINE.search(instructions)):
        try:
            return date.fromisoformat(match[1])
        except ValueError:
            pass
    return datetime.now(UTC).date()


def clock_from_instructions(instructions: str | None, today: date) -> time | None:
    """The user's wall-clock time (to the minute) in the zone the instructions name, while it
    is still `today` there; else None (a run that started before midnight, an unknown zone)."""
    if not instructions or not (match := ZONE_LINE.search(instructions)):
        return None
    try:
        now = datetime.now(ZoneInfo(match[1]))
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return time(now.hour, now.minute) if now.date() == today else None


def month_first_from_instructions(instructions: str | None) -> bool:
    """Whether the user writes numeric dates month first (12/20), as the instructions say."""
    return bool(instructions) and MONTH_FIRST_LINE in instructions


def _numeric_date(word: str, today: date, month_first: bool) -> date | None:
    match = NUMERIC_DATE.fullmatch(word.rstrip(EDGE_PUNCTUATION.replace(".", "")))
    if not match:
        return None
    first, separator, second, year = int(match[1]), match[2], int(match[3]), match[4]
    month, day = (first, second) if separator == "/" and month_first else (second, first)
    try:
        if year:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        this_year = date(today.year, month, day)
        return this_year if this_year >= today else date(today.year + 1, month, day)
    except ValueError:  # 2/30, 13/1
        return None


def iso_numeric_dates(text: str, today: date, month_first: bool) -> str:
    """Numeric dates after a date word ("due 12/20", "to 20.12.") written as ISO dates, which
    every date family reads: "add gym due 12/20" -> "add gym due 2026-12-20"."""
    words = text.split(" ")
    for index in range(1, len(words)):
        if _word(words[index - 1]) not in DATE_WORDS_BEFORE or not words[index][:1].isdigit():
            continue
        if day := _numeric_date(words[index], today, month_first):
            words[index] = day.isoformat()
    return " ".join(words)


# --- Finding and resolving a date phrase ----------------------------------------------------


def _word(word: str) -> str:
    return word.strip(EDGE_PUNCTUATION).casefold()


def _is_date_phrase(words: list[str], marked: bool) -> bool:
    """Whether `words` read as a date. Without a marker word before them ("due", "by", "on")
    only unmistakable phrases count, so "add march on washington" keeps its title."""
    first, rest = words[0], words[1:]
    if len(words) == 1 and (first in RELATIVE_DAYS | WEEKDAYS or ISO_DATE.fullmatch(first)):
        return True
    if first in {"next", "this"} and len(words) == 2:
        weekday = rest[0] in WEEKDAYS or rest[0] in WEEKDAY_ABBREVIATIONS
        return weekday or (first == "next" and rest[0] == "week")
    if first == "in" and len(words) == 3:
        return bool(COUNT.fullmatch(rest[0])) and rest[1] in UNITS
    if not marked:
        return False
    if len(words) == 1:
        return first in WEEKDAY_ABBREVIATIONS
    if first in MONTHS:  # "dec 5", "december 5th 2027"
        return bool(DAY_NUMBER.fullmatch(rest[0])) and _years(rest[1:])
    if DAY_NUMBER.fullmatch(first):  # "5 dec", "5th of december"
        months = [w for w in rest if w != "of"]
        return len(months) >= 1 and months[0] in MONTHS and _years(months[1:])
    return False


def _years(words: list[str]) -> bool:
    return len(words) <= 1 and all(YEAR.fullmatch(word) for word in words)


def resolve_date(phrase: str, today: date) -> date | None:
    """The day `phrase` names, counted from `today`, or None if it names none."""
    words = [_word(word) for word in phrase.split()]
    if not words or len(words) > MAX_PHRASE_WORDS:
        return None
    if len(words) == 1 and ISO_DATE.fullmatch(words[0]):
        try:
            return date.fromisoformat(words[0])
        except ValueError:
            return None
    return _parsed_date(" ".join(words), today)


@functools.lru_cache(maxsize=256)
def _parsed_date(phrase: str, today: date) -> date | None:
    """dateparser's reading of a normalized phrase; cached: a message of many tasks "due
    friday" costs one parse, not one each (a parse is ~0.5 ms)."""
    words = phrase.split()
    # dateparser's "future" skips today for a month and day too ("dec 5" on Dec 5 would be
    # next year): count those from yesterday, and relative words from today.
    base = today - timedelta(days=1) if any(word in MONTHS for word in words) else today
    # Imported here: every process imports this module (the provider offers the offline
    # model), but only one that reads a date phrase needs dateparser and its language data.
    import dateparser

    try:
        parsed = dateparser.parse(
            phrase,
            languages=["en"],
            settings={
                "RELATIVE_BASE": datetime.combine(base, time(12)),
                "PREFER_DATES_FROM": "future",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "PARSERS": ["relative-time", "absolute-time"],
            },
        )
    except (ValueError, OverflowError):  # a date past year 9999, say
        return None
    return parsed.date() if parsed else None


def split_due(text: str, today: date) -> tuple[str, date | None]:
    """`text` without its trailing date phrase (and the marker before it), and the date.

    "pay rent due friday" -> ("pay rent", the next Friday); no date phrase -> (text, None).
    """
    words = text.split()
    for size in range(min(MAX_PHRASE_WORDS, len(words) - 1), 0, -1):
        phrase = [_word(word) for word in words[-size:]]
        rest = words[:-size]
        marked = _word(rest[-1]) in MARKERS
        if not _is_date_phrase(phrase, marked):
            continue
        due = resolve_date(" ".join(phrase), today)
        if due is None:
            continue
        while rest and _word(rest[-1]) in MARKERS and len(rest) > 1:
            rest = rest[:-1]
        if rest[-1] in {"-", "\u2013", "\u2014"} or rest[-1].endswith(":"):
            return text, None  # "pay rent - before friday": the date is the description's
        return " ".join(rest).rstrip(","), due
    return text, None


# --- Requests that are about dates ----------------------------------------------------------


def parse_move(text: str, today: date) -> tuple[str, date] | None:
    """ "move pay rent to monday" -> ("pay rent", the next Monday)."""
    words = text.split()
    if len(words) < 4 or _word(words[0]) not in MOVE_VERBS:
        return None
    start = 2 if _word(words[1]) in {"back", "out"} else 1  # "push back X to ..."
    for index in range(len(words) - 2, start, -1):
        if _word(words[index]) not in MOVE_MARKERS:
            continue
        phrase = [_word(word) for word in words[index + 1 :]]
        if len(phrase) > MAX_PHRASE_WORDS:
            break
        if _is_date_phrase(phrase, marked=True) and (due := resolve_date(" ".join(phrase), today)):
            return " ".join(words[start:index]), due
    return None


def parse_clear(text: str) -> str | None:
    """ "remove the date from pay rent" / "clear the due date of task 3" -> the task's words;
    "clear its due date" -> "it"."""
    words = text.split()
    if not words or _word(words[0]) not in CLEAR_VERBS:
        return None
    index = 1
    while index < len(words) and _word(words[index]) in {"the", "its", "a", "due", "off"}:
        index += 1
    if index >= len(words) or _word(words[index]) not in DATE_NOUNS:
        return None
    index += 1
    if index == len(words):
        return "it"  # "clear the due date": of the task just mentioned
    if _word(words[index]) not in {"from", "of", "on", "for", "off"}:
        return None  # "remove the date night task" deletes a task
    return " ".join(words[index + 1 :]) or None


def _asked_day(words: list[str], vocabulary: set[str]) -> str | None:
    if vocabulary & {"today", "tonight"}:
        return "today"
    if vocabulary & {"tomorrow", "tmrw"}:
        return "tomorrow"
    if _says(words, "next", "week"):
        return "next_week"
    return "week" if "week" in vocabulary else None


def parse_due_question(text: str) -> str | None:
    """The list_tasks `due` filter a question asks for: "what's due today?" -> "today"."""
    words = [_word(word) for word in text.split()]
    words = [word.removesuffix("'s") if word in POSSESSIVE_DAYS else word for word in words]
    if not words or words[0] not in QUESTION_STARTS:
        return None
    vocabulary = set(words)
    if "overdue" in vocabulary or "late" in vocabulary:
        return "overdue"
    if "undated" in vocabulary or ("no" in vocabulary and vocabulary & DATE_NOUNS):
        return "none"
    day = _asked_day(words, vocabulary)
    if vocabulary & {"due", "deadline", "deadlines"}:
        return day or ("week" if vocabulary <= ASK_WORDS | SOON_WORDS else None)  # "due soon?"
    return day if vocabulary <= DAY_QUESTION_WORDS else None


def _says(words: list[str], *phrase: str) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1))


def parse_date_request(text: str, today: date) -> Intent | None:
    """Requests that are about due dates: a question, clearing one, moving one."""
    if due := parse_due_question(text):
        return Intent("list", status="pending", due=due)
    if (ref := parse_clear(text)) is not None:
        return Intent("update", ref=parse_ref(ref), clear_due_date=True)
    if moved := parse_move(text, today):
        return Intent("update", ref=parse_ref(moved[0]), new_due_date=moved[1].isoformat())
    return None


# --- Saying dates ---------------------------------------------------------------------------


def spoken_date(iso: str) -> str:
    """ "2026-12-04" -> "Friday, Dec 4"."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{day:%A}, {day:%b} {day.day}"


def due_note(task: dict) -> str:
    """ " (due Fri, Dec 4)", " (due Fri, Dec 4, 5:00 PM, every Monday)" for a task line, or
    ""."""
    iso = task.get("due_date")
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return ""
    at = time_from_hhmm(task.get("due_time"))
    clock = f", {spoken_time(at)}" if at is not None else ""
    repeat = f", {task['recurrence_text']}" if task.get("recurrence_text") else ""
    return f" (due {day:%a}, {day:%b} {day.day}{clock}{repeat})"


DUE_EMPTY_TEXTS = {
    "today": "Nothing is due today.",
    "overdue": "Nothing is overdue: you're on track!",
    "tomorrow": "Nothing is due tomorrow.",
    "week": "Nothing is due this week.",
    "next_week": "Nothing is due next week.",
    "none": "Every task has a due date.",
}


def due_listing_header(due: str, count: int) -> str:
    tasks = f"{count} task{'' if count == 1 else 's'}"
    return {
        "today": f"You have {tasks} due today:",
        "overdue": f"{tasks} {'is' if count == 1 else 'are'} overdue:".capitalize(),
        "tomorrow": f"You have {tasks} due tomorrow:",
        "week": f"You have {tasks} due this week:",
        "next_week": f"You have {tasks} due next week:",
        "none": f"{tasks} without a due date:".capitalize(),
    }.get(due, f"You have {tasks}:")
