"""Refresh tokens rotate and can be revoked; every token path refuses a bad token with 401
JSON in the API's error shape, never a 500 (issue 17, review item 3 and "Tokens")."""

from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Preferences
from accounts.preferences import preferences_as_dict
from accounts.tokens import AccessToken, RefreshToken, token_user
from tests.accounts.conftest import (
    bearer_client,
    is_signed_in,
    refresh,
    session_client,
    sign_in,
)
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


# --- rotation and logout -----------------------------------------------------------------


def test_a_refresh_returns_a_new_refresh_token_and_the_old_one_is_refused(tokens):
    first = refresh(tokens["refresh"])
    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    assert first.json()["refresh"] != tokens["refresh"]
    assert is_signed_in(bearer_client(first.json()["access"]))

    assert_error(refresh(tokens["refresh"]), 401, "token_not_valid")
    # The new one works, once.
    second = refresh(first.json()["refresh"])
    assert second.status_code == 200
    assert_error(refresh(first.json()["refresh"]), 401, "token_not_valid")


def test_logout_ends_that_refresh_token_only(user):
    phone, laptop = sign_in(APIClient(), "alice"), sign_in(APIClient(), "alice")
    response = APIClient().post("/api/auth/logout/", {"refresh": phone["refresh"]}, format="json")
    assert response.status_code == 205
    assert response.content == b""
    assert_error(refresh(phone["refresh"]), 401, "token_not_valid")
    assert refresh(laptop["refresh"]).status_code == 200


def test_logout_all_ends_every_refresh_token_access_token_and_web_session(user, other_user):
    phone, laptop = sign_in(APIClient(), "alice"), sign_in(APIClient(), "alice")
    browser = session_client(user)
    theirs = sign_in(APIClient(), "mallory")
    assert is_signed_in(browser) and is_signed_in(bearer_client(laptop["access"]))

    response = bearer_client(phone["access"]).post(
        "/api/auth/logout/", {"all": True}, format="json"
    )

    assert response.status_code == 205
    for device in (phone, laptop):
        assert_error(refresh(device["refresh"]), 401, "token_not_valid")
        assert_error(bearer_client(device["access"]).get("/api/auth/me/"), 401, "token_not_valid")
    assert not is_signed_in(browser)
    # Another user's devices are untouched; alice can sign in again.
    assert is_signed_in(bearer_client(theirs["access"]))
    assert refresh(theirs["refresh"]).status_code == 200
    assert is_signed_in(bearer_client(sign_in(APIClient(), "alice")["access"]))


def test_logout_all_with_only_a_refresh_token_ends_its_owners_credentials(user):
    phone, laptop = sign_in(APIClient(), "alice"), sign_in(APIClient(), "alice")
    response = APIClient().post(
        "/api/auth/logout/", {"refresh": phone["refresh"], "all": True}, format="json"
    )
    assert response.status_code == 205
    assert_error(refresh(laptop["refresh"]), 401, "token_not_valid")


def test_logout_all_from_the_browser_session_needs_csrf_and_ends_the_session(user):
    browser = session_client(user)
    refused = browser.post("/api/auth/logout/", {"all": True}, format="json")
    assert_error(refused, 403, "csrf_failed")
    assert is_signed_in(browser)

    response = browser.post(
        "/api/auth/logout/", {"all": True}, format="json", HTTP_X_CSRFTOKEN=browser.csrf_token
    )
    assert response.status_code == 205
    assert not is_signed_in(browser)


@pytest.mark.parametrize(
    "payload, status, code, fields",
    [
        ({}, 400, "invalid", {"refresh"}),
        ({"all": False}, 400, "invalid", {"refresh"}),
        ({"all": "yes"}, 400, "invalid", {"all"}),
        ({"refresh": "garbage"}, 401, "token_not_valid", None),
        ({"all": True}, 401, "not_authenticated", None),
    ],
)
def test_logout_refuses_bad_input(anon_api, payload, status, code, fields):
    assert_error(anon_api.post("/api/auth/logout/", payload, format="json"), status, code, fields)


def test_logout_with_an_access_token_as_the_refresh_token_is_401(tokens):
    response = APIClient().post("/api/auth/logout/", {"refresh": tokens["access"]}, format="json")
    assert_error(response, 401, "token_not_valid")


# --- every token path refuses a bad token with 401 ---------------------------------------


def _signed(payload: dict) -> str:
    return token_backend.encode(payload)


def _claims(user, token_type: str = "access", **overrides) -> dict:
    now = int(timezone.now().timestamp())
    claims = {
        "token_type": token_type,
        "exp": now + 600,
        "iat": now,
        "jti": f"test-{token_type}-{now}-{sorted(overrides)}",
        "user_id": str(user.pk),
    }
    return {**claims, **overrides}


def _tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    return ".".join([head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])


def _alg_none(user) -> str:
    return jwt.encode(_claims(user), key=None, algorithm="none")


BAD_CLAIMS = {
    "expired": {"exp": 1_000_000_000, "iat": 999_999_000},
    "exp is a numeric string": {"exp": "99999999999"},
    "exp is far beyond year 9999": {"exp": 10**20},
    "exp is true": {"exp": True},
    "exp is a list": {"exp": [1]},
    "no exp": {"exp": None},
    "user_id is a word": {"user_id": "abc"},
    "user_id is true": {"user_id": True},
    "user_id is a list": {"user_id": [1]},
    "user_id is an object": {"user_id": {"id": 1}},
    "user_id is a float": {"user_id": 1.0},
    "user_id is huge": {"user_id": "9" * 40},
    "user_id is beyond 64 bits": {"user_id": "9" * 19},
    "user_id is negative": {"user_id": "-1"},
    "no user_id": {"user_id": None},
    "user that does not exist": {"user_id": "987654"},
    "generation is a string": {"generation": "0"},
    "a future generation": {"generation": 5},
    "no jti": {"jti": None},
    "jti is a list": {"jti": ["a"]},
    "jti is empty": {"jti": ""},
    "jti is longer than any stored id": {"jti": "j" * 300},
}


def _bad_token(user, case: str, token_type: str) -> str:
    claims = _claims(user, token_type, **BAD_CLAIMS[case])
    return _signed({name: value for name, value in claims.items() if value is not None})


@pytest.mark.parametrize("case", BAD_CLAIMS)
def test_an_access_token_with_odd_claims_is_401(user, case):
    client = bearer_client(_bad_token(user, case, "access"))
    assert_error(client.get("/api/auth/me/"), 401, "token_not_valid")
    assert_error(client.get(f"/api/{user.pk}/tasks/"), 401, "token_not_valid")


@pytest.mark.parametrize("case", BAD_CLAIMS)
def test_a_refresh_token_with_odd_claims_is_401_on_refresh_and_logout(user, case):
    token = _bad_token(user, case, "refresh")
    assert_error(refresh(token), 401, "token_not_valid")
    response = APIClient().post("/api/auth/logout/", {"refresh": token}, format="json")
    assert_error(response, 401, "token_not_valid")


def _forged(user) -> dict[str, str]:
    real = RefreshToken.for_user(user)
    return {
        "tampered signature": _tampered(str(real.access_token)),
        "alg none": _alg_none(user),
        "a refresh token used as access": str(real),
        "signed with another key": jwt.encode(_claims(user), "another-key-" * 4, algorithm="HS256"),
    }


@pytest.mark.parametrize(
    "case",
    ["tampered signature", "alg none", "a refresh token used as access", "signed with another key"],
)
def test_a_forged_or_misused_access_token_is_401(user, case):
    client = bearer_client(_forged(user)[case])
    assert_error(client.get("/api/auth/me/"), 401, "token_not_valid")


def test_an_access_token_used_to_refresh_is_401(user, tokens):
    assert_error(refresh(tokens["access"]), 401, "token_not_valid")
    assert_error(refresh(_tampered(tokens["refresh"])), 401, "token_not_valid")


def test_a_refresh_token_of_a_deleted_user_is_401(user, tokens):
    user.delete()
    assert_error(refresh(tokens["refresh"]), 401, "token_not_valid")
    assert_error(bearer_client(tokens["access"]).get("/api/auth/me/"), 401, "token_not_valid")


def test_tokens_of_a_deactivated_user_are_401(user, tokens):
    user.is_active = False
    user.save()
    assert_error(refresh(tokens["refresh"]), 401, "token_not_valid")
    assert_error(bearer_client(tokens["access"]).get("/api/auth/me/"), 401, "token_not_valid")


def test_a_token_from_before_a_later_generation_is_401_even_unexpired(user):
    access = AccessToken.for_user(user)  # generation 0, as simplejwt would issue it
    assert is_signed_in(bearer_client(str(access)))
    bearer_client(str(access)).post("/api/auth/logout/", {"all": True}, format="json")
    assert_error(bearer_client(str(access)).get("/api/auth/me/"), 401, "token_not_valid")


def test_the_access_token_lifetime_is_the_setting(tokens):
    """simplejwt dates a pair's access token from the pair's time (the refresh token's `iat`);
    the access token's own `iat` is taken a moment later, one second later when the moment
    crosses a second's boundary (proof run r1 under two CPU burners: 1799)."""
    access = token_backend.decode(tokens["access"])
    refresh = token_backend.decode(tokens["refresh"])
    assert access["exp"] - refresh["iat"] == settings.SIMPLE_JWT[
        "ACCESS_TOKEN_LIFETIME"
    ] // timedelta(seconds=1)


# The chat views authenticate on their own (accounts/authentication.py, no DRF, no middleware)
# and read the database on their own threads, which see only committed rows.
RUN = "5f0c9a9e-2b8e-4d61-9a63-0b7d2f8f1c42"
CHAT_ENDPOINTS = [
    ("post", "/api/{user}/chat"),
    ("post", "/api/{user}/chat/stream"),
    ("get", f"/api/{{user}}/chat/runs/{RUN}/events"),
    ("post", f"/api/{{user}}/chat/runs/{RUN}/cancel"),
]


def _call(client, method: str, path: str, user_id: int):
    return getattr(client, method)(path.format(user=user_id), {"message": "hi"}, format="json")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method, path", CHAT_ENDPOINTS)
@pytest.mark.parametrize(
    "case", ["exp is a numeric string", "user_id is a word", "user_id is true", "no jti"]
)
def test_the_chat_endpoints_refuse_odd_claims_with_401(user, method, path, case):
    client = bearer_client(_bad_token(user, case, "access"))
    assert_error(_call(client, method, path, user.pk), 401, "token_not_valid")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method, path", CHAT_ENDPOINTS)
def test_the_chat_endpoints_refuse_revoked_and_orphaned_tokens(make_user, method, path):
    revoked, deleted = make_user("revoked"), make_user("deleted")
    revoked_access = sign_in(APIClient(), "revoked")["access"]
    bearer_client(revoked_access).post("/api/auth/logout/", {"all": True}, format="json")
    deleted_access = sign_in(APIClient(), "deleted")["access"]
    deleted_id = deleted.pk
    deleted.delete()
    for user_id, access in [(revoked.pk, revoked_access), (deleted_id, deleted_access)]:
        response = _call(bearer_client(access), method, path, user_id)
        assert_error(response, 401, "token_not_valid")


def test_flushexpiredtokens_purges_expired_blacklist_rows_only(user, tokens):
    refresh(tokens["refresh"])  # the spent one is blacklisted; its successor is outstanding
    assert BlacklistedToken.objects.count() == 1 and OutstandingToken.objects.count() == 2
    spent = BlacklistedToken.objects.get().token
    OutstandingToken.objects.filter(pk=spent.pk).update(expires_at=timezone.now())

    call_command("flushexpiredtokens")

    assert not BlacklistedToken.objects.exists()
    assert OutstandingToken.objects.count() == 1


# --- the user a token names ----------------------------------------------------------------


def test_a_tokens_user_comes_with_its_preferences_whole_in_its_one_statement(
    user, other_user, django_assert_num_queries
):
    Preferences.objects.create(
        user=user, time_zone="Asia/Tokyo", default_reminder_minutes=30, remind_by_email=False
    )
    tokens = AccessToken.for_user(user), AccessToken.for_user(other_user)
    with django_assert_num_queries(1):
        named = token_user(tokens[0])
        preferences = preferences_as_dict(named)
    with django_assert_num_queries(1):
        without = preferences_as_dict(token_user(tokens[1]))
    assert preferences == {
        "time_zone": "Asia/Tokyo",
        "default_reminder_minutes": 30,
        "remind_in_page": True,
        "remind_by_email": False,
    }
    assert without == preferences_as_dict(other_user)  # no row: the defaults
    assert named.preferences.user_id == named.pk
