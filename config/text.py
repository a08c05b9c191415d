"""Clean user-supplied text: one rule set for every text field the product stores.

Beyond length, text must be storable everywhere we store it: PostgreSQL refuses NUL in text,
and a lone UTF-16 surrogate (JSON allows "\\ud800") cannot be encoded at all. A title must
also be seen as it is: not only invisible characters, and no controls that reorder the text
around it (the "Trojan Source" trick).
"""

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# Format characters (zero-width spaces and joiners, BOM, word joiner...), spaces, separators
# and controls draw nothing; neither do these letters and marks.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_INVISIBLE_CHARACTERS = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u2800"  # Braille blank
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07"  # variation selectors
    "\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f"
)
# Embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def looks_empty(text: str) -> bool:
    """True when `text` draws nothing: only spaces, format characters or fillers."""
    return all(
        char in _INVISIBLE_CHARACTERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        for char in text
    )


def visible_text_problem(text: str, *, required: str) -> str | None:
    """Why `text` cannot be a title people read, or None: `required` if it draws nothing."""
    if looks_empty(text):
        return required
    if _BIDI_CONTROL.search(text):
        return "Bidirectional override and isolate characters are not allowed."
    return None


INVISIBLE_ONLY = "This text has only invisible characters: leave it empty or write something."


def without_direction_controls(text: str) -> str:
    """`text` less the embeddings, overrides and isolates (for text made from other text)."""
    return _BIDI_CONTROL.sub("", text)


def unstorable_character_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return "Null characters are not allowed."
    return "Surrogate characters are not allowed."


def clean_text(
    value: object,
    *,
    field: str,
    max_length: int,
    required: str | None = None,
    too_long: str = "At most {max_length} characters ({length} given).",
) -> str:
    """`value` stripped, storable and at most `max_length` characters, else a ValidationError
    on `field`. `required` is the message for empty text; without it empty text is fine.
    `too_long` is the message for long text, formatted with `max_length` and `length`."""
    if value is None and required is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: ["This must be text."]})
    text = value.strip()
    if not text and required:
        raise ValidationError({field: [required]})
    if problem := unstorable_character_problem(text):
        raise ValidationError({field: [problem]})
    if len(text) > max_length:
        message = too_long.format(max_length=max_length, length=len(text))
        raise ValidationError({field: [message]})
    return text


def storable(value: object) -> object:
    """`value` (text, or JSON-like lists and dicts of it) as the database can hold it: model
    output is kept as it came, less NUL characters, with lone surrogates replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    return value


def clean_visible_text(value: object, *, field: str, **rules: Any) -> str:
    """`clean_text` (with its `rules`), for text people are shown (titles, descriptions): it
    must show as it reads. Text of only invisible characters is empty (`required`, or
    INVISIBLE_ONLY for optional text); direction controls (the "Trojan Source" trick) are
    refused."""
    text = clean_text(value, field=field, **rules)
    required = rules.get("required") or INVISIBLE_ONLY
    if text and (problem := visible_text_problem(text, required=required)):
        raise ValidationError({field: [problem]})
    return text
