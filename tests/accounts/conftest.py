"""Account fixtures: tokens as a client gets them, and a signed-in browser session."""

import secrets

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def sign_in(client: APIClient, username: str, password: str = PASSWORD) -> dict:
    """Tokens from POST /api/auth/token/, as a client gets them."""
    response = client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer_client(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def session_client(user) -> APIClient:
    """A browser: a signed-in session, CSRF enforced, with its CSRF token at hand."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    client.csrf_token = secrets.token_hex(16)
    client.cookies["csrftoken"] = client.csrf_token
    return client


def is_signed_in(client: APIClient) -> bool:
    return client.get("/api/auth/me/").status_code == 200


def refresh(refresh_token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": refresh_token}, format="json")


@pytest.fixture
def tokens(user) -> dict:
    return sign_in(APIClient(), user.username)


# The REST API tests' data fixtures, made through the product's own code paths.
from tests.api.conftest import make_conversation, make_task  # noqa: E402, F401
