"""`parse_intent`: one user message -> an `Intent`, trying each phrase family in turn."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date

from chat.llm.offline import dates, lists, talk
from chat.llm.offline.intents import Intent
from chat.llm.offline.tasks import TASK_PARSERS, parse_add
from chat.llm.offline.text import normalize, strip_fillers


def parse_intent(message: str, today: date | None = None, month_first: bool = False) -> Intent:
    """Classify one user message; never raises. `today` is the user's date (default UTC's);
    `month_first`: the user writes numeric dates month/day (12/20), else day/month."""
    return _parse_intent(message, today or dates.today_from_instructions(None), month_first)


@functools.lru_cache(maxsize=256)
def _parse_intent(message: str, today: date, month_first: bool) -> Intent:
    """Cached: every model call of a turn re-reads the whole history, and an `Intent` is
    immutable (keyed by today too: a date phrase means another day tomorrow)."""
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
    if intent := lists.parse_bulk(text, today):
        return intent
    if intent := dates.parse_date_request(text, today):
        return intent
    if intent := lists.parse_list_request(text):
        return intent
    for parse in TASK_PARSERS:
        if intent := parse(text):
            return _with_add_details(intent, text, today) if intent.kind == "add" else intent
    return Intent("unknown")


def _added(text: str, today: date) -> Intent | None:
    intent = parse_add(text)
    return dates.with_due_date(intent, text, today) if intent and intent.tasks else None


def _with_add_details(intent: Intent, text: str, today: date) -> Intent:
    """An add with its due date, priority and list taken off the end of the titles."""
    extras = lists.split_add_extras(text)
    listed = _added(extras.text, today)
    unlisted = _added(extras.unlisted_text, today) or dates.with_due_date(intent, text, today)
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
