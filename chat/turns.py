"""A chat turn's writes: open it before the first byte, close it after the last.

Each is one short transaction, so a streamed reply costs two database round trips plus what
its tools do, never a write per token.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.preferences import time_zone_of
from chat.conversations import ConversationNotFound, active_replies
from chat.history import history_input_items
from chat.models import Conversation, Message
from chat.usage import usage_add
from config.changes import changed, published_together
from config.precompiled import PrecompiledInsert, PrecompiledUpdate
from config.text import looks_empty, storable, without_direction_controls

TITLE_WORDS_LENGTH = 60
# The writes every turn makes, written once per database (config/precompiled.py).
_INSERT_CONVERSATION = PrecompiledInsert(Conversation)
_INSERT_MESSAGES = PrecompiledInsert(Message)
_TOUCH_OWN_CONVERSATION = PrecompiledUpdate(
    Conversation, columns=["updated_at"], where=["id", "owner"]
)
_TOUCH_CONVERSATION = PrecompiledUpdate(Conversation, columns=["updated_at"], where=["id"])
_FINISH_REPLY = PrecompiledUpdate(
    Message,
    columns=[
        "status",
        "content",
        "tool_calls",
        "input_tokens",
        "output_tokens",
        "time_to_first_token_ms",
        "duration_ms",
        "error_code",
    ],
    where=["id", "status"],
)
# The error code of a run whose final save was given up (chat.runs.saving).
SAVE_FAILED = "save_failed"


@dataclass(frozen=True)
class Turn:
    """One user message and the assistant reply being produced for it."""

    user: AbstractBaseUser
    conversation_id: int
    user_message_id: int
    assistant_message_id: int
    run_id: uuid.UUID
    model_name: str
    input_items: list[dict[str, Any]] = field(repr=False)
    # The user's IANA zone for this turn: the client's, else the account's, else TIME_ZONE.
    time_zone: str = ""
    locale: str = ""  # the user's language tag (how they write dates); "" if unknown


@dataclass(frozen=True)
class TurnOutcome:
    """What a finished (or cut off) run produced, for the transcript."""

    status: str
    content: str
    tool_calls: list[dict[str, Any]]
    input_tokens: int | None = None
    output_tokens: int | None = None
    time_to_first_token_ms: int | None = None
    duration_ms: int | None = None
    error_code: str = ""


def title_from_message(text: str) -> str:
    """A short title from the first message: its words on one line, cut at a word boundary,
    by the rule of every title (config.text): without direction controls, and none at all
    rather than one of only invisible characters."""
    words = " ".join(without_direction_controls(text).split())
    if looks_empty(words):
        return ""
    if len(words) <= TITLE_WORDS_LENGTH:
        return words
    return words[:TITLE_WORDS_LENGTH].rsplit(" ", 1)[0] + "…"


class RunInProgress(Exception):
    """The conversation already has a reply being written: one run per conversation."""

    def __init__(self, *, run_id: uuid.UUID, conversation_id: int, message_id: int, age_s: float):
        super().__init__(f"Run {run_id} is in progress in conversation {conversation_id}")
        self.run_id = run_id
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.age_s = age_s


class DuplicateMessage(Exception):
    """The user already sent this `client_message_id`: nothing new is stored. `run_id` names
    the reply the first one started (None if it is not the caller's)."""

    def __init__(self, *, run_id: uuid.UUID | None):
        super().__init__(f"Message already sent (run {run_id})")
        self.run_id = run_id


def _reject_duplicate(user: AbstractBaseUser, client_message_id: uuid.UUID) -> None:
    """Under a lock of the user (so two concurrent sends of one id take turns): the id sent
    before raises DuplicateMessage."""
    type(user).objects.select_for_update().filter(pk=user.pk).first()
    sent = (
        Message.objects.filter(client_message_id=client_message_id)
        .values_list("pk", "conversation_id", "conversation__owner_id")
        .first()
    )
    if sent is None:
        return
    pk, conversation_id, owner_id = sent
    if owner_id != user.pk:
        raise DuplicateMessage(run_id=None)
    reply_run_id = (
        Message.objects.filter(
            conversation_id=conversation_id, role=Message.Role.ASSISTANT, pk__gt=pk
        )
        .order_by("pk")
        .values_list("run_id", flat=True)
        .first()
    )
    raise DuplicateMessage(run_id=reply_run_id)


def _in_progress(
    conversation_id: int, message_id: int, run_id: uuid.UUID, created_at: datetime
) -> RunInProgress:
    return RunInProgress(
        run_id=run_id,
        conversation_id=conversation_id,
        message_id=message_id,
        age_s=(timezone.now() - created_at).total_seconds(),
    )


def active_run(*, conversation_id: int) -> RunInProgress | None:
    """The run writing a reply into the conversation now, as far as the database knows: a
    reply still `streaming` (and younger than the longest run). The broker knows whether its
    worker is still alive (chat.runs.execution.end_if_dead)."""
    active = (
        active_replies(conversation_id=conversation_id)
        .exclude(run_id=None)
        .values_list("pk", "run_id", "created_at")
        .first()
    )
    return None if active is None else _in_progress(conversation_id, *active)


def _recent_messages(conversation_id: int, limit: int) -> list[Message]:
    """The conversation's last `limit` messages, oldest first, with only the fields the model's
    input is made of (chat.history): every turn reads up to CHAT_HISTORY_MAX_MESSAGES of them,
    and building a model instance per row was most of that read's cost. Rows with the
    messages' attributes of those names (what chat.history reads)."""
    recent = (
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("-created_at", "-id")
        .values_list("conversation_id", "role", "content", "status", "tool_calls", named=True)
    )
    return list(reversed(recent[:limit]))


def _settle_streaming_replies(conversation_id: int) -> RunInProgress | None:
    """The conversation's active run (as `active_run` finds it), in one read of its replies
    still `streaming`. Those older than the longest a run may take were cut off by a process
    that died mid-run: they are marked `interrupted` (one more statement, only then), rather
    than shown as being written forever."""
    started_after = timezone.now() - timedelta(seconds=settings.CHAT_RUN_TIMEOUT_S)
    streaming = Message.objects.filter(
        conversation_id=conversation_id, status=Message.Status.STREAMING
    ).values_list("pk", "role", "run_id", "created_at")
    abandoned = [pk for pk, _, _, created_at in streaming if created_at < started_after]
    if abandoned:
        Message.objects.filter(pk__in=abandoned, status=Message.Status.STREAMING).update(
            status=Message.Status.INTERRUPTED
        )
    for pk, role, run_id, created_at in streaming:
        if created_at >= started_after and role == Message.Role.ASSISTANT and run_id is not None:
            return _in_progress(conversation_id, pk, run_id, created_at)
    return None


def turn_start(
    *,
    run_id: uuid.UUID | None = None,
    user: AbstractBaseUser,
    conversation_id: int | None,
    text: str,
    model_name: str,
    history_limit: int,
    time_zone: str = "",
    locale: str = "",
    client_message_id: uuid.UUID | None = None,
) -> Turn:
    """Save the user's message (creating the conversation if needed) and reserve the reply.

    The reply row starts as `streaming`: if the process dies mid-run the row says so.
    RunInProgress (nothing stored) while another reply is being written in the conversation;
    DuplicateMessage (nothing stored) for a `client_message_id` the user sent before.
    `time_zone`: the zone the client sent; without one, the account's (read with a token's
    user, else one read).
    """
    # Its three live events (conversation, message, run) are published in one go.
    with published_together(), transaction.atomic():
        time_zone = time_zone_of(user, time_zone)
        if client_message_id is not None:
            _reject_duplicate(user, client_message_id)
        if conversation_id is None:
            conversation = Conversation(owner=user, title=title_from_message(text))
            _INSERT_CONVERSATION(conversation)
            # Stored without a post_save: say so (published after the commit).
            changed.send(Conversation, kind="created", user_id=user.pk, subject=conversation)
            history: list[Message] = []
            conversation_id = conversation.pk
        else:
            # Moved to the top of the list first: the update locks the row, so a concurrent
            # delete either finishes first (404 here) or waits for us, and a conversation
            # that is missing or not the user's is found out without a read of its own.
            touched = _TOUCH_OWN_CONVERSATION([timezone.now()], where=[conversation_id, user.pk])
            if not touched:
                raise ConversationNotFound(conversation_id)
            if (in_progress := _settle_streaming_replies(conversation_id)) is not None:
                raise in_progress
            history = _recent_messages(conversation_id, history_limit)
        run_id = run_id or uuid.uuid4()
        user_message = Message(
            conversation_id=conversation_id,
            role=Message.Role.USER,
            content=text,
            client_message_id=client_message_id,
        )
        assistant_message = Message(
            conversation_id=conversation_id,
            role=Message.Role.ASSISTANT,
            status=Message.Status.STREAMING,
            run_id=run_id,
            model_name=model_name,
        )
        _INSERT_MESSAGES(user_message, assistant_message)
        # Stored without a post_save: say what was stored (published after the commit).
        changed.send(Message, kind="user_message_stored", user_id=user.pk, subject=user_message)
        _announce_run(
            "run_started",
            user_id=user.pk,
            conversation_id=conversation_id,
            run_id=run_id,
            message_id=assistant_message.pk,
            status=assistant_message.status,
        )
    return Turn(
        user=user,
        conversation_id=conversation_id,
        user_message_id=user_message.pk,
        assistant_message_id=assistant_message.pk,
        run_id=run_id,
        model_name=model_name,
        input_items=[*history_input_items(history), {"role": "user", "content": text}],
        time_zone=time_zone,
        locale=locale,
    )


def _announce_run(
    kind: str,
    *,
    user_id: int,
    conversation_id: int,
    run_id: uuid.UUID,
    message_id: int,
    status: str,
) -> None:
    """`run_started` / `run_finished`: once per run, never per event of it."""
    run = {
        "conversation_id": conversation_id,
        "run_id": run_id,
        "message_id": message_id,
        "status": status,
    }
    changed.send(Message, kind=kind, user_id=user_id, subject=run)


def _counts_usage(turn: Turn, outcome: TurnOutcome) -> bool:
    """A provider's tokens always count; the offline model's estimates only against a budget
    (they cost nothing, and the benchmark path stays one statement shorter)."""
    if not (outcome.input_tokens or outcome.output_tokens):
        return False
    return turn.model_name != settings.OFFLINE_MODEL or bool(settings.CHAT_DAILY_TOKEN_BUDGET)


def turn_finish(*, turn: Turn, outcome: TurnOutcome) -> None:
    """Store the reply as it ended and move the conversation to the top of the list."""
    with transaction.atomic():
        # Only a reply still `streaming` is written: the first outcome saved is the one kept.
        saved = _FINISH_REPLY(
            [
                outcome.status,
                storable(outcome.content),
                storable(outcome.tool_calls),
                outcome.input_tokens,
                outcome.output_tokens,
                outcome.time_to_first_token_ms,
                outcome.duration_ms,
                outcome.error_code,
            ],
            where=[turn.assistant_message_id, Message.Status.STREAMING],
        )
        if saved and _counts_usage(turn, outcome):
            usage_add(
                user_id=turn.user.pk,
                input_tokens=outcome.input_tokens or 0,
                output_tokens=outcome.output_tokens or 0,
            )
        _TOUCH_CONVERSATION([timezone.now()], where=[turn.conversation_id])
        if saved:
            _announce_run(
                "run_finished",
                user_id=turn.user.pk,
                conversation_id=turn.conversation_id,
                run_id=turn.run_id,
                message_id=turn.assistant_message_id,
                status=outcome.status,
            )


def turn_tool_call_committed(*, message_id: int, call: dict[str, Any]) -> None:
    """Add a tool call to the reply while it is written, inside the transaction of the change
    the call made: whatever becomes of the reply's final save, the change is in its
    transcript (the final save writes every call again, in the run's order)."""
    reply = Message.objects.select_for_update().filter(pk=message_id).only("tool_calls").first()
    if reply is None:
        return
    calls = [known for known in reply.tool_calls if known.get("call_id") != call["call_id"]]
    Message.objects.filter(pk=message_id, status=Message.Status.STREAMING).update(
        tool_calls=storable([*calls, call])
    )


def turn_interrupt(*, message_id: int, save_failed: bool = False) -> None:
    """Close a reply whose run died: `interrupted`, keeping whatever it already had; `error`
    (`save_failed`) for a run that had told its listeners its save was given up."""
    ending = (
        {"status": Message.Status.ERROR, "error_code": SAVE_FAILED}
        if save_failed
        else {"status": Message.Status.INTERRUPTED}
    )
    with transaction.atomic():
        reply = (
            Message.objects.select_for_update()
            .filter(pk=message_id, status=Message.Status.STREAMING)
            .only("conversation_id", "run_id", "conversation__owner_id")
            .select_related("conversation")
            .first()
        )
        if reply is None:
            return
        Message.objects.filter(pk=message_id).update(**ending)
        _announce_run(
            "run_finished",
            user_id=reply.conversation.owner_id,
            conversation_id=reply.conversation_id,
            run_id=reply.run_id,
            message_id=reply.pk,
            status=ending["status"],
        )
