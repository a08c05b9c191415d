"""Flag and unflag from the conversation page and as list actions."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from chat.models import Conversation

from .conftest import CONVERSATIONS, change_url

pytestmark = pytest.mark.django_db


def flag_url(conversation):
    return f"{CONVERSATIONS}{conversation.pk}/flag/"


def test_the_conversation_page_offers_the_flag_form(moderator_client, transcript):
    html = moderator_client.get(change_url(transcript)).content.decode()

    assert f'action="{flag_url(transcript)}"' in html
    assert 'name="reason"' in html
    assert "/unflag/" not in html  # not flagged yet


def test_moderator_flags_from_the_conversation_page(moderator_client, moderator, transcript):
    response = moderator_client.post(flag_url(transcript), {"reason": " Harassment "})

    assert response.status_code == 302
    assert response["Location"] == change_url(transcript)
    transcript.refresh_from_db()
    assert transcript.flagged is True
    assert transcript.flag_reason == "Harassment"
    assert transcript.flagged_by == moderator
    assert transcript.flagged_at is not None
    page = moderator_client.get(change_url(transcript)).content.decode()
    assert "Harassment" in page
    assert f"{CONVERSATIONS}{transcript.pk}/unflag/" in page


def test_flag_without_a_reason_is_rejected(moderator_client, transcript):
    response = moderator_client.post(flag_url(transcript), {"reason": "   "})

    assert response.status_code == 200  # the form again, with the error
    assert "Say why this conversation is flagged." in response.content.decode()
    transcript.refresh_from_db()
    assert transcript.flagged is False


def test_the_flag_page_asks_for_a_reason(moderator_client, transcript):
    response = moderator_client.get(flag_url(transcript))

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()


def test_moderator_unflags(moderator_client, transcript):
    moderator_client.post(flag_url(transcript), {"reason": "spam"})
    unflag_url = f"{CONVERSATIONS}{transcript.pk}/unflag/"

    assert moderator_client.get(unflag_url).status_code == 405
    response = moderator_client.post(unflag_url)

    assert response.status_code == 302
    transcript.refresh_from_db()
    assert (transcript.flagged, transcript.flag_reason, transcript.flagged_by) == (False, "", None)


def test_flag_of_an_unknown_conversation_is_404(moderator_client):
    assert moderator_client.post(f"{CONVERSATIONS}999999/flag/", {"reason": "x"}).status_code == 404


def test_flag_action_asks_for_a_reason_then_flags_the_selection(
    moderator_client, moderator, user, make_conversation
):
    chosen = [make_conversation(user, title=f"chat {n}") for n in range(3)]
    left_alone = make_conversation(user, title="other")
    selection = {"action": "flag_selected", ACTION_CHECKBOX_NAME: [c.pk for c in chosen]}

    page = moderator_client.post(CONVERSATIONS, {**selection, "index": "0"})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="reason"' in html and "chat 0" in html and "other" not in html
    assert Conversation.objects.filter(flagged=True).count() == 0

    rejected = moderator_client.post(CONVERSATIONS, {**selection, "apply": "yes", "reason": ""})

    assert rejected.status_code == 200
    assert Conversation.objects.filter(flagged=True).count() == 0

    done = moderator_client.post(CONVERSATIONS, {**selection, "apply": "yes", "reason": "bots"})

    assert done.status_code == 302
    flagged = Conversation.objects.filter(flagged=True)
    assert set(flagged) == set(chosen)
    assert {(c.flag_reason, c.flagged_by_id) for c in flagged} == {("bots", moderator.pk)}
    left_alone.refresh_from_db()
    assert left_alone.flagged is False


def test_unflag_action(moderator_client, moderator, user, make_conversation):
    conversations = [make_conversation(user, title=f"chat {n}") for n in range(2)]
    moderator_client.post(
        CONVERSATIONS,
        {
            "action": "flag_selected",
            ACTION_CHECKBOX_NAME: [c.pk for c in conversations],
            "apply": "yes",
            "reason": "spam",
        },
    )

    response = moderator_client.post(
        CONVERSATIONS,
        {"action": "unflag_selected", ACTION_CHECKBOX_NAME: [conversations[0].pk], "index": "0"},
    )

    assert response.status_code == 302
    assert list(Conversation.objects.filter(flagged=True)) == [conversations[1]]
