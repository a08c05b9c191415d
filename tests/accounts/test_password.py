"""POST /api/auth/password/ and the Account page's form: Django's validators, the old
password checked, every other session and token ended, the caller's page still signed in."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from config.env import RateLimit
from config.ratelimit import forget_local_attempts
from tests.accounts.conftest import bearer_client, is_signed_in, refresh, session_client, sign_in
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-password-77"


def _change(client, old=PASSWORD, new=NEW_PASSWORD, **extra):
    return client.post(
        "/api/auth/password/", {"old_password": old, "new_password": new}, format="json", **extra
    )


def _password_is(username: str, password: str) -> bool:
    return get_user_model().objects.get(username=username).check_password(password)


def test_a_wrong_old_password_is_400_on_old_password(user, tokens):
    response = _change(bearer_client(tokens["access"]), old="not-my-password")
    assert_error(response, 400, "invalid", {"old_password"})
    assert _password_is("alice", PASSWORD)


@pytest.mark.parametrize("new", ["short", "password123", "12345678901", "alice123"])
def test_djangos_validators_refuse_a_weak_new_password(user, tokens, new):
    response = _change(bearer_client(tokens["access"]), new=new)
    assert_error(response, 400, "invalid", {"new_password"})
    assert _password_is("alice", PASSWORD)


def test_missing_fields_are_400(user, tokens):
    response = bearer_client(tokens["access"]).post("/api/auth/password/", {}, format="json")
    assert_error(response, 400, "invalid", {"old_password", "new_password"})


def test_unauthenticated_is_401(anon_api, user):
    assert_error(_change(anon_api), 401, "not_authenticated")


def test_success_ends_every_token_and_other_session(user):
    phone, laptop = sign_in(APIClient(), "alice"), sign_in(APIClient(), "alice")
    browser = session_client(user)

    response = _change(bearer_client(phone["access"]))

    assert response.status_code == 204
    assert _password_is("alice", NEW_PASSWORD)
    for device in (phone, laptop):
        assert_error(refresh(device["refresh"]), 401, "token_not_valid")
        assert_error(bearer_client(device["access"]).get("/api/auth/me/"), 401, "token_not_valid")
    assert not is_signed_in(browser)
    assert is_signed_in(bearer_client(sign_in(APIClient(), "alice", NEW_PASSWORD)["access"]))


def test_from_the_browser_the_callers_session_stays_signed_in(user):
    browser, other_browser = session_client(user), session_client(user)
    app = sign_in(APIClient(), "alice")

    refused = _change(browser)
    assert_error(refused, 403, "csrf_failed")

    response = _change(browser, HTTP_X_CSRFTOKEN=browser.csrf_token)

    assert response.status_code == 204
    assert is_signed_in(browser)
    assert not is_signed_in(other_browser)
    assert_error(refresh(app["refresh"]), 401, "token_not_valid")


def test_the_account_page_changes_the_password_and_keeps_this_session(client, user):
    client.force_login(user)
    other = session_client(user)

    response = client.post(
        "/accounts/account/password/",
        {"old_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/account/"
    page = client.get("/accounts/account/")
    assert page.status_code == 200
    assert "Your password is changed" in page.content.decode()
    assert not is_signed_in(other)
    assert _password_is("alice", NEW_PASSWORD)


@pytest.mark.parametrize(
    "form, error",
    [
        (
            {"old_password": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            "Your old password is not correct.",
        ),
        (
            {"old_password": PASSWORD, "password1": "short", "password2": "short"},
            "This password is too short.",
        ),
        (
            {"old_password": PASSWORD, "password1": NEW_PASSWORD, "password2": "other"},
            "The two passwords don&#x27;t match.",
        ),
    ],
)
def test_the_account_page_shows_what_is_wrong(client, user, form, error):
    client.force_login(user)
    response = client.post("/accounts/account/password/", form)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert _password_is("alice", PASSWORD)


# --- every password check counts against AUTH_RATE_LIMIT, as signing in does --------------


@pytest.fixture
def one_attempt_a_minute(settings, rate_limit_clock):
    forget_local_attempts()  # the local logs outlive a test: count from zero
    settings.AUTH_RATE_LIMIT = RateLimit(count=1, period_s=60)
    yield
    forget_local_attempts()


def test_guessing_the_old_password_is_rate_limited(user, tokens, one_attempt_a_minute):
    client = bearer_client(tokens["access"])
    assert_error(_change(client, old="guess-1"), 400, "invalid", {"old_password"})
    refused = _change(client)  # even the right one, once past the limit
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0
    assert _password_is("alice", PASSWORD)


def test_guessing_the_password_to_delete_the_account_is_rate_limited(
    user, tokens, one_attempt_a_minute
):
    client = bearer_client(tokens["access"])
    first = client.delete("/api/auth/me/", {"password": "guess-1"}, format="json")
    assert_error(first, 400, "invalid", {"password"})
    refused = client.delete("/api/auth/me/", {"password": PASSWORD}, format="json")
    assert_error(refused, 429, "rate_limited")
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_the_account_page_forms_are_rate_limited_too(client, user, one_attempt_a_minute):
    client.force_login(user)
    client.post("/accounts/account/delete/", {"password": "guess", "confirm": "on"})
    refused = client.post("/accounts/account/password/", {"old_password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
