"""When a new task is due: the date, time-of-day and repeat phrases that end its text, in any
order ("call mom tomorrow at 5pm", "call mom at 5pm tomorrow", "take pills at 8am every day"),
taken off the title and resolved against the user's today and clock.

Resolving (`today` a Friday, 2026-12-04):
* a date alone is that day; a time alone is today at that time, or tomorrow once the user's
  clock has passed it ("at 9am" said at 10:00);
* a repeat is due on its first occurrence from today on (or from the date said), the next one
  once a time said for today has passed: "every monday" -> Monday 12-07, "every day at 8am"
  said at 09:00 -> 12-05.
The clock is the user's wall clock when the model knows it (chat/llm/offline/model.py), else
None: then a time counts as still ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from chat.llm.offline import dates, repeats, times
from chat.llm.offline.intents import Intent, NewTask
from chat.llm.offline.tasks import parse_add, parse_ref

MAX_MOVE_WORDS = 7  # "to next friday at 5:30 p.m."


@dataclass(frozen=True)
class When:
    """What a task's text said about when it is due, before resolving."""

    due_date: date | None = None
    due_time: time | None = None
    recurrence: str | None = None

    def said(self) -> bool:
        return self != When()


def split_when(text: str, today: date) -> tuple[str, When]:
    """`text` without its trailing date, time and repeat phrases (each at most once, in any
    order), and what they said: "call mom tomorrow at 5pm" -> ("call mom", tomorrow, 17:00)."""
    rest, when = text, When()
    while True:
        if when.recurrence is None and (found := repeats.split_repeat(rest))[1]:
            rest, when = found[0], replace(when, recurrence=found[1])
        elif when.due_time is None and (at := times.split_time(rest))[1] is not None:
            rest, when = at[0], replace(when, due_time=at[1])
        elif when.due_date is None and (due := dates.split_due(rest, today))[1]:
            rest, when = due[0], replace(when, due_date=due[1])
        else:
            return rest, when


def is_only_when(text: str, today: date) -> bool:
    """Whether `text` is nothing but a when: "tomorrow at 5pm", "every monday"."""
    rest, when = split_when(f"x {text}", today)
    return rest == "x" and when.said()


def resolve(when: When, today: date, clock: time | None) -> tuple[date | None, str | None]:
    """The due date and the repeat rule `when` comes to (a rule that never fires is dropped)."""
    passed = clock is not None and when.due_time is not None and when.due_time <= clock
    if when.recurrence:
        first = repeats.first_occurrence(when.recurrence, when.due_date or today)
        if first == today and passed:
            first = repeats.first_occurrence(when.recurrence, today, after=True)
        if first is not None:
            return first, when.recurrence
    if when.due_date is None and when.due_time is not None:
        return today + timedelta(days=1 if passed else 0), None
    return when.due_date, None


def _scheduled(task: NewTask, when: When, today: date, clock: time | None, remind: bool) -> NewTask:
    due, rule = resolve(when, today, clock)
    if due is None:
        return task
    at = times.hhmm(when.due_time) if when.due_time is not None else None
    return replace(
        task,
        due_date=due.isoformat(),
        due_time=at,
        recurrence=rule,
        remind=(remind or task.remind) and at is not None,
    )


def _words(text: str) -> int:
    return len(text.split())


def with_schedule(
    intent: Intent, text: str, today: date, clock: time | None = None, remind: bool = False
) -> Intent:
    """An add request's tasks, each with the when its text ends with: "add pay rent due
    friday and call mom tomorrow at 5pm" -> pay rent on Friday, call mom tomorrow at 17:00.
    A title the split leaves whole ("add \"salt and pepper\" tomorrow") takes the when ending
    the message. `remind`: the user asked to be reminded at the due time."""
    rest, when = split_when(text, today)
    tasks = []
    for task in intent.tasks:
        title, said = split_when(task.title, today)
        tasks.append(
            _scheduled(replace(task, title=title), said, today, clock, remind)
            if said.said()
            else task
        )
    # "every mon, wed and fri": a when that spans the separators is the whole message's.
    whole = _words(text) - _words(rest)
    last = _words(intent.tasks[-1].title) - _words(tasks[-1].title) if tasks else 0
    if any(task.due_date for task in tasks) and whole <= last:
        return replace(intent, tasks=tuple(tasks))
    dated = parse_add(rest) if when.said() else None
    if dated is None or not dated.tasks:
        return intent
    scheduled = (_scheduled(task, when, today, clock, remind) for task in dated.tasks)
    return replace(dated, tasks=tuple(scheduled))


def parse_move_when(text: str, today: date) -> Intent | None:
    """A move that names a time of day: "move pay rent to friday at 3pm" -> update_task(
    due_date, due_time); "move it to 5pm" -> update_task(due_time). (A move to a date alone is
    the date family's: `dates.parse_move`.)"""
    words = text.split()
    if len(words) < 4 or words[0].casefold() not in dates.MOVE_VERBS:
        return None
    start = 2 if words[1].casefold() in {"back", "out"} else 1  # "push back X to ..."
    for index in range(len(words) - 2, max(start, len(words) - MAX_MOVE_WORDS - 2), -1):
        if words[index].casefold() not in dates.MOVE_MARKERS:
            continue
        rest, when = split_when("x " + " ".join(words[index + 1 :]), today)
        if rest != "x" or when.due_time is None or when.recurrence:
            continue
        return Intent(
            "update",
            ref=parse_ref(" ".join(words[start:index])),
            new_due_date=when.due_date.isoformat() if when.due_date else None,
            new_due_time=times.hhmm(when.due_time),
        )
    return None
