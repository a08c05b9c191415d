"""The chat path's Bearer user lookup (accounts/token_users.py): simplejwt's rules, one query."""

import pytest
from django.test import Client
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.tokens import AccessToken

from accounts.token_users import CheapUserJWTAuthentication
from chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def token_with(**claims) -> AccessToken:
    token = AccessToken()
    for name, value in claims.items():
        token[name] = value
    return token


def test_the_tokens_user_with_the_rest_loaded_on_use(user, query_log):
    authenticated = CheapUserJWTAuthentication().get_user(AccessToken.for_user(user))
    assert (authenticated.pk, authenticated.is_active) == (user.pk, True)
    assert len(query_log) == 1
    assert authenticated.username == user.username  # a deferred field, read when used


def test_a_numeric_string_id_is_an_id(user):
    assert CheapUserJWTAuthentication().get_user(token_with(user_id=str(user.pk))).pk == user.pk


ODD_USER_IDS = ["abc", "", "1.5", "\u0661", 1.5, True, None, -1, 0, 2**70, [1]]


@pytest.mark.parametrize("user_id", ODD_USER_IDS)
def test_an_odd_user_id_claim_is_an_invalid_token(user_id):
    with pytest.raises(InvalidToken):
        CheapUserJWTAuthentication().get_user(token_with(user_id=user_id))


def test_no_user_id_claim_is_an_invalid_token():
    token = AccessToken()
    with pytest.raises(InvalidToken):
        CheapUserJWTAuthentication().get_user(token)


def test_a_deleted_or_inactive_user_fails(make_user):
    gone, idle = make_user("gone"), make_user("idle")
    gone_token, idle_token = AccessToken.for_user(gone), AccessToken.for_user(idle)
    gone.delete()
    idle.is_active = False
    idle.save()
    with pytest.raises(AuthenticationFailed) as deleted:
        CheapUserJWTAuthentication().get_user(gone_token)
    with pytest.raises(AuthenticationFailed) as inactive:
        CheapUserJWTAuthentication().get_user(idle_token)
    assert "User not found" in str(deleted.value)
    assert "User is inactive" in str(inactive.value)


@pytest.mark.parametrize("user_id", ["abc", 2**70, 1.5])
def test_the_chat_endpoint_answers_an_odd_claim_with_401(user, user_id):
    response = Client().post(
        f"/api/{user.pk}/chat/stream",
        {"message": "hi"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_with(user_id=user_id)}",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert not Message.objects.exists()
