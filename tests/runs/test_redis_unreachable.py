"""With the Redis run broker and no Redis to reach, a turn is refused with 503
`broker_unavailable` before anything is stored (the admission's round trip tells), on both chat
endpoints; a request that is not signed in is still a 401 (nothing about Redis leaks)."""

import pytest

from chat.models import Conversation, Message
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unreachable_redis(settings):
    settings.CHAT_RUN_BROKER = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.mark.parametrize("path", ["chat", "chat/stream"])
def test_a_turn_is_refused_and_nothing_is_stored(client, user, unreachable_redis, path):
    response = client.post(
        f"/api/{user.id}/{path}",
        {"message": "add buy milk"},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 503
    assert response.json()["code"] == "broker_unavailable"
    assert int(response["Retry-After"]) > 0
    assert not Message.objects.exists() and not Conversation.objects.exists()


def test_who_is_not_signed_in_is_told_so_first(client, user, unreachable_redis):
    response = client.post(
        f"/api/{user.id}/chat", {"message": "hello"}, content_type="application/json"
    )
    assert response.status_code == 401
