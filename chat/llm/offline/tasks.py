"""The task phrase family: adding, listing, completing, deleting and changing tasks, and how a
message points at a task (a number, "it", "all", or a title matched against the list).

Conventions
-----------
* Description: in an add request, text after a spaced dash (" - ", en or em dash too) or
  after "description:" / "notes:" / "with description" becomes the description:
  ``add task: pay rent - before Friday`` -> title "pay rent", description "before Friday".
  A request with a description adds exactly one task.
* Several tasks: otherwise the add text is split on the user's explicit separators (commas,
  semicolons, new lines), and on "and" ("&", "plus") where each side reads as a task of its
  own: the words after it start with a verb (``add pay rent and call mom``), or the words
  before it do not (``add milk and eggs``; ``add eggs, bread and butter`` adds three), while
  ``add call mom and dad`` and ``add buy salt and pepper`` add one task each. Double-quote
  a title to keep it whole: ``add "salt and pepper"``. Each part keeps its own date phrase
  (chat/llm/offline/dates.py).
* Referring to a task: by number ("task 3", "#3", "3"), by pronoun ("it", "that", "this one":
  the task most recently mentioned in an earlier task-related turn), or by title, which is
  resolved by first calling ``list_tasks`` (status "all") and matching exact title, then
  case-insensitive equality, then case-insensitive substring, then all words present.
* Rename: the first " to " / " as " / " into " after the reference starts the new title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from chat.llm.offline.intents import Intent, ListStatus, NewTask, TaskRef
from chat.llm.offline.text import FLAGS, WHITESPACE_RUN, clean_title, first_match

# --- Phrase tables ---------------------------------------------------------------------------

_COMPLETE_WORDS = r"(?:done|complete|completed|finished|checked|ticked)"
_COMPLETE_PATTERNS = [
    rf"^(?:mark|set|flag|tick|check)\s+(?P<ref>.+?)\s+(?:as\s+)?{_COMPLETE_WORDS}$",
    rf"^(?:mark|set)\s+(?:as\s+)?{_COMPLETE_WORDS}\s*:?\s+(?P<ref>.+)$",
    r"^(?:check|tick|cross|strike)\s+(?P<ref>.+?)\s+off(?:\s+(?:my|the)\s+list)?$",
    r"^(?:check|tick|cross|strike)\s+off\s+(?P<ref>.+?)(?:\s+(?:from\s+)?(?:my|the)\s+list)?$",
    r"^(?:complete|finish|close|resolve)\s+(?P<ref>.+)$",
    (
        r"^(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|already\s+|finally\s+)?"
        r"(?:finished|completed|did|done)\s+(?P<ref>.+)$"
    ),
    r"^(?:just\s+)?(?:finished|completed)\s+(?P<ref>.+)$",
    r"^(?:(?:i'm|i\s+am|we're|we\s+are)\s+)?(?:all\s+)?done\s+with\s+(?P<ref>.+)$",
    (
        rf"^(?!(?:what|which|who|how|anything|everything|nothing)\b)(?P<ref>.+?)"
        rf"(?:\s+is|\s+are|'s)\s+(?:now\s+|all\s+)?{_COMPLETE_WORDS}$"
    ),
]
LIST_NAMES = r"(?:todo\s+|to-do\s+|task\s+)?(?:list|tasks|todos|to-dos)"
_DELETE_PATTERNS = [
    (
        r"^(?:delete|remove|drop|erase|discard|trash|scrap|scratch|cancel|get\s+rid\s+of"
        rf"|forget\s+about)\s+(?P<ref>.+?)(?:\s+(?:off|from|out\s+of)\s+(?:my\s+|the\s+)?"
        rf"{LIST_NAMES})?$"
    ),
    rf"^(?:take|cross|strike)\s+(?P<ref>.+?)\s+(?:off|out\s+of)\s+(?:my\s+|the\s+)?{LIST_NAMES}$",
]
_DESCRIPTION_WORDS = r"(?:description|desc|details|notes?)"
_UPDATE_DESCRIPTION_PATTERNS = [
    (
        rf"^(?:update|change|edit|set|modify|replace)\s+(?:the\s+)?{_DESCRIPTION_WORDS}\s+"
        r"(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as|with)\s*:?\s+(?P<desc>.+)$"
    ),
    (
        rf"^(?:update|change|edit|set|modify)\s+(?P<ref>.+?)(?:'s)?\s+{_DESCRIPTION_WORDS}"
        r"\s*(?:to|as|with|:)\s*:?\s*(?P<desc>.+)$"
    ),
    (
        rf"^(?:add|set|put)\s+(?:a\s+|the\s+)?{_DESCRIPTION_WORDS}\s+(?:to|for|on)\s+"
        r"(?P<ref>.+?)\s*:\s*(?P<desc>.+)$"
    ),
]
_UPDATE_TITLE_PATTERNS = [
    r"^(?:rename|retitle|relabel)\s+(?P<ref>.+?)\s+(?:to|as|into)\s*:?\s+(?P<title>.+)$",
    (
        r"^(?:change|update|edit|modify|set)\s+(?:the\s+)?(?:title|name)\s+(?:of|for|on)\s+"
        r"(?P<ref>.+?)\s+(?:to|as|into)\s*:?\s+(?P<title>.+)$"
    ),
    (
        r"^(?:change|update|edit|modify)\s+(?P<ref>.+?)(?:'s)?(?:\s+(?:title|name))?\s+"
        r"(?:to|into)\s*:?\s+(?P<title>.+)$"
    ),
]
_UPDATE_BARE = r"^(?:rename|retitle|relabel|update|change|edit|modify)\s+(?P<ref>.+)$"

# "remind me to", "don't forget to": an add said as a thing to remember, the message's or one
# task's of several ("add milk, then remind me to call mom at 5").
_REMEMBER_LEAD = (
    r"(?:remind\s+me|don't\s+(?:let\s+me\s+)?forget|make\s+sure\s+i|help\s+me\s+remember)"
    r"(?:\s+(?:to|about|of|that\s+i\s+(?:need|have)\s+to))?\s+"
)
_REMEMBER_PIECE = re.compile(_REMEMBER_LEAD, FLAGS)
# Of those, the ones that ask for a reminder at the task's time.
_REMIND_ME_WORDS = r"(?:remind|ping|alert|notify)\s+me"
REMIND_ME = re.compile(rf"^(?:{_REMIND_ME_WORDS}|set\s+(?:a\s+)?reminder)\b", FLAGS)
# "..., then remind me" ending the text before a "to": what follows is a title, not a list.
ENDS_WITH_REMIND_ME = re.compile(rf"\b{_REMIND_ME_WORDS}$", FLAGS)

_ADD_PATTERNS = [
    r"^(?:add|create|put|insert|append|new|jot\s+down|write\s+down|note\s+down)\b\s*(?P<body>.*)$",
    r"^(?:todo|to-do|to\s+do|task|reminder|note)\s*:\s*(?P<body>.+)$",
    rf"^{_REMEMBER_LEAD}(?P<body>.+)$",
    (
        r"^(?:i|we)(?:'ve|\s+have)?\s+(?:really\s+|still\s+|also\s+)?(?:need\s+to|have\s+to"
        r"|got\s+to|gotta|must|should|ought\s+to|want\s+to|wanna|plan\s+to)\s+(?P<body>.+)$"
    ),
    r"^(?:need|have)\s+to\s+(?P<body>.+)$",
]

_LIST_START = re.compile(
    r"^(?:list|show|display|view|see|get|give|print|tell|read|check|what|what's|whats|which"
    r"|how\s+many|do\s+i\s+have|is\s+there|are\s+there|any|my|all|pending|completed|open"
    r"|remaining|finished|done|tasks?|todos?|to-dos?)\b",
    FLAGS,
)
_LIST_KEYWORD = re.compile(
    r"\b(?:tasks?|todos?|to-dos?|list|items?|left|pending|plate|remaining|outstanding|open"
    r"|done|completed?|finished|finish|accomplished|agenda|next|everything|to\s+do)\b",
    FLAGS,
)
_PENDING_WORDS = re.compile(
    r"\b(?:not\s+(?:yet\s+)?(?:done|completed?|finished)|undone|unfinished|incomplete"
    r"|uncompleted|pending|left|remaining|outstanding|open|still|next|active"
    r"|to\s+do(?!\s+list))\b",
    FLAGS,
)
_COMPLETED_WORDS = re.compile(
    r"\b(?:done|completed?|finished|finish|accomplished|checked(?:\s+off)?|ticked)\b", FLAGS
)

_PRONOUN = re.compile(
    r"(?:it|that|this|them|that\s+one|this\s+one|that\s+task|this\s+task|the\s+last\s+one"
    r"|last\s+one|the\s+last\s+task|the\s+one\s+i\s+just\s+added|the\s+new\s+one)",
    FLAGS,
)
_ID_REF = re.compile(
    r"(?:the\s+)?(?:(?:task|todo|to-do|item|number|num|no\.?)\s*)?(?:number\s+|no\.?\s*)?"
    r"#?\s*(?P<id>\d+)",
    FLAGS,
)
_BULK_REF = re.compile(
    r"(?:all|everything|all\s+(?:of\s+)?(?:my\s+|the\s+)?(?:tasks|todos|items)"
    r"|(?:my|the)\s+(?:whole\s+|entire\s+)?(?:todo\s+|to-do\s+|task\s+)?list"
    r"|(?:all\s+)?(?:the\s+|my\s+)?(?:completed|done|finished)\s+(?:tasks|ones|items|todos))",
    FLAGS,
)
_DESCRIPTION_SEPARATOR = re.compile(
    r"\s+[-\u2013\u2014]+\s+|\s*[,;(]?\s*\b(?:description|desc|details|notes?)\s*:\s*"
    r"|\s+with\s+(?:the\s+|a\s+)?(?:description|details|notes?)\s+",
    FLAGS,
)
# A run of separators (",,, ;") is one split, not one empty title per character.
_LIST_SEPARATOR = re.compile(r"(?:\s*[,;\n]\s*)+", FLAGS)
# Captured, so a joiner that separates nothing is put back as it was.
_AND_SEPARATOR = re.compile(r"(\s+(?:and\s+then|then|and|plus)\s+|\s*[&+]\s*)", FLAGS)
_LEADING_AND = re.compile(r"^(?:(?:and\s+)?then|and|plus)\s+", FLAGS)

# Words a task commonly starts with: after "and", one of these starts a task of its own.
TASK_VERBS = frozenset(
    {
        "answer", "apply", "ask", "back", "bake", "bathe", "bring", "book", "borrow", "buy", "call",
        "cancel", "change", "charge", "check", "clean", "clear", "collect", "cook", "cut", "drop",
        "email", "empty", "feed", "file", "fill", "finish", "fix", "get", "give", "go", "grab",
        "hang", "help", "hire", "install", "invite", "iron", "learn", "leave", "lend", "make",
        "meet", "message", "mop", "move", "mow", "order", "organize", "organise", "pack", "paint",
        "pay", "phone", "pick", "plan", "plant", "post", "practice", "practise", "prepare", "print",
        "put", "read", "rebook", "record", "register", "remember", "renew", "repair", "replace",
        "reply", "request", "return", "review", "ring", "schedule", "see", "sell", "send", "set",
        "ship", "shop", "sign", "sort", "start", "study", "submit", "sweep", "take", "text", "tidy",
        "update", "upload", "vacuum", "visit", "walk", "wash", "watch", "water", "wrap", "write"
    }
)  # fmt: skip


# --- Parsing -------------------------------------------------------------------------------


def parse_ref(text: str) -> TaskRef:
    """A task reference: number, pronoun, "all"-style bulk, or a title fragment."""
    ref = clean_title(text)
    if _PRONOUN.fullmatch(ref):
        return TaskRef(pronoun=True)
    if match := _ID_REF.fullmatch(ref):
        return TaskRef(task_id=int(match["id"]))
    if _BULK_REF.fullmatch(ref):
        return TaskRef(bulk=True)
    title = re.sub(
        r"^(?:the|my|a|an)\s+(?:(?:task|todo|to-do|item)\s+)?(?:(?:called|named|titled)\s+)?",
        "",
        ref,
        flags=FLAGS,
    )
    title = re.sub(r"^(?:task|todo|item)\s+(?:called|named|titled)\s+", "", title, flags=FLAGS)
    title = re.sub(r"\s+(?:task|todo|item)$", "", title, flags=FLAGS)
    return TaskRef(title=clean_title(title) or ref)


def _strip_add_framing(body: str) -> str:
    """Drop the words around the titles: "a task to", "to my list:", "on my list"."""
    body = body.strip().lstrip(":-").strip()
    body = re.sub(
        rf"^(?:to|on(?:to)?|in)\s+(?:my\s+|the\s+)?{LIST_NAMES}\s*:?\s*", "", body, flags=FLAGS
    )
    body = re.sub(
        r"^(?:(?:a|an|another|new|one\s+more|some|more)\s+)*"
        r"(?:tasks?|todos?|to-dos?|items?|reminders?|entry|entries)\b\s*"
        r"(?:(?::|-|to|for|called|named|titled|that\s+says|saying)\s*)?",
        "",
        body,
        flags=FLAGS,
    )
    body = re.sub(rf"\s+(?:to|on|onto|in)\s+(?:my\s+|the\s+)?{LIST_NAMES}$", "", body, flags=FLAGS)
    return body.strip().lstrip(":").strip()


def split_new_tasks(body: str) -> tuple[NewTask, ...]:
    """Titles (and an optional description) from the text of an add request."""
    body = _strip_add_framing(body)
    if not body:
        return ()
    quoted = re.findall(r'"([^"]+)"', body)
    if quoted:
        rest = WHITESPACE_RUN.sub(" ", re.sub(r'"[^"]+"', "", body))  # keep runs short
        parts = _DESCRIPTION_SEPARATOR.split(rest, maxsplit=1)
        if len(quoted) == 1 and len(parts) == 2 and clean_title(parts[1]):
            return (NewTask(clean_title(quoted[0]), clean_title(parts[1])),)
        return tuple(NewTask(title) for q in quoted if (title := clean_title(q)))
    parts = _DESCRIPTION_SEPARATOR.split(body, maxsplit=1)
    if len(parts) == 2 and clean_title(parts[0]) and clean_title(parts[1]):
        return (NewTask(clean_title(parts[0]), clean_title(parts[1].rstrip(")"))),)
    return tuple(task for text in split_titles(body) if (task := _new_task(text)))


def _new_task(text: str) -> NewTask | None:
    """One title; "remind me to call mom" among others is "call mom", with a reminder."""
    remember = _REMEMBER_PIECE.match(text)
    title = clean_title(text[remember.end() :] if remember else text)
    return NewTask(title, remind=bool(REMIND_ME.match(text))) if title else None


def _starts_with_verb(text: str) -> bool:
    first = text.split(maxsplit=1)[0].casefold() if text.strip() else ""
    return first in TASK_VERBS


def split_titles(body: str) -> list[str]:
    """The task texts of an add request (see the module's conventions)."""
    titles: list[str] = []
    for part in _LIST_SEPARATOR.split(body):
        pieces = _AND_SEPARATOR.split(_LEADING_AND.sub("", part))
        titles.append(pieces[0])
        for joiner, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            if _starts_with_verb(piece) or not _starts_with_verb(titles[-1]):
                titles.append(piece)
            else:
                titles[-1] += joiner + piece  # "call mom and dad": one task
    return titles


def _list_status(text: str) -> ListStatus:
    if re.search(r"\ball\b", text, FLAGS):
        return "all"
    if _PENDING_WORDS.search(text):
        return "pending"
    if _COMPLETED_WORDS.search(text) or re.search(r"\bdid\s+i\b", text, FLAGS):
        return "completed"
    return "all"


def parse_complete(text: str) -> Intent | None:
    match = first_match(_COMPLETE_PATTERNS, text)
    return Intent("complete", ref=parse_ref(match["ref"])) if match else None


def parse_delete(text: str) -> Intent | None:
    match = first_match(_DELETE_PATTERNS, text)
    return Intent("delete", ref=parse_ref(match["ref"])) if match else None


def parse_update(text: str) -> Intent | None:
    if match := first_match(_UPDATE_DESCRIPTION_PATTERNS, text):
        description = clean_title(match["desc"])
        return Intent("update", ref=parse_ref(match["ref"]), new_description=description)
    if match := first_match(_UPDATE_TITLE_PATTERNS, text):
        new_title = clean_title(match["title"])
        if re.fullmatch(_COMPLETE_WORDS, new_title, FLAGS):
            return Intent("complete", ref=parse_ref(match["ref"]))
        return Intent("update", ref=parse_ref(match["ref"]), new_title=new_title)
    if match := re.match(_UPDATE_BARE, text, FLAGS):
        return Intent("update", ref=parse_ref(match["ref"]))
    return None


def parse_add(text: str) -> Intent | None:
    match = first_match(_ADD_PATTERNS, text)
    return Intent("add", tasks=split_new_tasks(match["body"])) if match else None


def parse_list(text: str) -> Intent | None:
    if _ID_REF.fullmatch(text):  # "task 3" alone answers a "which task?" question
        return None
    if _LIST_START.match(text) and _LIST_KEYWORD.search(text):
        return Intent("list", status=_list_status(text))
    return None


# Tried in this order: "mark X done" is a completion, not an update; a bare list request last.
TASK_PARSERS = (parse_complete, parse_delete, parse_update, parse_add, parse_list)


# --- Finding tasks by title -----------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def match_tasks(tasks: Sequence[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Tasks whose title matches `query`: exact, then case-insensitive, substring, all words."""
    wanted = _squash(query)
    tiers = (
        lambda title: title == query,
        lambda title: _squash(title) == wanted,
        lambda title: wanted in _squash(title),
        lambda title: all(word in _squash(title) for word in wanted.split()),
    )
    for matches_tier in tiers:
        found = [task for task in tasks if matches_tier(str(task.get("title", "")))]
        if found:
            return found
    return []
