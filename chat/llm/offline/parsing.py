"""`parse_intent`: one user message -> an `Intent`, trying each phrase family in turn."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date, time

from chat.llm.offline import dates, lists, reminders, repeats, schedule, talk
from chat.llm.offline.intents import Intent
from chat.llm.offline.tasks import TASK_PARSERS, parse_add
from chat.llm.offline.text import normalize, strip_fillers


def parse_intent(
    message: str, today: date | None = None, month_first: bool = False, clock: time | None = None
) -> Intent:
    """Classify one user message; never raises. `today` is the user's date (default UTC's);
    `month_first`: the user writes numeric dates month/day (12/20), else day/month; `clock`:
    the user's wall-clock time to the minute, when known (a time that has passed today means
    tomorrow)."""
    return _parse_intent(message, today or dates.today_from_instructions(None), month_first, clock)


@functools.lru_cache(maxsize=256)
def _parse_intent(message: str, today: date, month_first: bool, clock: time | None) -> Intent:
    """Cached: every model call of a turn re-reads the whole history, and an `Intent` is
    immutable (keyed by today and the clock too: a date phrase means another day tomorrow)."""
    text = normalize(message)
    bare = text.rstrip(" \n!.,")
    if talk.THANKS.fullmatch(bare):
        return Intent("thanks")
    if talk.ACK.fullmatch(bare):
        return Intent("ack")
    text = talk.GREETING.sub("", text, count=1).strip()
    text = strip_fillers(text)
    if not text:
        return Intent("greet")
    if talk.THANKS.fullmatch(text):
        return Intent("thanks")
    if talk.HELP.fullmatch(text):
        return Intent("help")
    if talk.UNDO.fullmatch(text):
        return Intent("undo")
    text = dates.iso_numeric_dates(text, today, month_first)
    text = reminders.with_when_last(text, lambda when: schedule.is_only_when(when, today))
    if intent := lists.parse_bulk(text, today):
        return intent
    if intent := reminders.parse_reminder_request(text):
        return intent
    if intent := repeats.parse_repeat_request(text, today):
        return intent
    if intent := schedule.parse_move_when(text, today):
        return intent
    if intent := dates.parse_date_request(text, today):
        return intent
    if intent := lists.parse_list_request(text):
        return intent
    for parse in TASK_PARSERS:
        if intent := parse(text):
            if intent.kind == "add":
                return _with_add_details(intent, text, today, clock)
            return intent
    if repeats.split_repeat(text)[1] and (added := parse_add(f"add {text}")):
        # "water the plants every monday": a repeating chore, said without "add".
        return _with_add_details(added, f"add {text}", today, clock)
    return Intent("unknown")


def _with_add_details(intent: Intent, text: str, today: date, clock: time | None) -> Intent:
    """An add with its when (date, time, repeat, reminder), priority and list taken off the end
    of the titles."""
    remind = reminders.is_reminder_request(text)

    def added(text: str) -> Intent | None:
        intent = parse_add(text)
        if not intent or not intent.tasks:
            return None
        return schedule.with_schedule(intent, text, today, clock, remind)

    extras = _add_extras(text, today)
    listed = added(extras.text)
    unlisted = added(extras.unlisted_text) or schedule.with_schedule(
        intent, text, today, clock, remind
    )
    # "add a task to buy milk" names no list; "add dentist on dec 5" names a day.
    named = extras.list_name is not None and listed is not None
    if not named or dates.resolve_date(extras.list_name, today) is not None:
        return replace(unlisted, priority=extras.priority)
    return replace(
        listed,
        priority=extras.priority,
        list_name=extras.list_name,
        list_said=extras.list_said,
        tasks_without_list=unlisted.tasks,
    )


def _add_extras(text: str, today: date) -> lists.AddExtras:
    """An add's priority and list (`lists.split_add_extras`), the list's name without the when
    that ends the message: "add milk to groceries tomorrow" is "milk" tomorrow in groceries."""
    extras = lists.split_add_extras(text)
    if extras.list_name is None:
        return extras
    rest, when = schedule.split_when(extras.unlisted_text, today)
    if not when.said() or not extras.unlisted_text.startswith(rest):
        return extras
    peeled = lists.split_add_extras(rest)
    if peeled.list_name is None or not parse_add(peeled.text):  # "remind me to call mom at 5pm"
        return extras
    said = extras.unlisted_text[len(rest) :]
    return replace(
        peeled,
        text=peeled.text + said,
        unlisted_text=extras.unlisted_text,
        priority=extras.priority,
    )
