"""Moderation fixtures: a moderator (staff in the `moderators` group), a superuser, transcripts."""

from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission

from chat.models import Conversation, Message

_migration = import_module("chat.migrations.0002_moderators_group")
GROUP_NAME, PERMISSIONS = _migration.GROUP_NAME, _migration.PERMISSIONS

CONVERSATIONS = "/admin/chat/conversation/"


def change_url(conversation: Conversation) -> str:
    return f"{CONVERSATIONS}{conversation.pk}/change/"


def moderators_group() -> Group:
    """The group the data migration made; rebuilt the same way if a transactional test's
    flush emptied the table (flush re-creates permissions, not groups)."""
    group, created = Group.objects.get_or_create(name=GROUP_NAME)
    if created:
        for app_label, codename in PERMISSIONS:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group


@pytest.fixture
def moderator(make_user):
    user = make_user("mod", is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def make_conversation():
    """A conversation with messages given as (role, content) or (role, content, {fields})."""

    def make(owner, title="A chat", messages=(), **fields):
        conversation = Conversation.objects.create(owner=owner, title=title, **fields)
        for role, content, *extra in messages:
            Message.objects.create(
                conversation=conversation, role=role, content=content, **(extra[0] if extra else {})
            )
        return conversation

    return make


@pytest.fixture
def transcript(user, make_conversation):
    """A two-turn conversation whose reply called two tools, one with a text output."""
    return make_conversation(
        user,
        title="Groceries",
        messages=[
            ("user", "Add milk and <script>alert('x')</script> please"),
            (
                "assistant",
                "Added milk.",
                {
                    "model_name": "gpt-test",
                    "input_tokens": 120,
                    "output_tokens": 34,
                    "time_to_first_token_ms": 210,
                    "duration_ms": 1450,
                    "tool_calls": [
                        {
                            "call_id": "call_1",
                            "name": "task_create",
                            "arguments": {"title": "milk <b>now</b>"},
                            "output": {"id": 7, "title": "milk"},
                        },
                        {
                            "call_id": "call_2",
                            "name": "task_list",
                            "arguments": {},
                            "output": "no more tasks",
                        },
                    ],
                },
            ),
            ("user", "And eggs?"),
            (
                "assistant",
                "Sorry, something broke.",
                {"status": "error", "error_code": "model_timeout", "model_name": "gpt-test"},
            ),
        ],
    )
