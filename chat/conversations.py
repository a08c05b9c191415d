"""Conversation reads and writes for the REST API: list, get, rename, delete.

Every read is scoped to an owner, so another user's conversation does not exist. The chat
turn itself (creating conversations and messages) lives with the stream, not here.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from chat.models import TITLE_MAX_LENGTH, Conversation, Message
from config.text import clean_visible_text

PREVIEW_MAX_CHARS = 120


class ConversationNotFound(Exception):
    def __init__(self, conversation_id: object):
        super().__init__(f"Conversation {conversation_id} not found")
        self.conversation_id = conversation_id


class ConversationRunActive(Exception):
    """A reply is still streaming into the conversation; deleting it would cut the run off."""

    def __init__(self, conversation: Conversation):
        super().__init__(f"Conversation {conversation.pk} has a run in progress")
        self.conversation = conversation


def conversation_list(*, owner: AbstractBaseUser) -> QuerySet[Conversation]:
    """The owner's conversations, most recently updated first, each annotated with
    `message_count` and, from its last message with text, `last_message_role`,
    `last_message_preview` (the first PREVIEW_MAX_CHARS characters) and `last_message_at`
    (all None without one). A reply still streaming, or one that failed before any text,
    has no text yet: the preview then shows the message before it.

    Correlated subqueries, not joins: one query for a page of any size, and no GROUP BY
    over the conversation's columns.
    """
    messages = Message.objects.filter(conversation=OuterRef("pk"))
    last = messages.exclude(content="").order_by("-created_at", "-id")[:1]
    count = messages.order_by().values("conversation").annotate(n=Count("id")).values("n")
    return (
        Conversation.objects.filter(owner=owner)
        .annotate(
            message_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
            last_message_role=Subquery(last.values("role")),
            last_message_preview=Subquery(
                last.values(preview=Substr("content", 1, PREVIEW_MAX_CHARS))
            ),
            last_message_at=Subquery(last.values("created_at")),
        )
        .order_by("-updated_at", "-id")
    )


def conversation_get(*, owner: AbstractBaseUser, conversation_id: object) -> Conversation:
    """The owner's conversation with this id, or ConversationNotFound."""
    try:
        return Conversation.objects.get(owner=owner, pk=int(conversation_id))
    except (Conversation.DoesNotExist, TypeError, ValueError):
        raise ConversationNotFound(conversation_id) from None


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    """The transcript in the order it was written."""
    return conversation.messages.order_by("created_at", "id")


def active_replies(*, conversation_id: int) -> QuerySet[Message]:
    """Assistant replies still being written into the conversation (at most one, normally).

    A run never lasts longer than CHAT_RUN_TIMEOUT_S, so an older `streaming` reply was left
    by a process that died mid-run: it does not count.
    """
    started_after = timezone.now() - timedelta(seconds=settings.CHAT_RUN_TIMEOUT_S)
    return Message.objects.filter(
        conversation_id=conversation_id,
        role=Message.Role.ASSISTANT,
        status=Message.Status.STREAMING,
        created_at__gte=started_after,
    )


def conversation_has_active_run(*, conversation: Conversation) -> bool:
    """True while an assistant reply is still streaming into this conversation."""
    return active_replies(conversation_id=conversation.pk).exists()


def clean_conversation_title(title: object) -> str:
    """A stripped title of 1 to TITLE_MAX_LENGTH characters that shows as it reads (no
    direction controls, not only invisible characters), or a ValidationError on `title`."""
    return clean_visible_text(
        title,
        field="title",
        max_length=TITLE_MAX_LENGTH,
        required="A conversation title cannot be empty.",
    )


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    conversation.title = clean_conversation_title(title)
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    """Delete the conversation and its messages, unless a reply is streaming into it
    (ConversationRunActive).

    The row lock (PostgreSQL) or the write lock taken at BEGIN (SQLite, IMMEDIATE mode)
    makes the check and the delete one step: a run inserting its message waits for us,
    then finds the conversation gone.
    """
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        if locked is None:
            return
        if conversation_has_active_run(conversation=locked):
            raise ConversationRunActive(locked)
        locked.delete()
