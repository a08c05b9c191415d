"""Account fixtures: tokens as a client gets them, and a signed-in browser session."""

import re
import secrets

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import EmailVerification
from config.background import background_jobs_wait
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

# --- Mail: sent on background threads after commit (config.background) ------------------------

BACKGROUND_WAIT_S = 30


def sent_mail() -> list:
    """Django's test outbox (locmem backend) once every background job so far has ended."""
    assert background_jobs_wait(BACKGROUND_WAIT_S), "background jobs still running"
    return list(mail.outbox)


def link_in(message, path: str) -> str:
    """The link to `path` in a mail's text body (the HTML body has the same one)."""
    links = re.findall(rf"https?://\S+{re.escape(path)}\?\S+", message.body)
    assert len(set(links)) == 1, message.body
    html = message.alternatives[0].content
    assert links[0].replace("&", "&amp;") in html
    return links[0]


@pytest.fixture
def verified_user(make_user):
    """alice, with the verified address alice@example.com."""
    alice = make_user("alice", email="alice@example.com")
    EmailVerification.objects.create(user=alice, email=alice.email, verified_at=timezone.now())
    return alice
