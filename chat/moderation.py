"""Moderation of conversations: who may flag a transcript, and flagging and unflagging it.

The admin's list actions and conversation page call these; so would any other entry point.
The conversation's `flagged_*` fields describe the flag in force; the admin log (the
conversation's History page) keeps every flag and unflag, with who and when.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from chat.models import Conversation
from config.text import clean_text

FLAG_PERMISSION = "chat.flag_conversation"
FLAG_REASON_MAX_LENGTH = 500


def can_flag(user: AbstractBaseUser) -> bool:
    """Moderators (the flag permission) and superusers; `has_perm` is False for inactive users."""
    return user.has_perm(FLAG_PERMISSION)


def clean_flag_reason(reason: object) -> str:
    """A stripped reason of 1 to 500 characters, or a ValidationError on `reason`."""
    return clean_text(
        reason,
        field="reason",
        max_length=FLAG_REASON_MAX_LENGTH,
        required="Say why this conversation is flagged.",
    )


def conversation_flag(
    *, conversation: Conversation, moderator: AbstractBaseUser, reason: str
) -> Conversation:
    """Flag (or re-flag with a new reason); records the moderator and the time."""
    _require_flag_permission(moderator)
    reason = clean_flag_reason(reason)
    conversation.flagged = True
    conversation.flag_reason = reason
    conversation.flagged_by = moderator
    conversation.flagged_at = timezone.now()
    with transaction.atomic():
        # Only these fields: moderation must not bump `updated_at`, which orders the owner's list.
        conversation.save(update_fields=["flagged", "flag_reason", "flagged_by", "flagged_at"])
        _log(moderator, conversation, f"Flagged: {reason}")
    return conversation


def conversation_unflag(*, conversation: Conversation, moderator: AbstractBaseUser) -> Conversation:
    """Lift the flag; a conversation that is not flagged is left as it is."""
    _require_flag_permission(moderator)
    if not conversation.flagged:
        return conversation
    previous_reason = conversation.flag_reason
    conversation.flagged = False
    conversation.flag_reason = ""
    conversation.flagged_by = None
    conversation.flagged_at = None
    with transaction.atomic():
        conversation.save(update_fields=["flagged", "flag_reason", "flagged_by", "flagged_at"])
        _log(moderator, conversation, f"Unflagged (was: {previous_reason})")
    return conversation


def _require_flag_permission(moderator: AbstractBaseUser) -> None:
    if not can_flag(moderator):
        raise PermissionDenied("Only moderators may flag or unflag conversations.")


def _log(moderator: AbstractBaseUser, conversation: Conversation, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=moderator.pk,
        queryset=[conversation],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )
