"""Moderators read and flag; they cannot change or delete. Superusers can."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission

from chat.models import Conversation, Message
from todos.models import Task
from todos.services import task_create

from .conftest import CONVERSATIONS, change_url

pytestmark = pytest.mark.django_db


def test_moderator_reads_the_changelist_and_the_conversation_page(moderator_client, transcript):
    assert moderator_client.get(CONVERSATIONS).status_code == 200

    page = moderator_client.get(change_url(transcript))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html  # a read-only view, not a change form
    assert "/delete/" not in html
    assert 'name="title"' not in html


def test_moderator_cannot_change_a_conversation(moderator_client, transcript):
    response = moderator_client.post(change_url(transcript), {"title": "renamed"})

    assert response.status_code == 403
    transcript.refresh_from_db()
    assert transcript.title == "Groceries"


def test_moderator_cannot_delete(moderator_client, transcript):
    delete_url = f"{CONVERSATIONS}{transcript.pk}/delete/"
    assert moderator_client.get(delete_url).status_code == 403
    assert moderator_client.post(delete_url, {"post": "yes"}).status_code == 403

    bulk = moderator_client.post(
        CONVERSATIONS,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [transcript.pk], "post": "yes"},
    )

    # Not an action a moderator is offered: "No action selected", back to the list.
    assert bulk.status_code == 302
    assert Conversation.objects.filter(pk=transcript.pk).exists()


def test_moderator_cannot_change_messages_or_tasks(moderator_client, transcript, user):
    message = transcript.messages.first()
    task = task_create(owner=user, title="milk")

    message_url = f"/admin/chat/message/{message.pk}/change/"
    task_url = f"/admin/todos/task/{task.pk}/change/"
    assert moderator_client.get(message_url).status_code == 200
    assert moderator_client.get(task_url).status_code == 200
    assert moderator_client.post(message_url, {"content": "edited"}).status_code == 403
    assert moderator_client.post(task_url, {"title": "edited"}).status_code == 403
    assert moderator_client.post(f"/admin/todos/task/{task.pk}/delete/").status_code == 403
    assert Message.objects.get(pk=message.pk).content == message.content
    assert Task.objects.get(pk=task.pk).title == "milk"


def test_moderator_cannot_add(moderator_client):
    assert moderator_client.get(f"{CONVERSATIONS}add/").status_code == 403
    assert moderator_client.get("/admin/todos/task/add/").status_code == 403


def test_superuser_can_change_and_delete(superuser_client, transcript):
    page = superuser_client.get(change_url(transcript))
    assert 'name="_save"' in page.content.decode()

    response = superuser_client.post(change_url(transcript), {"title": "Renamed", "_save": "1"})

    assert response.status_code == 302
    transcript.refresh_from_db()
    assert transcript.title == "Renamed"
    assert transcript.flagged is False  # the flag fields are not part of the form

    response = superuser_client.post(f"{CONVERSATIONS}{transcript.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Conversation.objects.filter(pk=transcript.pk).exists()
    assert not Message.objects.filter(conversation_id=transcript.pk).exists()


def test_staff_without_permissions_see_nothing(client, make_user, transcript):
    client.force_login(make_user("intern", is_staff=True))

    assert client.get(CONVERSATIONS).status_code == 403
    assert client.get(change_url(transcript)).status_code == 403


def test_viewer_without_the_flag_permission_cannot_flag(client, make_user, transcript):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    client.force_login(viewer)

    page = client.get(change_url(transcript)).content.decode()
    changelist = client.get(CONVERSATIONS).content.decode()
    response = client.post(f"{CONVERSATIONS}{transcript.pk}/flag/", {"reason": "spam"})

    assert response.status_code == 403
    assert "/flag/" not in page
    assert "flag_selected" not in changelist
    assert "export_json" in changelist  # exporting is reading
    transcript.refresh_from_db()
    assert transcript.flagged is False
