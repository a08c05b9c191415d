"""The brain of the offline model: plain-English parsing and next-step planning.

This module is pure (no I/O, no network, no SDK objects). It owns:

* reading a Responses-style input list (dicts or pydantic items) into an `InputConversation`:
  the last user message, this turn's tool calls with their parsed outputs, and earlier turns;
* `parse_intent`: one user message -> an `Intent` (add / list / complete / delete / update /
  greet / thanks / ack / help / unknown);
* `plan_next_step`: conversation + offered tool names -> a `NextStep`, either tool calls to
  make now or the final reply text that reflects the tool results.

The event-emitting `Model` lives in `chat/llm/offline_model.py`.

Conventions
-----------
* Description: in an add request, text after a spaced dash (" - ", en or em dash too) or
  after "description:" / "notes:" / "with description" becomes the description:
  ``add task: pay rent - before Friday`` -> title "pay rent", description "before Friday".
  A request with a description adds exactly one task.
* Several tasks: otherwise the add text is split on commas, semicolons, "&", "plus" and the
  word "and": ``add milk, eggs and bread`` adds three tasks. Double-quote a title to keep it
  whole: ``add "salt and pepper"``.
* Referring to a task: by number ("task 3", "#3", "3"), by pronoun ("it", "that", "this one":
  the task most recently mentioned in an earlier task-related turn), or by title, which is
  resolved by first calling ``list_tasks`` (status "all") and matching exact title, then
  case-insensitive equality, then case-insensitive substring, then all words present.
* Rename: the first " to " / " as " / " into " after the reference starts the new title.
* Bounds: parsing is linear in the text and reads at most `MAX_PARSED_CHARS` of a message;
  a pronoun looks back `PRONOUN_LOOKBACK_TURNS` turns at most.
* Due dates: "add pay rent due friday", "move pay rent to monday", "remove the date from pay
  rent", "what's due this week?" (the phrases and their dates: `chat/llm/offline_dates.py`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from chat.llm.offline_dates import (
    DUE_EMPTY_TEXTS,
    due_listing_header,
    due_note,
    parse_clear,
    parse_due_question,
    parse_move,
    split_due,
    spoken_date,
    today_from_instructions,
)

ADD_TASK = "add_task"
LIST_TASKS = "list_tasks"
COMPLETE_TASK = "complete_task"
DELETE_TASK = "delete_task"
UPDATE_TASK = "update_task"

IntentKind = Literal[
    "add", "list", "complete", "delete", "update", "greet", "thanks", "ack", "help", "unknown"
]
ListStatus = Literal["all", "pending", "completed"]
TASK_KINDS = frozenset({"add", "list", "complete", "delete", "update"})


# --- Data types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRef:
    """How the user pointed at an existing task."""

    task_id: int | None = None
    title: str | None = None
    pronoun: bool = False
    bulk: bool = False


@dataclass(frozen=True)
class NewTask:
    title: str
    description: str = ""
    due_date: str | None = None  # ISO


@dataclass(frozen=True)
class Intent:
    """What one user message asks for."""

    kind: IntentKind
    tasks: tuple[NewTask, ...] = ()
    status: ListStatus = "all"
    ref: TaskRef | None = None
    new_title: str | None = None
    new_description: str | None = None
    due: str | None = None  # a list_tasks `due` filter
    new_due_date: str | None = None  # ISO
    clear_due_date: bool = False


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class NextStep:
    """Either tool calls to make now, or the final reply text."""

    calls: tuple[ToolCall, ...] = ()
    text: str = ""

    @classmethod
    def reply(cls, text: str) -> NextStep:
        return cls(text=text)

    @classmethod
    def call(cls, *calls: ToolCall) -> NextStep:
        return cls(calls=tuple(calls))


@dataclass
class ToolResult:
    """One function call of this turn and its parsed JSON output (None until it returns)."""

    name: str
    arguments: dict[str, Any]
    output: dict[str, Any] | None = None


@dataclass
class InputTurn:
    """One user message and the items that followed it."""

    user_text: str
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class InputConversation:
    current: InputTurn
    earlier: list[InputTurn]
    results: list[ToolResult]


# --- Reading the input items ----------------------------------------------------------------


def as_dict(item: Any) -> dict[str, Any]:
    """Normalize one input item (dict or pydantic model) to a plain dict."""
    if isinstance(item, dict):
        return item
    if hasattr(item, "model_dump"):
        return item.model_dump(exclude_none=True)
    return {}


def content_text(content: Any) -> str:
    """Text of a message content: a string or a list of parts carrying "text"."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = (as_dict(part).get("text") for part in content)
        return "".join(part for part in parts if isinstance(part, str))
    return str(content)


def _is_message(item: dict[str, Any], role: str) -> bool:
    return item.get("role") == role and item.get("type", "message") == "message"


def parse_tool_output(raw: Any) -> dict[str, Any]:
    """A tool's JSON output as a dict; anything else is treated as a failure message."""
    if isinstance(raw, dict):
        return raw
    text = content_text(raw) if isinstance(raw, list) else str(raw)
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if isinstance(value, dict):
        return value
    return {"ok": False, "error": text.strip() or "the tool returned nothing"}


def _parse_arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def split_turns(input: str | Sequence[Any]) -> list[InputTurn]:
    """Group the input items into turns, each starting at a user message."""
    if isinstance(input, str):
        return [InputTurn(user_text=input)]
    turns: list[InputTurn] = []
    for raw in input:
        item = as_dict(raw)
        if _is_message(item, "user"):
            turns.append(InputTurn(user_text=content_text(item.get("content"))))
        elif turns:
            turns[-1].items.append(item)
    return turns or [InputTurn(user_text="")]


def tool_results(items: Iterable[dict[str, Any]]) -> list[ToolResult]:
    """The function calls among `items`, in order, with their outputs attached."""
    by_call_id: dict[str, ToolResult] = {}
    ordered: list[ToolResult] = []
    for item in items:
        if item.get("type") == "function_call":
            result = ToolResult(item.get("name", ""), _parse_arguments(item.get("arguments")))
            by_call_id[str(item.get("call_id"))] = result
            ordered.append(result)
        elif item.get("type") == "function_call_output":
            result = by_call_id.get(str(item.get("call_id")))
            if result is not None:
                result.output = parse_tool_output(item.get("output"))
    return ordered


def read_conversation(input: str | Sequence[Any]) -> InputConversation:
    turns = split_turns(input)
    current = turns[-1]
    return InputConversation(
        current=current, earlier=turns[:-1], results=tool_results(current.items)
    )


# --- Parsing one user message ---------------------------------------------------------------

_FLAGS = re.IGNORECASE

_THANKS = re.compile(
    r"(?:thanks|thank\s+you|thx|ty|cheers|much\s+appreciated)"
    r"(?:\s+(?:so\s+much|very\s+much|a\s+lot|again|a\s+bunch))?",
    _FLAGS,
)
_ACK = re.compile(
    r"(?:ok(?:ay)?|k|cool|great|awesome|perfect|nice|got\s+it|sounds\s+good|never\s*mind"
    r"|forget\s+it|cancel|no|nope|yes|yep|sure|bye|goodbye)(?:\s+thanks|\s+thank\s+you)?",
    _FLAGS,
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s+there)?\b[\s,!.]*",
    _FLAGS,
)
# Applied with `.match(text, start)`, so it is anchored where the text still begins.
_LEADING_FILLER = re.compile(
    r"(?:please|pls|plz|kindly|ok(?:ay)?|so|and|also|now|then|oh|um+|uh+|well|just"
    r"|(?:can|could|would|will)\s+you(?:\s+please)?|i'?d\s+like\s+(?:you\s+)?to"
    r"|i\s+want\s+you\s+to|go\s+ahead\s+and)\b[\s,!.]*",
    _FLAGS,
)
# Searched only in the last few characters (see `_trailing_filler_start`): never a scan.
_TRAILING_FILLER = re.compile(r"(?<=[\s,])(?:please|pls|plz|thanks|thank you|thx|for me)\Z", _FLAGS)
_TRAILING_FILLER_MAX_CHARS = len("thank you")
_HELP = re.compile(
    r"(?:help|help\s+me|i\s+need\s+help|\?+|what\s+can\s+(?:you|i)\s+(?:do|say|ask)"
    r"|what\s+(?:do|can)\s+you\s+(?:do|help\s+(?:me\s+)?with)|how\s+does\s+(?:this|it)\s+work"
    r"|how\s+(?:do|can)\s+i\s+use\s+(?:this|you|it)|who\s+are\s+you|what\s+are\s+you"
    r"|commands|what\s+are\s+(?:the|your)\s+commands|options|menu)",
    _FLAGS,
)

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
_LIST_NAMES = r"(?:todo\s+|to-do\s+|task\s+)?(?:list|tasks|todos|to-dos)"
_DELETE_PATTERNS = [
    (
        r"^(?:delete|remove|drop|erase|discard|trash|scrap|scratch|cancel|get\s+rid\s+of"
        rf"|forget\s+about)\s+(?P<ref>.+?)(?:\s+(?:off|from|out\s+of)\s+(?:my\s+|the\s+)?"
        rf"{_LIST_NAMES})?$"
    ),
    rf"^(?:take|cross|strike)\s+(?P<ref>.+?)\s+(?:off|out\s+of)\s+(?:my\s+|the\s+)?{_LIST_NAMES}$",
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

_ADD_PATTERNS = [
    r"^(?:add|create|put|insert|append|new|jot\s+down|write\s+down|note\s+down)\b\s*(?P<body>.*)$",
    r"^(?:todo|to-do|to\s+do|task|reminder|note)\s*:\s*(?P<body>.+)$",
    (
        r"^(?:remind\s+me|don't\s+(?:let\s+me\s+)?forget|make\s+sure\s+i|help\s+me\s+remember)"
        r"(?:\s+(?:to|about|of|that\s+i\s+(?:need|have)\s+to))?\s+(?P<body>.+)$"
    ),
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
    _FLAGS,
)
_LIST_KEYWORD = re.compile(
    r"\b(?:tasks?|todos?|to-dos?|list|items?|left|pending|plate|remaining|outstanding|open"
    r"|done|completed?|finished|finish|accomplished|agenda|next|everything|to\s+do)\b",
    _FLAGS,
)
_PENDING_WORDS = re.compile(
    r"\b(?:not\s+(?:yet\s+)?(?:done|completed?|finished)|undone|unfinished|incomplete"
    r"|uncompleted|pending|left|remaining|outstanding|open|still|next|active"
    r"|to\s+do(?!\s+list))\b",
    _FLAGS,
)
_COMPLETED_WORDS = re.compile(
    r"\b(?:done|completed?|finished|finish|accomplished|checked(?:\s+off)?|ticked)\b", _FLAGS
)

_PRONOUN = re.compile(
    r"(?:it|that|this|them|that\s+one|this\s+one|that\s+task|this\s+task|the\s+last\s+one"
    r"|last\s+one|the\s+last\s+task|the\s+one\s+i\s+just\s+added|the\s+new\s+one)",
    _FLAGS,
)
_ID_REF = re.compile(
    r"(?:the\s+)?(?:(?:task|todo|to-do|item|number|num|no\.?)\s*)?(?:number\s+|no\.?\s*)?"
    r"#?\s*(?P<id>\d+)",
    _FLAGS,
)
_BULK_REF = re.compile(
    r"(?:all|everything|all\s+(?:of\s+)?(?:my\s+|the\s+)?(?:tasks|todos|items)"
    r"|(?:my|the)\s+(?:whole\s+|entire\s+)?(?:todo\s+|to-do\s+|task\s+)?list"
    r"|(?:all\s+)?(?:the\s+|my\s+)?(?:completed|done|finished)\s+(?:tasks|ones|items|todos))",
    _FLAGS,
)
_DESCRIPTION_SEPARATOR = re.compile(
    r"\s+[-\u2013\u2014]+\s+|\s*[,;(]?\s*\b(?:description|desc|details|notes?)\s*:\s*"
    r"|\s+with\s+(?:the\s+|a\s+)?(?:description|details|notes?)\s+",
    _FLAGS,
)
# A run of separators (",,, and ;") is one split, not one empty title per character.
_TASK_SEPARATOR = re.compile(r"(?:\s*(?:[,;&+\n]|\band\b|\bplus\b)\s*)+", _FLAGS)


# Parsing must stay linear in the message's length: it runs on every model call and holds
# the GIL, and a pattern that re-scans a long run of commas or spaces from every position is
# quadratic. So `_normalize` bounds the text and makes every whitespace run one character,
# trailing punctuation is stripped without a pattern, and the filler loop walks indices.
MAX_PARSED_CHARS = 4000  # the default CHAT_MAX_MESSAGE_CHARS; longer text is cut, not parsed
_WHITESPACE_RUN = re.compile(r"\s+")
_TRAILING_PUNCTUATION = " \n!?."
_FILLER_SEPARATORS = " \n,"
_TITLE_END_PUNCTUATION = " \n.!?,:;"
_TITLE_LEAD = re.compile(r"^(?:to|also)\s+", _FLAGS)


def _one_space(run: re.Match[str]) -> str:
    return "\n" if "\n" in run[0] else " "


def _normalize(text: str) -> str:
    """Curly quotes made straight; each whitespace run one " " (or "\\n" if it breaks a line)."""
    text = text[:MAX_PARSED_CHARS]
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return _WHITESPACE_RUN.sub(_one_space, text).strip()


def _back_over(text: str, start: int, end: int, chars: str) -> int:
    """`end` moved back over any of `chars`, never before `start`."""
    while end > start and text[end - 1] in chars:
        end -= 1
    return end


def _trailing_filler_start(text: str, start: int, end: int) -> int:
    """Where `text[start:end]` ends once a trailing "please"/"thanks" and punctuation go."""
    end = _back_over(text, start, end, _TRAILING_PUNCTUATION)
    window = max(start + 1, end - _TRAILING_FILLER_MAX_CHARS)
    if match := _TRAILING_FILLER.search(text, window, end):
        end = _back_over(text, start, match.start(), _FILLER_SEPARATORS)
    return end


def _strip_fillers(text: str) -> str:
    """Drop politeness at both ends ("can you please ... for me, thanks!"), one each per round.

    Works on indices, so a long run of fillers costs one pass, not one copy per filler.
    """
    start, end = 0, len(text)
    while True:
        before = (start, end)
        if match := _LEADING_FILLER.match(text, start, end):
            start = match.end()  # the pattern eats the spaces and commas after the filler
        end = _trailing_filler_start(text, start, end)
        if (start, end) == before:
            return text[start:end].strip()


def _clean_title(text: str) -> str:
    text = text.strip().strip("\"'").strip()
    text = _TITLE_LEAD.sub("", text, count=1)
    return text.rstrip(_TITLE_END_PUNCTUATION).strip().strip("\"'").strip()


def parse_ref(text: str) -> TaskRef:
    """A task reference: number, pronoun, "all"-style bulk, or a title fragment."""
    ref = _clean_title(text)
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
        flags=_FLAGS,
    )
    title = re.sub(r"^(?:task|todo|item)\s+(?:called|named|titled)\s+", "", title, flags=_FLAGS)
    title = re.sub(r"\s+(?:task|todo|item)$", "", title, flags=_FLAGS)
    return TaskRef(title=_clean_title(title) or ref)


def _first_match(patterns: Iterable[str], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        if match := re.match(pattern, text, _FLAGS):
            return match
    return None


def _strip_add_framing(body: str) -> str:
    """Drop the words around the titles: "a task to", "to my list:", "on my list"."""
    body = body.strip().lstrip(":-").strip()
    body = re.sub(
        rf"^(?:to|on(?:to)?|in)\s+(?:my\s+|the\s+)?{_LIST_NAMES}\s*:?\s*", "", body, flags=_FLAGS
    )
    body = re.sub(
        r"^(?:(?:a|an|another|new|one\s+more|some|more)\s+)*"
        r"(?:tasks?|todos?|to-dos?|items?|reminders?|entry|entries)\b\s*"
        r"(?:(?::|-|to|for|called|named|titled|that\s+says|saying)\s*)?",
        "",
        body,
        flags=_FLAGS,
    )
    body = re.sub(
        rf"\s+(?:to|on|onto|in)\s+(?:my\s+|the\s+)?{_LIST_NAMES}$", "", body, flags=_FLAGS
    )
    return body.strip().lstrip(":").strip()


def split_new_tasks(body: str) -> tuple[NewTask, ...]:
    """Titles (and an optional description) from the text of an add request."""
    body = _strip_add_framing(body)
    if not body:
        return ()
    quoted = re.findall(r'"([^"]+)"', body)
    if quoted:
        rest = _WHITESPACE_RUN.sub(" ", re.sub(r'"[^"]+"', "", body))  # keep runs short
        parts = _DESCRIPTION_SEPARATOR.split(rest, maxsplit=1)
        if len(quoted) == 1 and len(parts) == 2 and _clean_title(parts[1]):
            return (NewTask(_clean_title(quoted[0]), _clean_title(parts[1])),)
        return tuple(NewTask(title) for q in quoted if (title := _clean_title(q)))
    parts = _DESCRIPTION_SEPARATOR.split(body, maxsplit=1)
    if len(parts) == 2 and _clean_title(parts[0]) and _clean_title(parts[1]):
        return (NewTask(_clean_title(parts[0]), _clean_title(parts[1].rstrip(")"))),)
    titles = (_clean_title(part) for part in _TASK_SEPARATOR.split(body))
    return tuple(NewTask(title) for title in titles if title)


def _list_status(text: str) -> ListStatus:
    if re.search(r"\ball\b", text, _FLAGS):
        return "all"
    if _PENDING_WORDS.search(text):
        return "pending"
    if _COMPLETED_WORDS.search(text) or re.search(r"\bdid\s+i\b", text, _FLAGS):
        return "completed"
    return "all"


def _parse_complete(text: str) -> Intent | None:
    match = _first_match(_COMPLETE_PATTERNS, text)
    return Intent("complete", ref=parse_ref(match["ref"])) if match else None


def _parse_delete(text: str) -> Intent | None:
    match = _first_match(_DELETE_PATTERNS, text)
    return Intent("delete", ref=parse_ref(match["ref"])) if match else None


def _parse_update(text: str) -> Intent | None:
    if match := _first_match(_UPDATE_DESCRIPTION_PATTERNS, text):
        description = _clean_title(match["desc"])
        return Intent("update", ref=parse_ref(match["ref"]), new_description=description)
    if match := _first_match(_UPDATE_TITLE_PATTERNS, text):
        new_title = _clean_title(match["title"])
        if re.fullmatch(_COMPLETE_WORDS, new_title, _FLAGS):
            return Intent("complete", ref=parse_ref(match["ref"]))
        return Intent("update", ref=parse_ref(match["ref"]), new_title=new_title)
    if match := re.match(_UPDATE_BARE, text, _FLAGS):
        return Intent("update", ref=parse_ref(match["ref"]))
    return None


def _parse_add(text: str) -> Intent | None:
    match = _first_match(_ADD_PATTERNS, text)
    return Intent("add", tasks=split_new_tasks(match["body"])) if match else None


def _parse_list(text: str) -> Intent | None:
    if _ID_REF.fullmatch(text):  # "task 3" alone answers a "which task?" question
        return None
    if _LIST_START.match(text) and _LIST_KEYWORD.search(text):
        return Intent("list", status=_list_status(text))
    return None


def _parse_dates(text: str, today: date) -> Intent | None:
    """Requests that are about due dates: a question, clearing one, moving one."""
    if due := parse_due_question(text):
        return Intent("list", status="pending", due=due)
    if (ref := parse_clear(text)) is not None:
        return Intent("update", ref=parse_ref(ref), clear_due_date=True)
    if moved := parse_move(text, today):
        return Intent("update", ref=parse_ref(moved[0]), new_due_date=moved[1].isoformat())
    return None


def _with_due_date(intent: Intent, text: str, today: date) -> Intent:
    """An add request ending in a date phrase: the tasks without it, due that day."""
    rest, due = split_due(text, today)
    dated = _parse_add(rest) if due else None
    if due is None or dated is None or not dated.tasks:
        return intent
    return replace(
        dated, tasks=tuple(replace(task, due_date=due.isoformat()) for task in dated.tasks)
    )


def parse_intent(message: str, today: date | None = None) -> Intent:
    """Classify one user message; never raises. `today` is the user's date (default UTC's)."""
    return _parse_intent(message, today or today_from_instructions(None))


@functools.lru_cache(maxsize=256)
def _parse_intent(message: str, today: date) -> Intent:
    """Cached: every model call of a turn re-reads the whole history, and an `Intent` is
    immutable (keyed by today too: a date phrase means another day tomorrow)."""
    text = _normalize(message)
    bare = text.rstrip(" \n!.,")
    if _THANKS.fullmatch(bare):
        return Intent("thanks")
    if _ACK.fullmatch(bare):
        return Intent("ack")
    text = _GREETING.sub("", text, count=1).strip()
    text = _strip_fillers(text)
    if not text:
        return Intent("greet")
    if _THANKS.fullmatch(text):
        return Intent("thanks")
    if _HELP.fullmatch(text):
        return Intent("help")
    if intent := _parse_dates(text, today):
        return intent
    for parse in (_parse_complete, _parse_delete, _parse_update, _parse_add, _parse_list):
        if intent := parse(text):
            return _with_due_date(intent, text, today) if intent.kind == "add" else intent
    return Intent("unknown")


# --- Finding tasks --------------------------------------------------------------------------


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


def _single_task_ids(results: Iterable[ToolResult]) -> list[int]:
    tasks = (result.output.get("task") for result in results if result.output)
    return [task["id"] for task in tasks if isinstance(task, dict) and "id" in task]


def _listed_task_ids(results: Iterable[ToolResult]) -> list[int]:
    ids: list[int] = []
    for result in results:
        if result.output and result.output.get("ok") and "tasks" in result.output:
            ids.extend(task["id"] for task in result.output["tasks"] if "id" in task)
    return ids


def _assistant_text(turn: InputTurn) -> str:
    return "\n".join(
        content_text(item.get("content")) for item in turn.items if _is_message(item, "assistant")
    )


def _turn_task_id(turn: InputTurn, kind: IntentKind) -> int | None:
    """The one task an earlier turn was about, if it is clear which."""
    results = tool_results(turn.items)
    if single := _single_task_ids(results):
        return single[-1]
    if results:
        listed = _listed_task_ids(results)
        return listed[0] if len(listed) == 1 else None
    mentioned = list(dict.fromkeys(int(n) for n in re.findall(r"#(\d+)", _assistant_text(turn))))
    if len(mentioned) == 1 or (mentioned and kind == "add"):
        return mentioned[-1]
    return None


# "it" means something said lately; looking further back would re-read (parse) every
# earlier message on each model call.
PRONOUN_LOOKBACK_TURNS = 8


def recent_task_id(earlier: Sequence[InputTurn]) -> int | None:
    """What "it" means: the task of the latest recent turn that dealt with tasks."""
    for turn in reversed(earlier[-PRONOUN_LOOKBACK_TURNS:]):
        kind = parse_intent(turn.user_text).kind
        if kind in TASK_KINDS or tool_results(turn.items):
            return _turn_task_id(turn, kind)
    return None


# --- Reply texts ----------------------------------------------------------------------------

HELP_TEXT = (
    "I'm Taskstream's built-in assistant and I can manage your to-do list:\n"
    '- **Add**: "add buy milk" or "add milk, eggs and bread"\n'
    '- **List**: "show my tasks", "what\'s left?", "show completed tasks"\n'
    '- **Complete**: "complete buy milk" or "I finished buy milk"\n'
    '- **Rename**: "rename buy milk to buy oat milk"\n'
    '- **Delete**: "delete buy milk" or "remove buy milk"\n'
    '- **Dates**: "add pay rent due friday", "move pay rent to monday", "what\'s due this week?"'
)
GREETING_TEXT = (
    "Hi there! I can add, list, complete, rename and delete your tasks. "
    'Try "add buy milk" or "what\'s left?".'
)
THANKS_TEXT = "You're welcome! Let me know if there's anything else to add or check off."
ACK_TEXT = "Okay! Let me know whenever you want to add, check off or change a task."
UNKNOWN_TEXT = (
    "Sorry, I can't help with that: I'm Taskstream's offline assistant and I only manage "
    'your tasks. Try "add buy milk", "show my tasks" or "help".'
)

_VERBS = {
    "add": "add",
    "list": "list",
    "complete": "complete",
    "delete": "delete",
    "update": "change",
}
_ACTION_TOOLS = {"complete": COMPLETE_TASK, "delete": DELETE_TASK, "update": UPDATE_TASK}


def describe(task: dict[str, Any]) -> str:
    return f'"{task.get("title", "")}" (task #{task.get("id")})'


def error_text(output: dict[str, Any]) -> str:
    message = str(output.get("error") or "something went wrong").strip()
    if match := re.fullmatch(r"task\s+#?(\d+)\s+not\s+found\.?", message, _FLAGS):
        return f"I couldn't find task {match[1]}."
    # The tool names the field ("title: Task titles can be up to 200 characters — …"); the
    # sentence after it already says which, in words.
    message = re.sub(r"^(?:title|description):\s+(?=[A-Z])", "", message)
    return f"Sorry, that didn't work: {message.rstrip('.')}."


def _updated_text(task: dict[str, Any], arguments: dict[str, Any]) -> str:
    if arguments.get("clear_due_date"):
        return f"Removed the due date from {describe(task)}."
    if arguments.get("due_date"):
        return f"Moved {describe(task)} to {spoken_date(task.get('due_date') or '')}."
    if arguments.get("title") is None and arguments.get("description") is not None:
        description = task.get("description") or arguments["description"]
        return f'Updated the description of {describe(task)} to "{description}".'
    return f'Renamed task #{task.get("id")} to "{task.get("title", "")}".'


def _action_text(output: dict[str, Any], arguments: dict[str, Any]) -> str:
    task = output.get("task") or {}
    action = output.get("action")
    if action == "added":
        note = f' with the note "{task["description"]}"' if task.get("description") else ""
        due = f", due {spoken_date(task['due_date'])}" if task.get("due_date") else ""
        return f"Added {describe(task)}{due}{note}."
    if action == "completed":
        return f"Nice work! Marked {describe(task)} as done. \u2713"
    if action == "deleted":
        return f"Deleted {describe(task)}."
    if action == "updated":
        return _updated_text(task, arguments)
    return "Done."


def task_line(task: dict[str, Any]) -> str:
    check = " \u2713" if task.get("completed") else ""
    note = f" \u2014 {task['description']}" if task.get("description") else ""
    return f"- #{task.get('id')} {task.get('title', '')}{due_note(task)}{check}{note}"


def listing_text(output: dict[str, Any]) -> str:
    tasks = output.get("tasks") or []
    status = output.get("status", "all")
    due = output.get("due") if isinstance(output.get("due"), str) else None
    if not tasks:
        return DUE_EMPTY_TEXTS.get(due) or {
            "pending": "Nothing pending: you're all caught up!",
            "completed": "You haven't completed any tasks yet.",
        }.get(status, 'Your list is empty. Try "add buy milk" to get started.')
    more = output.get("more") if isinstance(output.get("more"), int) else 0
    count = len(tasks) + more
    plural = "" if count == 1 else "s"
    header = (
        due_listing_header(due, count)
        if due in DUE_EMPTY_TEXTS
        else {
            "pending": f"You have {count} pending task{plural}:",
            "completed": f"You've completed {count} task{plural}:",
        }.get(status, f"You have {count} task{plural}:")
    )
    rest = [f"…and {more} more."] if more > 0 else []
    return "\n".join([header, *(task_line(task) for task in tasks), *rest])


def result_text(result: ToolResult) -> str:
    """A sentence (or list) describing one tool result."""
    output = result.output or {}
    if not output.get("ok"):
        return error_text(output)
    if "tasks" in output:
        return listing_text(output)
    return _action_text(output, result.arguments)


def _succeeded(result: ToolResult) -> bool:
    return bool((result.output or {}).get("ok"))


def added_text(results: Sequence[ToolResult]) -> str:
    """The tasks added, then each distinct failure once (past the tool-call limit, many fail
    alike)."""
    succeeded = [result for result in results if _succeeded(result)]
    failures = dict.fromkeys(result_text(result) for result in results if not _succeeded(result))
    if len(succeeded) > 1:
        added = (f"- {describe(result.output['task'])}" for result in succeeded if result.output)
        listing = "\n".join([f"Added {len(succeeded)} tasks:", *added])
        return "\n\n".join([listing, " ".join(failures)]) if failures else listing
    return " ".join([*(result_text(result) for result in succeeded), *failures])


def summary_text(results: Sequence[ToolResult]) -> str:
    return "\n\n".join(result_text(result) for result in results) or "Done."


def _example(kind: IntentKind, task_id: Any = 3) -> str:
    if kind == "update":
        return f'"rename task {task_id} to ..."'
    return f'"{_VERBS.get(kind, kind)} task {task_id}"'


def _which_task_text(kind: IntentKind) -> str:
    verb = _VERBS.get(kind, kind)
    return f"Which task should I {verb}? Tell me its number, e.g. {_example(kind)}."


def _unavailable_text(kind: IntentKind) -> str:
    return f"Sorry, I can't {_VERBS.get(kind, kind)} tasks right now."


# --- Planning -------------------------------------------------------------------------------


def _results_for(results: Sequence[ToolResult], name: str) -> list[ToolResult]:
    return [result for result in results if result.name == name and result.output is not None]


def _plan_add(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    if added := _results_for(convo.results, ADD_TASK):
        return NextStep.reply(added_text(added))
    if not intent.tasks:
        return NextStep.reply('What should I add? For example: "add buy milk".')
    if ADD_TASK not in tools:
        return NextStep.reply(_unavailable_text("add"))
    return NextStep.call(*(ToolCall(ADD_TASK, _add_arguments(task)) for task in intent.tasks))


def _add_arguments(task: NewTask) -> dict[str, Any]:
    arguments: dict[str, Any] = {"title": task.title}
    if task.description:
        arguments["description"] = task.description
    if task.due_date:
        arguments["due_date"] = task.due_date
    return arguments


def _plan_list(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    if listed := _results_for(convo.results, LIST_TASKS):
        return NextStep.reply(result_text(listed[-1]))
    if LIST_TASKS not in tools:
        return NextStep.reply(_unavailable_text("list"))
    due = {"due": intent.due} if intent.due else {}
    return NextStep.call(ToolCall(LIST_TASKS, {"status": intent.status, **due}))


def _action_call(intent: Intent, task_id: int) -> ToolCall:
    if intent.kind == "update":
        arguments = {
            "task_id": task_id,
            "title": intent.new_title,
            "description": intent.new_description,
        }
        if intent.new_due_date:
            arguments["due_date"] = intent.new_due_date
        if intent.clear_due_date:
            arguments["clear_due_date"] = True
        return ToolCall(UPDATE_TASK, arguments)
    return ToolCall(_ACTION_TOOLS[intent.kind], {"task_id": task_id})


def _pick_from_listing(intent: Intent, listing: dict[str, Any]) -> NextStep:
    """Second step of a by-title request: choose the task from list_tasks output."""
    if not listing.get("ok"):
        return NextStep.reply(error_text(listing))
    query = intent.ref.title if intent.ref and intent.ref.title else ""
    matches = match_tasks(listing.get("tasks") or [], query)
    if intent.kind == "complete" and len(matches) > 1:
        matches = [task for task in matches if not task.get("completed")] or matches
    if not matches:
        return NextStep.reply(f'I couldn\'t find a task matching "{query}".')
    if len(matches) > 1:
        lines = "\n".join(task_line(task) for task in matches)
        return NextStep.reply(
            f'A few tasks match "{query}":\n{lines}\n'
            f"Which one should I {_VERBS[intent.kind]}? Tell me its number, "
            f"e.g. {_example(intent.kind, matches[0].get('id'))}."
        )
    task = matches[0]
    if intent.kind == "complete" and task.get("completed"):
        return NextStep.reply(f"{describe(task)} is already done. \u2713")
    return NextStep.call(_action_call(intent, int(task["id"])))


def _plan_action(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    """complete / delete / update: by id, by "it", or by title via list_tasks first."""
    tool = _ACTION_TOOLS[intent.kind]
    if done := _results_for(convo.results, tool):
        return NextStep.reply(summary_text(done))
    ref = intent.ref or TaskRef()
    if ref.bulk:
        return NextStep.reply(
            f"I can only {_VERBS[intent.kind]} one task at a time. {_which_task_text(intent.kind)}"
        )
    changes = (intent.new_title, intent.new_description, intent.new_due_date)
    if intent.kind == "update" and changes == (None, None, None) and not intent.clear_due_date:
        return NextStep.reply('What should I change? For example: "rename task 2 to buy oat milk".')
    if tool not in tools:
        return NextStep.reply(_unavailable_text(intent.kind))
    if ref.task_id is not None:
        return NextStep.call(_action_call(intent, ref.task_id))
    if ref.pronoun or not ref.title:
        task_id = recent_task_id(convo.earlier)
        if task_id is None:
            return NextStep.reply(_which_task_text(intent.kind))
        return NextStep.call(_action_call(intent, task_id))
    if listed := _results_for(convo.results, LIST_TASKS):
        return _pick_from_listing(intent, listed[-1].output or {})
    if LIST_TASKS not in tools:
        return NextStep.reply(_which_task_text(intent.kind))
    return NextStep.call(ToolCall(LIST_TASKS, {"status": "all"}))


def _plan_talk(intent: Intent, convo: InputConversation, tools: frozenset[str]) -> NextStep:
    if finished := [result for result in convo.results if result.output is not None]:
        return NextStep.reply(summary_text(finished))
    texts = {"greet": GREETING_TEXT, "thanks": THANKS_TEXT, "ack": ACK_TEXT, "help": HELP_TEXT}
    return NextStep.reply(texts.get(intent.kind, UNKNOWN_TEXT))


_PLANNERS = {
    "add": _plan_add,
    "list": _plan_list,
    "complete": _plan_action,
    "delete": _plan_action,
    "update": _plan_action,
}


def _repeats_a_call(step: NextStep, results: Sequence[ToolResult]) -> bool:
    made = {(result.name, json.dumps(result.arguments, sort_keys=True)) for result in results}
    return any(
        (call.name, json.dumps(call.arguments, sort_keys=True)) in made for call in step.calls
    )


def _answer_to_which(intent: Intent, convo: InputConversation) -> Intent:
    """A bare task number ("3", "task 3") answers our "which task?" from the previous turn."""
    if intent.kind != "unknown" or not convo.earlier:
        return intent
    ref = parse_ref(_strip_fillers(_normalize(convo.current.user_text)))
    previous_turn = convo.earlier[-1]
    previous = parse_intent(previous_turn.user_text)
    if ref.task_id is None or previous.kind not in _ACTION_TOOLS:
        return intent
    tool = _ACTION_TOOLS[previous.kind]
    finished = _results_for(tool_results(previous_turn.items), tool)
    if any(result.output and result.output.get("ok") for result in finished):
        return intent
    return replace(previous, ref=ref)


def plan_next_step(
    input: str | Sequence[Any], tool_names: Iterable[str], today: date | None = None
) -> NextStep:
    """Decide the model's next output from the whole conversation and the offered tools;
    `today` is the user's date (the agent's instructions carry it)."""
    convo = read_conversation(input)
    intent = _answer_to_which(parse_intent(convo.current.user_text, today), convo)
    tools = frozenset(tool_names)
    step = _PLANNERS.get(intent.kind, _plan_talk)(intent, convo, tools)
    if _repeats_a_call(step, convo.results):
        # Never loop: a call that already ran this turn means it is time to report.
        return NextStep.reply(summary_text([r for r in convo.results if r.output is not None]))
    return step
