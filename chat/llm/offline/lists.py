"""The list phrase family: lists, priorities, search, and changes to many tasks at once.

Families understood (tested as a table in tests/chat/test_offline_lists.py):
* lists: "show my lists" -> list_lists; "create a list called work" -> create_list;
  "rename list work to job" -> rename_list; "delete the work list" -> delete_list (its tasks
  move to the Inbox).
* a list's tasks: "what's on my groceries list?" -> list_tasks(list="groceries"); a request
  that names no list lists every list.
* adding to a list, with a priority: "add milk to groceries" (the list is checked with
  list_lists first: "add talk to bob" adds "talk to bob" when there is no list "bob"), "add
  pay rent p1", "add pay rent high priority". Without a list, adds go to the Inbox.
* priorities: "show high priority tasks" -> list_tasks(priority=1); "make pay rent urgent"
  -> update_task(priority=1); "move buy milk to groceries" -> update_task(list=...).
* search: "find dentist", "search for rent" -> list_tasks(search=...).
* many at once (list_tasks, then one bulk_update_tasks call): "complete all groceries",
  "delete all completed tasks", "move everything overdue to monday".

Priority words: "urgent", "high", "top" and "p1" are 1; "medium" and "p2" are 2; "low" and
"p3" are 3; "no priority" and "p4" are 4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from chat.llm.offline.dates import (
    MONTHS,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAYS,
    parse_due_question,
    parse_move,
)
from chat.llm.offline.intents import Intent
from chat.llm.offline.tasks import ENDS_WITH_REMIND_ME, parse_ref
from chat.llm.offline.text import FLAGS, MAX_REQUEST_CHARS, clean_title, first_match

# --- Phrase tables ---------------------------------------------------------------------------

PRIORITY_WORDS = {"urgent": 1, "high": 1, "top": 1, "medium": 2, "normal": 2, "low": 3}
# Words that name the task list as a whole, never one list: "show my todo list".
GENERIC_LIST_NAMES = frozenset(
    {"todo", "to-do", "to do", "task", "tasks", "todos", "whole", "entire", "", "my", "the"}
    | {"list", "todo list", "to-do list", "task list", "plate", "agenda", "schedule", "radar"}
)
_PRIORITY = (
    r"(?:(?P<word>urgent|high|top|medium|normal|low)(?:[\s-]+priority)?"
    r"|p(?P<p>[1-4])|priority\s+(?P<n>[1-4])|(?P<none>no\s+priority))"
)
_LIST = r"(?:my\s+|the\s+)?(?P<name>.+?)(?:\s+list)?"
_EXPLICIT_LIST = r"(?:my\s+|the\s+)?(?P<name>.+?)\s+list"

_SHOW_LISTS = [
    r"^(?:show|list|view|see|display|give|get|what\s+are|which\s+are)\s+(?:me\s+)?"
    r"(?:all\s+)?(?:of\s+)?(?:my\s+|the\s+)?lists\??$",
    r"^(?:my\s+)?lists\??$",
    r"^(?:what|which)\s+lists\s+do\s+i\s+have\??$",
]
_CREATE_LIST = [
    r"^(?:create|make|add|start|set\s+up)\s+(?:me\s+)?(?:a\s+)?(?:new\s+)?list\s+"
    r"(?:called|named|titled|for)?\s*:?\s*(?P<name>.+)$",
    r"^new\s+list\s*:?\s*(?P<name>.+)$",
]
_RENAME_LIST = [
    r"^(?:rename|retitle)\s+(?:the\s+|my\s+)?list\s+(?P<name>.+?)\s+(?:to|as|into)\s+"
    r"(?P<new>.+)$",
    r"^(?:rename|retitle)\s+(?:the\s+|my\s+)?(?P<name>.+?)\s+list\s+(?:to|as|into)\s+"
    r"(?P<new>.+)$",
]
_DELETE_LIST = [
    r"^(?:delete|remove|drop|get\s+rid\s+of)\s+(?:the\s+|my\s+)?list\s+(?P<name>.+?)"
    r"(?P<with>\s+and\s+(?:all\s+)?its\s+tasks)?$",
    r"^(?:delete|remove|drop|get\s+rid\s+of)\s+(?:the\s+|my\s+)?(?P<name>.+?)\s+list"
    r"(?P<with>\s+and\s+(?:all\s+)?its\s+tasks)?$",
]
_SHOW_LIST = [
    r"^(?:what's|whats|what\s+is|what)\s+(?:on|in)\s+" + _LIST + r"\??$",
    r"^(?:show|list|view|see|display|open|read)\s+(?:me\s+)?" + _EXPLICIT_LIST + r"\??$",
    r"^(?:show|list|view|see|display)\s+(?:me\s+)?(?:the\s+)?(?:tasks|items)\s+(?:on|in)\s+"
    + _LIST
    + r"\??$",
]
_SHOW_PRIORITY = [
    r"^(?:show|list|view|see|display|give|get|what\s+are|which\s+are|what's|whats|what\s+is"
    r"|what)\s+(?:me\s+)?(?:my\s+|the\s+|all\s+)?" + _PRIORITY + r"(?:\s+(?:tasks|todos|items))?"
    r"\??$",
]
_SEARCH = [
    r"^(?:find|search(?:\s+for)?|look\s+for|look\s+up|which\s+tasks\s+mention)\s+"
    r"(?:(?:tasks|todos|anything)\s+(?:about|with|mentioning)\s+)?(?P<query>.+)$",
]
_SET_PRIORITY = [
    r"^(?:make|mark|set|flag)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+)?" + _PRIORITY + r"$",
    r"^prioriti[sz]e\s+(?P<ref>.+)$",
]
_MOVE_TO_LIST = [
    r"^(?:move|put|file)\s+(?P<ref>.+?)\s+(?:to|into|in|on|onto)\s+" + _LIST + r"$",
]
# "pay rent p1", "pay rent, high priority", "pay rent (urgent)": an add's trailing priority.
_ADD_PRIORITY = re.compile(r"[\s,(]+(?:with\s+)?(?:a\s+)?" + _PRIORITY + r"\)?$", FLAGS)
# "to" only ("work on the report" is a title), or any of these with "list" said.
_ADD_LIST = re.compile(
    r"\s+(?:(?:to|into|onto)\s+(?:my\s+|the\s+)?(?P<name>[^ ].*?)"
    r"|(?:on|in)\s+(?:my\s+|the\s+)(?P<said>[^ ].*?\s+list))$",
    FLAGS,
)
_ADD_EXPLICIT_LIST = re.compile(r"\s+list$", FLAGS)
# An add's priority and list are at its end: only this much of it is searched.
ADD_TAIL_CHARS = 100
DATE_WORDS = frozenset({"today", "tonight", "tomorrow", "next", "this", "in"})

_BULK_VERBS = {
    "complete": r"(?:complete|finish|check\s+off|tick\s+off|close|mark\s+done)",
    "delete": r"(?:delete|remove|clear|drop|get\s+rid\s+of)",
}
_ALL = r"(?:all(?:\s+of)?|every(?:thing)?)\s+(?:(?:my|the)\s+)?"
_BULK_COMPLETED = r"(?:the\s+)?(?:completed|done|finished)(?:\s+(?:tasks|todos|items|ones))?"
_BULK_IN_LIST = r"(?:(?:in|on|from)\s+)?(?:my\s+|the\s+)?(?P<name>.+?)(?:\s+(?:list|tasks|items))?"


# --- Parsing -------------------------------------------------------------------------------


def _priority(match: re.Match[str]) -> int:
    if match["word"]:
        return PRIORITY_WORDS[match["word"].lower()]
    if match["none"]:
        return 4
    return int(match["p"] or match["n"])


def _list_name(text: str | None) -> str | None:
    """A list's name as said, or None for words that name the whole task list."""
    name = clean_title(text or "")
    return None if name.lower() in GENERIC_LIST_NAMES else name


def _is_list_name(name: str | None) -> str | None:
    """`name` if it could be a list's (not a day: "move it to monday" is a date)."""
    name = _list_name(name)
    if name is None:
        return None
    first = name.split()[0].lower()
    days = WEEKDAYS | WEEKDAY_ABBREVIATIONS | MONTHS | DATE_WORDS
    return None if first in days or first[:1].isdigit() else name


def parse_bulk(text: str, today: date) -> Intent | None:
    """ "complete all groceries", "delete all completed tasks", "move everything overdue to
    monday": one change to the tasks a filter finds."""
    if len(text) > MAX_REQUEST_CHARS:
        return None
    if re.fullmatch(rf"{_BULK_VERBS['delete']}\s+(?:{_ALL})?{_BULK_COMPLETED}", text, FLAGS):
        return Intent("bulk", bulk_action="delete", status="completed")
    for action, verb in _BULK_VERBS.items():
        match = re.fullmatch(rf"{verb}\s+{_ALL}{_BULK_IN_LIST}", text, FLAGS)
        if match and (name := _list_name(match["name"])) is not None:
            status = "pending" if action == "complete" else "all"
            return Intent("bulk", bulk_action=action, list_name=name, status=status)
    if moved := parse_move(text, today):
        words, due_date = moved
        filtered = re.fullmatch(rf"(?:{_ALL})?(?P<filter>.+?)(?:\s+(?:tasks|items))?", words, FLAGS)
        if filtered and words.split()[0].lower() in {"all", "every", "everything"}:
            due = parse_due_question(f"what's {filtered['filter']}")
            if due is not None:
                return Intent(
                    "bulk",
                    bulk_action="set_due_date",
                    due=due,
                    status="pending",
                    new_due_date=due_date.isoformat(),
                )
    return None


def parse_list_request(text: str) -> Intent | None:
    """Requests about lists, priorities and search (adds: `split_add_extras`)."""
    if len(text) > MAX_REQUEST_CHARS:
        return None
    if first_match(_SHOW_LISTS, text):
        return Intent("lists")
    if match := first_match(_CREATE_LIST, text):
        return Intent("create_list", list_name=clean_title(match["name"]))
    if match := first_match(_RENAME_LIST, text):
        return Intent(
            "rename_list",
            list_name=clean_title(match["name"]),
            new_list_name=clean_title(match["new"]),
        )
    if (match := first_match(_DELETE_LIST, text)) and (name := _list_name(match["name"])):
        return Intent("delete_list", list_name=name, delete_tasks=bool(match["with"]))
    if match := first_match(_SHOW_PRIORITY, text):
        return Intent("list", priority=_priority(match))
    if (match := first_match(_SHOW_LIST, text)) and (name := _list_name(match["name"])):
        return Intent("list", list_name=name)
    if match := first_match(_SEARCH, text):
        return Intent("list", search=clean_title(match["query"]))
    if match := first_match(_SET_PRIORITY, text):
        priority = _priority(match) if "word" in match.groupdict() else 1
        return Intent("update", ref=parse_ref(match["ref"]), priority=priority)
    if (match := first_match(_MOVE_TO_LIST, text)) and (name := _is_list_name(match["name"])):
        return Intent("update", ref=parse_ref(match["ref"]), list_name=name)
    return None


@dataclass(frozen=True)
class AddExtras:
    """An add request's trailing priority and list, and its text without them."""

    text: str  # without the priority and the list
    unlisted_text: str  # without the priority only: what to add if there is no such list
    priority: int | None = None
    list_name: str | None = None
    list_said: bool = False  # "to my groceries list": the user called it a list


def split_add_extras(text: str) -> AddExtras:
    """ "add milk to groceries p1" -> text "add milk", priority 1, list "groceries";
    "add milk to my groceries list" -> the list said to be one."""
    priority = None
    tail = max(0, len(text) - ADD_TAIL_CHARS)
    if match := _ADD_PRIORITY.search(text, tail):
        priority, text = _priority(match), text[: match.start()]
    match = _ADD_LIST.search(text, max(0, len(text) - ADD_TAIL_CHARS))
    if match is None:
        return AddExtras(text, text, priority)
    name = match["name"] or match["said"]
    said = bool(_ADD_EXPLICIT_LIST.search(name))
    name = _is_list_name(_ADD_EXPLICIT_LIST.sub("", name))
    before = text[: match.start()]
    # "add to groceries": no title; "..., then remind me to call mom": a title, not a list.
    if name is None or len(before.split()) < 2 or ENDS_WITH_REMIND_ME.search(before):
        return AddExtras(text, text, priority)
    return AddExtras(text[: match.start()], text, priority, name, said)
