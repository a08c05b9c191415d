"""Parse and validate a chat request body before anything is stored or streamed."""

import json
import re
import uuid
from dataclasses import dataclass

from django.conf import settings

from config.text import unstorable_character_problem
from config.timezones import UnknownTimeZone, checked_zone_name

MAX_ID = 2**63 - 1  # the largest primary key a database column holds


# A BCP 47 language tag as browsers send it (navigator.language): "en-US", "de", "zh-Hant-TW".
LOCALE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")


@dataclass(frozen=True)
class ChatRequest:
    message: str
    conversation_id: int | None
    time_zone: str = ""  # the client's IANA zone ("timezone"); "" means the TIME_ZONE setting
    locale: str = ""  # the client's language tag ("locale", e.g. en-US): how it writes dates
    # The client's id for this message: sent again, it starts nothing new (chat.turns).
    client_message_id: uuid.UUID | None = None


class InvalidChatRequest(Exception):
    """A 4xx for the client: `status`, `code` and `detail` in the API's error shape."""

    def __init__(
        self,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        *,
        code: str = "invalid",
        status: int = 400,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.code = code
        self.status = status


def _field_error(field: str, message: str) -> InvalidChatRequest:
    return InvalidChatRequest(f"Invalid input: {field}.", {field: [message]})


def parse_chat_request(body: bytes, content_type: str) -> ChatRequest:
    """The request, or InvalidChatRequest naming what is wrong."""
    if content_type != "application/json":
        raise InvalidChatRequest(
            f'Unsupported media type "{content_type}": send application/json.',
            code="unsupported_media_type",
            status=415,
        )
    try:
        payload = json.loads(body or b"")
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
        raise InvalidChatRequest("The request body must be JSON.", code="parse_error") from None
    if not isinstance(payload, dict):
        raise InvalidChatRequest("The request body must be a JSON object.")

    message = payload.get("message")
    if message is None:
        raise _field_error("message", "This field is required.")
    if not isinstance(message, str):
        raise _field_error("message", "A message must be a string.")
    if not message.strip():
        raise _field_error("message", "A message cannot be empty.")
    if problem := unstorable_character_problem(message):
        raise _field_error("message", problem)
    limit = settings.CHAT_MAX_MESSAGE_CHARS
    if len(message) > limit:
        raise _field_error(
            "message", f"A message has at most {limit} characters ({len(message)} sent)."
        )

    conversation_id = payload.get("conversation_id")
    if conversation_id is not None and (
        isinstance(conversation_id, bool)
        or not isinstance(conversation_id, int)
        or not 1 <= conversation_id <= MAX_ID
    ):
        raise _field_error(
            "conversation_id", "A conversation id must be a positive integer or null."
        )
    zone = payload.get("timezone")
    if zone is not None and not isinstance(zone, str):
        raise _field_error("timezone", "A time zone must be a string such as Europe/Paris.")
    try:
        zone = checked_zone_name(zone)
    except UnknownTimeZone as unknown:
        raise _field_error("timezone", str(unknown)) from None
    locale = payload.get("locale")
    if locale is not None and not (isinstance(locale, str) and LOCALE.fullmatch(locale)):
        raise _field_error("locale", "A locale is a language tag such as en-US or de-DE.")
    return ChatRequest(
        message=message.strip(),
        conversation_id=conversation_id,
        time_zone=zone,
        locale=locale or "",
        client_message_id=_client_message_id(payload.get("client_message_id")),
    )


def _client_message_id(value: object) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return uuid.UUID(value)
    except ValueError:
        raise _field_error("client_message_id", "A client message id must be a UUID.") from None
