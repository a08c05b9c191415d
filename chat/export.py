"""Transcript exports: conversations as one JSON document or as Markdown, produced piece by piece.

Both are generators of text over conversations read in chunks (with their messages
prefetched per chunk), so a large selection is never loaded at once. They know nothing of
HTTP: the admin wraps them in a streaming response.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, QuerySet

from chat.models import Conversation, Message
from chat.tool_calls import tool_call_entries

CHUNK_SIZE = 100
# What moderators recorded about a conversation: who flagged it, and their reason.
MODERATION_ONLY_FIELDS = ("flagged_by", "flag_reason")


def conversations_for_export(conversations: QuerySet[Conversation]) -> Iterator[Conversation]:
    """The given conversations, oldest first, each with its owner, flagger and ordered messages."""
    # Re-select by primary key so whatever annotations or joins the caller's queryset carries
    # stay out of the export's queries.
    queryset = (
        Conversation.objects.filter(pk__in=conversations.order_by().values("pk"))
        .select_related("owner", "flagged_by")
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.order_by("created_at", "id"))
        )
        .order_by("created_at", "id")
    )
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def conversation_as_dict(conversation: Conversation) -> dict[str, Any]:
    flagged_by = conversation.flagged_by
    return {
        "id": conversation.pk,
        "owner": conversation.owner.get_username(),
        "title": conversation.title,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "flagged": conversation.flagged,
        "flag_reason": conversation.flag_reason,
        "flagged_by": flagged_by.get_username() if flagged_by else None,
        "flagged_at": conversation.flagged_at,
        "messages": [message_as_dict(message) for message in conversation.messages.all()],
    }


def message_as_dict(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "created_at": message.created_at,
        "model_name": message.model_name,
        "input_tokens": message.input_tokens,
        "output_tokens": message.output_tokens,
        "time_to_first_token_ms": message.time_to_first_token_ms,
        "duration_ms": message.duration_ms,
        "error_code": message.error_code,
        "tool_calls": message.tool_calls,
    }


def export_json(conversations: QuerySet[Conversation]) -> Iterator[str]:
    """One JSON document, {"conversations": [...]}, one conversation per piece."""
    return json_document(
        {"conversations": map(conversation_as_dict, conversations_for_export(conversations))}
    )


def conversation_as_owner_sees_it(conversation: Conversation) -> dict[str, Any]:
    """The conversation for its owner's own export: whether and when it was flagged, but not
    who flagged it nor the moderator's reason (moderators' identities and internal notes stay
    with the moderation tools)."""
    document = conversation_as_dict(conversation)
    for field in MODERATION_ONLY_FIELDS:
        del document[field]
    return document


def json_document(fields: dict[str, Any], *, indent: int | None = None) -> Iterator[str]:
    """A JSON object written piece by piece: a field whose value is an iterator becomes an
    array written one item per piece, so it is never all in memory; other values are written
    whole. `indent`: spaces per level, for a file people read (None: one line)."""
    newline, pad = ("\n", " " * indent) if indent else ("", "")
    comma = "," + (newline or " ")

    def encoded(value: object, depth: int) -> str:
        return _json(value, indent).replace("\n", "\n" + pad * depth)

    opening = "{" + newline
    for index, (name, value) in enumerate(fields.items()):
        opening += (comma if index else "") + pad + json.dumps(name) + ": "
        if isinstance(value, Iterator):
            yield opening + "["
            written = 0
            for item in value:
                yield (comma if written else newline) + pad * 2 + encoded(item, 2)
                written += 1
            opening = (newline + pad if written else "") + "]"
        else:
            opening += encoded(value, 1)
    yield opening + newline + "}\n"


def _json(value: object, indent: int | None = None) -> str:
    # Indented output is for people: their own words as they wrote them, not \u escapes.
    return json.dumps(value, cls=DjangoJSONEncoder, indent=indent, ensure_ascii=indent is None)


def export_markdown(conversations: QuerySet[Conversation]) -> Iterator[str]:
    """A Markdown transcript per conversation, separated by horizontal rules."""
    for index, conversation in enumerate(conversations_for_export(conversations)):
        yield ("\n---\n\n" if index else "") + conversation_as_markdown(conversation)


def conversation_as_markdown(conversation: Conversation) -> str:
    lines = [f"# {_one_line(str(conversation))} (conversation {conversation.pk})", ""]
    lines.append(f"- Owner: {_one_line(conversation.owner.get_username())}")
    lines.append(f"- Created: {conversation.created_at.isoformat()}")
    lines.append(f"- Updated: {conversation.updated_at.isoformat()}")
    if conversation.flagged:
        flagged_by = conversation.flagged_by.get_username() if conversation.flagged_by else "?"
        flagged_at = conversation.flagged_at.isoformat() if conversation.flagged_at else "?"
        lines.append(
            f"- Flagged by {_one_line(flagged_by)} at {flagged_at}: "
            f"{_one_line(conversation.flag_reason)}"
        )
    lines.append("")
    for number, message in enumerate(conversation.messages.all(), start=1):
        lines.extend(_message_markdown(number, message))
    return "\n".join(lines) + "\n"


def _message_markdown(number: int, message: Message) -> list[str]:
    details = [message.status, message.created_at.isoformat()]
    if message.model_name:
        details.append(f"model {message.model_name}")
    if message.input_tokens is not None or message.output_tokens is not None:
        details.append(
            f"tokens {_or_dash(message.input_tokens)} in / {_or_dash(message.output_tokens)} out"
        )
    if message.time_to_first_token_ms is not None:
        details.append(f"first token {message.time_to_first_token_ms} ms")
    if message.duration_ms is not None:
        details.append(f"duration {message.duration_ms} ms")
    if message.error_code:
        details.append(f"error {message.error_code}")
    lines = [f"## {number}. {message.role}", "", f"*{_one_line(' · '.join(details))}*", ""]
    # Quoted, so text in a message cannot pass itself off as the transcript's own headings.
    lines.extend(_quote(message.content) if message.content else ["> *(no text)*"])
    lines.append("")
    for call in tool_call_entries(message.tool_calls):
        lines.extend(_tool_call_markdown(call))
    return lines


def _tool_call_markdown(call: object) -> list[str]:
    if not isinstance(call, dict):
        return ["**Tool call**", "", *_code_block(pretty_json(call)), ""]
    name = _one_line(str(call.get("name", "?")))
    call_id = _one_line(str(call.get("call_id", "")))
    lines = [f"**Tool call `{name}`**" + (f" ({call_id})" if call_id else ""), ""]
    lines += ["Arguments:", "", *_code_block(pretty_json(call.get("arguments"))), ""]
    if "output" in call:
        lines += ["Output:", "", *_code_block(pretty_json(call["output"])), ""]
    else:
        lines += ["Output: *none, the run stopped before the tool returned*", ""]
    return lines


def pretty_json(value: object) -> str:
    """Indented JSON for objects and arrays; a string (a tool's text output) as it is."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)


def _code_block(text: str) -> list[str]:
    # A fence longer than any run of backticks inside, so the text cannot close it early.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *text.splitlines(), fence]


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.splitlines()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)
