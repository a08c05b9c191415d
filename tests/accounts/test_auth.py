"""Tokens, registration and `me`."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_obtain_and_refresh(anon_api, user):
    response = anon_api.post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    refreshed = anon_api.post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["access"]

    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert anon_api.get("/api/auth/me/").json() == {
        "id": user.id,
        "username": "alice",
        "email": "",
        "email_verified": False,
        "time_zone": "",
        "default_reminder_minutes": None,
        "remind_in_page": True,
        "remind_by_email": True,
    }


def test_bad_password_is_401_json(anon_api, user):
    response = anon_api.post(
        "/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json"
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "no_active_account"


def test_bad_refresh_token_is_401(anon_api):
    response = anon_api.post("/api/auth/token/refresh/", {"refresh": "garbage"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_register_creates_a_user_who_can_log_in(anon_api):
    response = anon_api.post(
        "/api/auth/register/", {"username": "newbie", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "newbie" and isinstance(body["id"], int)
    login = anon_api.post(
        "/api/auth/token/", {"username": "newbie", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"username": "bob", "password": "123"}, "password"),
        ({"username": "bob", "password": "password"}, "password"),
        ({"username": "", "password": PASSWORD}, "username"),
        ({"username": "bad name!", "password": PASSWORD}, "username"),
        ({"password": PASSWORD}, "username"),
        ({"username": "bob"}, "password"),
    ],
)
def test_register_validation(anon_api, payload, field):
    response = anon_api.post("/api/auth/register/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]


def test_register_duplicate_username(anon_api, user):
    response = anon_api.post(
        "/api/auth/register/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()["errors"]


def test_register_malformed_json_is_400(anon_api):
    response = anon_api.generic(
        "POST", "/api/auth/register/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_me_requires_credentials(anon_api):
    response = anon_api.get("/api/auth/me/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_unknown_api_path_is_json_404(anon_api):
    response = anon_api.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_auth_paths_work_without_the_trailing_slash(anon_api, user):
    response = anon_api.post(
        "/api/auth/token", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert anon_api.get("/api/auth/me").json()["username"] == "alice"
