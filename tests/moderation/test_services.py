"""chat.moderation: flagging rules, who and when, and who may flag."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from chat.moderation import FLAG_REASON_MAX_LENGTH, conversation_flag, conversation_unflag

pytestmark = pytest.mark.django_db


def test_flag_records_reason_moderator_and_time(moderator, user, make_conversation):
    conversation = make_conversation(user)
    updated_at = conversation.updated_at

    conversation_flag(conversation=conversation, moderator=moderator, reason="  abusive  ")

    conversation.refresh_from_db()
    assert conversation.flagged is True
    assert conversation.flag_reason == "abusive"
    assert conversation.flagged_by == moderator
    assert conversation.flagged_at is not None
    assert conversation.updated_at == updated_at  # the owner's list order is untouched
    entry = LogEntry.objects.get(object_id=str(conversation.pk))
    assert entry.user == moderator
    assert entry.change_message == "Flagged: abusive"


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * (FLAG_REASON_MAX_LENGTH + 1)])
def test_flag_needs_a_reason_of_at_most_500_characters(moderator, user, make_conversation, reason):
    conversation = make_conversation(user)

    with pytest.raises(ValidationError) as error:
        conversation_flag(conversation=conversation, moderator=moderator, reason=reason)

    assert "reason" in error.value.message_dict
    conversation.refresh_from_db()
    assert conversation.flagged is False


def test_unflag_clears_the_flag_and_logs_who(moderator, user, make_conversation):
    conversation = make_conversation(user)
    conversation_flag(conversation=conversation, moderator=moderator, reason="spam")

    conversation_unflag(conversation=conversation, moderator=moderator)

    conversation.refresh_from_db()
    assert (conversation.flagged, conversation.flag_reason) == (False, "")
    assert conversation.flagged_by is None
    assert conversation.flagged_at is None
    messages = LogEntry.objects.filter(object_id=str(conversation.pk)).order_by("pk")
    assert [entry.change_message for entry in messages] == [
        "Flagged: spam",
        "Unflagged (was: spam)",
    ]


def test_superusers_may_flag(superuser, user, make_conversation):
    conversation = make_conversation(user)
    conversation_flag(conversation=conversation, moderator=superuser, reason="check")
    assert conversation.flagged_by == superuser


def test_users_without_the_flag_permission_may_not(make_user, user, make_conversation):
    conversation = make_conversation(user)
    staff = make_user("staff", is_staff=True)

    for someone in (user, staff):
        with pytest.raises(PermissionDenied):
            conversation_flag(conversation=conversation, moderator=someone, reason="mine")
        with pytest.raises(PermissionDenied):
            conversation_unflag(conversation=conversation, moderator=someone)
    conversation.refresh_from_db()
    assert conversation.flagged is False


def test_inactive_moderators_may_not_flag(moderator, user, make_conversation):
    moderator.is_active = False
    moderator.save()
    with pytest.raises(PermissionDenied):
        conversation_flag(conversation=make_conversation(user), moderator=moderator, reason="x")
