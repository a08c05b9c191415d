"""Times of day in the offline model's English: finding the time phrase that ends a task's
text, and saying times back in the user's zone ("5:00 PM").

A task's time is local wall-clock time (`Task.due_time`): the tools take it as "HH:MM" and
the server reads it in the user's zone, so no zone arithmetic happens here.

Phrases understood (tested as a table in tests/chat/test_offline_times.py):
* with am/pm, anywhere at the end: "5pm", "at 5 pm", "at 5:30pm", "at 9 a.m."
* a 24-hour clock: "17:30", "at 17:30", "at 8:05"
* named: "at noon", "at midday", "at midnight" (00:00, the start of the day)
* a bare hour after "at": "at 5", "at 5 o'clock" -- hours 1 to 7 are read as afternoon and
  evening (people say "call mom at 5" for 17:00), 8 to 11 as morning, 12 as noon, 13 to 23
  as they are (`BARE_PM_HOURS`).
Like dates, phrases are matched word by word from the end: linear in the text.
"""

from __future__ import annotations

import re
from datetime import time

# --- Phrase tables ---------------------------------------------------------------------------

MARKERS = frozenset({"at", "@", "around", "by"})
MERIDIEMS = {"am": 0, "a.m.": 0, "a.m": 0, "pm": 12, "p.m.": 12, "p.m": 12}
NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0)}
OCLOCK = frozenset({"o'clock", "oclock"})
# A bare "at 5" is 17:00: a task's hour from 1 to 7 is afternoon or evening far more often.
BARE_PM_HOURS = range(1, 8)
MAX_PHRASE_WORDS = 3  # "at 5:30 p.m."

CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?", re.ASCII)
CLOCK_WITH_MERIDIEM = re.compile(r"(\d{1,2})(?::(\d{2}))?(a\.?m\.?|p\.?m\.?)", re.ASCII)
EDGE_PUNCTUATION = "?!,;:\"'"


def _word(word: str) -> str:
    return word.strip(EDGE_PUNCTUATION).casefold()


def _clock(hour: int, minute: int, meridiem: str | None) -> time | None:
    """The time of "hour:minute" with an optional am/pm, or None if there is no such time."""
    if minute > 59:
        return None
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + MERIDIEMS[meridiem]
    elif hour > 23:
        return None
    return time(hour, minute)


def _bare_hour(hour: int, minute: int) -> time | None:
    """ "at 5" -> 17:00; "at 9" -> 09:00; "at 20" -> 20:00."""
    if hour in BARE_PM_HOURS:
        return _clock(hour, minute, "pm")
    return _clock(hour, minute, None)


def parse_time(words: list[str], marked: bool) -> time | None:
    """The time `words` (normalized) say, or None. Without a marker before them ("at")
    only unmistakable times count: "5pm", "17:30"; "at 5", "at noon" need the marker."""
    if words and words[-1] in OCLOCK:
        return parse_time(words[:-1], marked) if marked and len(words) == 2 else None
    if len(words) == 2 and words[1] in MERIDIEMS and (match := CLOCK.fullmatch(words[0])):
        return _clock(int(match[1]), int(match[2] or 0), words[1])
    if len(words) != 1:
        return None
    word = words[0]
    if word in NAMED_TIMES:
        return NAMED_TIMES[word] if marked else None
    if match := CLOCK_WITH_MERIDIEM.fullmatch(word):
        meridiem = "pm" if match[3].startswith("p") else "am"
        return _clock(int(match[1]), int(match[2] or 0), meridiem)
    if match := CLOCK.fullmatch(word):
        hour, minute = int(match[1]), int(match[2] or 0)
        if match[2] is not None and len(match[2]) == 2 and not marked:
            return _clock(hour, minute, None)  # "17:30"
        return _bare_hour(hour, minute) if marked else None
    return None


def split_time(text: str) -> tuple[str, time | None]:
    """`text` without its trailing time phrase (and the "at" before it), and the time.

    "call mom at 5pm" -> ("call mom", 17:00); no time phrase -> (text, None). At least one
    word stays: "at 5pm" alone is no title with a time.
    """
    words = text.split()
    for size in range(min(MAX_PHRASE_WORDS, len(words) - 1), 0, -1):
        rest = words[:-size]
        marked = _word(rest[-1]) in MARKERS
        at = parse_time([_word(word) for word in words[-size:]], marked)
        if at is None:
            continue
        if marked:
            if len(rest) == 1:
                return text, None  # "at 5pm": no title
            rest = rest[:-1]
        return " ".join(rest).rstrip(","), at
    return text, None


# --- Saying times ----------------------------------------------------------------------------


def spoken_time(at: time) -> str:
    """17:00 -> "5:00 PM"; 00:30 -> "12:30 AM"."""
    return f"{at.hour % 12 or 12}:{at.minute:02d} {'PM' if at.hour >= 12 else 'AM'}"


def hhmm(at: time) -> str:
    """The tools' form of a time of day: "17:00"."""
    return f"{at.hour:02d}:{at.minute:02d}"


def time_from_hhmm(value: object) -> time | None:
    """ "17:00" (or "17:00:00", as a tool payload may carry it) -> 17:00; else None."""
    try:
        return time.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
