"""Everything the stream endpoint rejects before streaming: clear 4xx JSON, nothing stored."""

import json

import pytest
from django.test import Client

from chat.models import Conversation, Message
from tests.conftest import PASSWORD, bearer

pytestmark = pytest.mark.django_db(transaction=True)


def post(client: Client, user_id: int, body, content_type="application/json", **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"/api/{user_id}/chat/stream", data, content_type=content_type, **headers)


DEEPLY_NESTED = '{"message": "hi", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(
    "body, field",
    [
        ("{not json", "parse_error"),
        (DEEPLY_NESTED, "parse_error"),
        (b"\xff\xfe", "parse_error"),
        ("[1, 2]", None),
        ({}, "message"),
        ({"message": ""}, "message"),
        ({"message": "   \n\t "}, "message"),
        ({"message": 42}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": "add \ud800"}, "message"),
        ({"message": "add a\x00b"}, "message"),
        ({"message": "hi", "conversation_id": "12"}, "conversation_id"),
        ({"message": "hi", "conversation_id": 1.5}, "conversation_id"),
        ({"message": "hi", "conversation_id": True}, "conversation_id"),
        ({"message": "hi", "conversation_id": -3}, "conversation_id"),
        ({"message": "hi", "conversation_id": 10**30}, "conversation_id"),
        ({"message": "hi", "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"message": "hi", "timezone": "../../etc/passwd"}, "timezone"),
        ({"message": "hi", "timezone": 5}, "timezone"),
        ({"message": "hi", "locale": "en_US; DROP"}, "locale"),
        ({"message": "hi", "locale": 5}, "locale"),
    ],
)
def test_bad_input_is_a_400_naming_the_problem(client, user, body, field):
    response = post(client, user.id, body, HTTP_AUTHORIZATION=bearer(user))
    assert response.status_code == 400
    error = response.json()
    assert error["detail"]
    if field == "parse_error":
        assert error["code"] == "parse_error"
    else:
        assert error["code"] == "invalid"
        if field:
            assert field in error["errors"]
    assert not Message.objects.exists() and not Conversation.objects.exists()


def test_a_body_that_is_not_json_is_415(client, user):
    response = post(
        client,
        user.id,
        '{"message": "hi"}',
        content_type="text/plain",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Message.objects.exists()


def test_message_limit_is_a_setting(client, user, settings):
    settings.CHAT_MAX_MESSAGE_CHARS = 10
    response = post(client, user.id, {"message": "x" * 11}, HTTP_AUTHORIZATION=bearer(user))
    assert response.status_code == 400
    assert "10" in response.json()["errors"]["message"][0]


def test_someone_elses_conversation_is_404(client, user, other_user):
    theirs = Conversation.objects.create(owner=other_user, title="private")
    response = post(
        client,
        user.id,
        {"message": "hi", "conversation_id": theirs.id},
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not theirs.messages.exists()


def test_a_missing_conversation_is_404(client, user):
    response = post(
        client, user.id, {"message": "hi", "conversation_id": 999}, HTTP_AUTHORIZATION=bearer(user)
    )
    assert response.status_code == 404


def test_no_credentials_is_401(client, user):
    response = post(client, user.id, {"message": "hi"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_bad_token_is_401(client, user):
    response = post(client, user.id, {"message": "hi"}, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_another_users_path_is_403(client, user, other_user):
    response = post(client, other_user.id, {"message": "hi"}, HTTP_AUTHORIZATION=bearer(user))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Conversation.objects.exists()


def test_session_auth_needs_csrf(user):
    client = Client(enforce_csrf_checks=True)
    client.login(username=user.username, password=PASSWORD)
    response = post(client, user.id, {"message": "hi"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_get_is_405_json(client, user):
    response = client.get(f"/api/{user.id}/chat/stream", HTTP_AUTHORIZATION=bearer(user))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
