"""Text shared by every phrase family: a message normalized and bounded, politeness stripped,
titles cleaned.

Parsing must stay linear in the message's length: it runs on every model call and holds the
GIL, and a pattern that re-scans a long run of commas or spaces from every position is
quadratic. So `normalize` bounds the text and makes every whitespace run one character,
trailing punctuation is stripped without a pattern, and the filler loop walks indices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FLAGS = re.IGNORECASE

# Applied with `.match(text, start)`, so it is anchored where the text still begins.
_LEADING_FILLER = re.compile(
    r"(?:please|pls|plz|kindly|ok(?:ay)?|so|and|also|now|then|oh|um+|uh+|well|just"
    r"|(?:can|could|would|will)\s+you(?:\s+please)?|i'?d\s+like\s+(?:you\s+)?to"
    r"|i\s+want\s+you\s+to|go\s+ahead\s+and)\b[\s,!.]*",
    FLAGS,
)
# Searched only in the last few characters (see `_trailing_filler_start`): never a scan.
_TRAILING_FILLER = re.compile(r"(?<=[\s,])(?:please|pls|plz|thanks|thank you|thx|for me)\Z", FLAGS)
_TRAILING_FILLER_MAX_CHARS = len("thank you")

MAX_PARSED_CHARS = 4000  # the default CHAT_MAX_MESSAGE_CHARS; longer text is cut, not parsed
# Requests about one thing (a list, a repeat, a reminder) are short: longer text is no such
# request, and never costs a slow pattern.
MAX_REQUEST_CHARS = 200
WHITESPACE_RUN = re.compile(r"\s+")
_TRAILING_PUNCTUATION = " \n!?."
_FILLER_SEPARATORS = " \n,"
_TITLE_END_PUNCTUATION = " \n.!?,:;"
_TITLE_LEAD = re.compile(r"^(?:to|also)\s+", FLAGS)


def _one_space(run: re.Match[str]) -> str:
    return "\n" if "\n" in run[0] else " "


def normalize(text: str) -> str:
    """Curly quotes made straight; each whitespace run one " " (or "\\n" if it breaks a line)."""
    text = text[:MAX_PARSED_CHARS]
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return WHITESPACE_RUN.sub(_one_space, text).strip()


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


def strip_fillers(text: str) -> str:
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


def clean_title(text: str) -> str:
    text = text.strip().strip("\"'").strip()
    text = _TITLE_LEAD.sub("", text, count=1)
    return text.rstrip(_TITLE_END_PUNCTUATION).strip().strip("\"'").strip()


def first_match(patterns: Iterable[str], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        if match := re.match(pattern, text, FLAGS):
            return match
    return None
