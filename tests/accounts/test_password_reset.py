"""Forgotten passwords through the API: POST /api/auth/password/reset/ (always 202, the same
body, the same work; the lookup and the mail off the request path) and
POST /api/auth/password/reset/confirm/ (a one-time link that ends every session and token)."""

import logging
import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config.env import RateLimit
from config.log_filters import HideQueryStrings
from tests.accounts.conftest import (
    bearer_client,
    is_signed_in,
    link_in,
    refresh,
    sent_mail,
    session_client,
    sign_in,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
CONFIRM_PAGE = "/accounts/password/reset/confirm/"
NEW_PASSWORD = "a-brand-new-password-31"


def ask(email: str, client: APIClient | None = None):
    return (client or APIClient()).post(RESET, {"email": email}, format="json")


def reset_link(email: str = "alice@example.com") -> dict[str, str]:
    """Ask for a link and read `uid` and `token` from the one mail sent."""
    assert ask(email).status_code == 202
    (message,) = sent_mail()
    query = parse_qs(urlsplit(link_in(message, CONFIRM_PAGE)).query)
    return {"uid": query["uid"][0], "token": query["token"][0]}


def confirm(link: dict[str, str], new_password: str = NEW_PASSWORD):
    return APIClient().post(CONFIRM, {**link, "new_password": new_password}, format="json")


def test_the_whole_flow_sets_the_new_password(verified_user):
    assert ask("Alice@Example.com").status_code == 202  # any case finds the address
    (message,) = sent_mail()
    assert message.to == ["alice@example.com"]
    assert "Reset your Taskstream password" in message.subject
    assert message.alternatives[0].mimetype == "text/html"
    link = link_in(message, CONFIRM_PAGE)
    assert link.startswith("http://testserver/accounts/password/reset/confirm/?uid=")
    query = parse_qs(urlsplit(link).query)

    response = confirm({"uid": query["uid"][0], "token": query["token"][0]})
    assert response.status_code == 204, response.content
    sign_in(APIClient(), "alice", NEW_PASSWORD)
    verified_user.refresh_from_db()
    assert not verified_user.check_password(PASSWORD)


def test_a_used_link_is_refused(verified_user):
    link = reset_link()
    assert confirm(link).status_code == 204
    response = confirm(link, "yet-another-password-77")
    assert response.status_code == 400
    assert "token" in response.json()["errors"]
    sign_in(APIClient(), "alice", NEW_PASSWORD)


def test_a_link_after_a_later_password_change_is_refused(verified_user):
    link = reset_link()
    client = bearer_client(sign_in(APIClient(), "alice")["access"])
    changed = client.post(
        "/api/auth/password/",
        {"old_password": PASSWORD, "new_password": "changed-in-between-55"},
        format="json",
    )
    assert changed.status_code == 204
    assert confirm(link).status_code == 400
    sign_in(APIClient(), "alice", "changed-in-between-55")


def test_an_expired_link_is_refused(verified_user, settings, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    link = reset_link()
    # Django's documented seam for its token clock: an hour and a second later.
    later = datetime.now() + timedelta(seconds=3601)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = confirm(link)
    assert response.status_code == 400
    assert "token" in response.json()["errors"]


@pytest.mark.parametrize("uid", ["x", "!!", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODk", "w4A"])
def test_a_malformed_link_is_a_400_never_a_500(verified_user, uid):
    response = confirm({"uid": uid, "token": "abc-def"})
    assert response.status_code == 400
    assert "token" in response.json()["errors"]


def test_the_new_password_follows_the_sign_up_rules(verified_user):
    link = reset_link()
    response = confirm(link, "123")
    assert response.status_code == 400
    assert "new_password" in response.json()["errors"]
    assert confirm(link).status_code == 204  # the refused attempt did not spend the link


def test_every_other_session_and_token_ends(verified_user):
    tokens = sign_in(APIClient(), "alice")
    access_client = bearer_client(tokens["access"])
    browser = session_client(verified_user)
    assert is_signed_in(access_client) and is_signed_in(browser)

    assert confirm(reset_link()).status_code == 204
    assert not is_signed_in(access_client)
    assert not is_signed_in(browser)
    assert refresh(tokens["refresh"]).status_code == 401


@pytest.mark.parametrize(
    "email", ["nobody@example.com", "unverified@example.com", "inactive@example.com"]
)
def test_an_unknown_unverified_or_inactive_address_gets_no_mail(make_user, verified_user, email):
    make_user("bob", email="unverified@example.com")
    make_user("carol", email="inactive@example.com", is_active=False)
    known = ask("alice@example.com")
    sent_mail()
    mail.outbox.clear()
    other = ask(email)
    assert other.status_code == known.status_code == 202
    assert other.content == known.content
    assert other.headers.get("Content-Length") == known.headers.get("Content-Length")
    assert sent_mail() == []


class ThreadRecordingBackend(locmem.EmailBackend):
    """The test outbox, noting the thread each mail was sent on."""

    threads: list[str] = []

    def send_messages(self, messages):
        self.threads.append(threading.current_thread().name)
        return super().send_messages(messages)


def test_a_known_and_an_unknown_address_do_the_same_work_on_the_request(verified_user, settings):
    """No wall clock: what the request itself does is the same for both (no query at all),
    and the lookup and the mail run on a background thread (bench/password_reset_timing.py
    measures the response times)."""
    settings.EMAIL_BACKEND = f"{__name__}.ThreadRecordingBackend"
    ThreadRecordingBackend.threads.clear()
    queries = {}
    for email in ("alice@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as captured:
            assert ask(email).status_code == 202
        queries[email] = [query["sql"] for query in captured.captured_queries]
        sent_mail()
    assert queries["alice@example.com"] == queries["nobody@example.com"] == []
    (thread,) = ThreadRecordingBackend.threads
    assert thread.startswith("background") and thread != threading.current_thread().name


def test_at_most_three_mails_an_hour_per_address_silently(verified_user, settings):
    settings.EMAIL_RATE_LIMIT = RateLimit(count=3, period_s=3600)
    for _ in range(5):
        assert ask("ALICE@example.com").status_code == 202
    assert len(sent_mail()) == 3


def test_requests_are_limited_per_client_address(verified_user, settings):
    settings.AUTH_RATE_LIMIT = RateLimit(count=2, period_s=60)
    client = APIClient(REMOTE_ADDR="203.0.113.77")
    assert ask("a@example.com", client).status_code == 202
    assert ask("b@example.com", client).status_code == 202
    refused = ask("c@example.com", client)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "Retry-After" in refused.headers


def test_an_invalid_address_is_a_400(verified_user):
    response = ask("not an address")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_no_address_token_or_link_in_the_logs_at_info(verified_user, caplog, settings):
    caplog.set_level(logging.INFO)
    link = reset_link()
    assert confirm(link).status_code == 204
    ask("nobody@example.com")
    # A mail that cannot be sent (nothing listens on port 9): logged, and the answer is 202.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5
    assert ask("alice@example.com").status_code == 202
    sent_mail()
    failures = [r for r in caplog.records if r.getMessage().startswith("mail not sent")]
    assert failures and failures[0].levelno == logging.WARNING
    # The page the link opens: uvicorn's access line keeps its path, not its query string.
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            f"/accounts/password/reset/confirm/?uid={link['uid']}&token={link['token']}",
            "1.1",
            200,
        ),
        None,
    )
    HideQueryStrings().filter(access)
    caplog.records.append(access)
    secrets = ["alice@example.com", "nobody@example.com", link["token"]]
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            text = record.getMessage() + repr(vars(record))
            assert not [secret for secret in secrets if secret in text], text
