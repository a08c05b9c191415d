"""Moderation fixtures: a moderator (staff in the `moderators` group), a superuser, transcripts."""

import pytest
from django.contrib.auth.models import Group

from chat.models import Conversation, Message

CONVERSATIONS = "/admin/chat/conversation/"


def change_url(conversation: Conversation) -> str:
    return f"{CONVERSATIONS}{conversation.pk}/change/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # These tests log in with force_login: the real hasher's cost buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def moderator(make_user):
    user = make_user("mod", is_staff=True)
    user.groups.add(Group.objects.get(name="moderators"))
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
