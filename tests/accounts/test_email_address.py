"""The account's email address: optional at sign-up, unique regardless of case, changed only
with the password (the old address told, the new one unverified), verified by a signed,
time-limited link, shown by GET /api/auth/me/, the admin, the export and the Account page."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.checks import run_checks
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from accounts.models import EmailVerification
from config.env import RateLimit
from tests.accounts.conftest import bearer_client, link_in, sent_mail, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()
VERIFY_PAGE = "/accounts/email/verify/"


def register(email: str, username: str = "bob"):
    return APIClient().post(
        "/api/auth/register/",
        {"username": username, "password": PASSWORD, "email": email},
        format="json",
    )


def me(client: APIClient) -> dict:
    response = client.get("/api/auth/me/")
    assert response.status_code == 200
    return response.json()


def change_email(client: APIClient, email: str, password: str = PASSWORD):
    return client.patch("/api/auth/me/", {"email": email, "password": password}, format="json")


def verify_token(message) -> str:
    return parse_qs(urlsplit(link_in(message, VERIFY_PAGE)).query)["token"][0]


@pytest.fixture
def alice_api(verified_user) -> APIClient:
    return bearer_client(sign_in(APIClient(), "alice")["access"])


# --- sign-up ---------------------------------------------------------------------------------


def test_sign_up_with_an_address_mails_its_verification_link():
    response = register("Bob@Example.COM")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["email_verified"]) == ("Bob@example.com", False)
    (message,) = sent_mail()
    assert message.to == ["Bob@example.com"]
    assert "Verify your email address" in message.subject

    page = APIClient().get(link_in(message, VERIFY_PAGE).removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "Your address is verified" in page.content.decode()
    client = bearer_client(sign_in(APIClient(), "bob")["access"])
    assert me(client)["email_verified"] is True


def test_sign_up_without_an_address_sends_nothing():
    response = APIClient().post(
        "/api/auth/register/", {"username": "bob", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["email"], response.json()["email_verified"]) == ("", False)
    assert sent_mail() == []


@pytest.mark.parametrize(
    "email", ["not-an-address", "a@b", f"{'x' * 250}@example.com", "two@at@example.com"]
)
def test_an_invalid_or_too_long_address_is_refused(email):
    response = register(email)
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert not User.objects.exists()


def test_addresses_are_unique_regardless_of_case(verified_user):
    response = register("ALICE@EXAMPLE.COM")
    assert response.status_code == 400
    assert response.json()["errors"]["email"] == [
        "An account with that email address already exists."
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="carol", email="Alice@Example.com")
    # No address is no address: any number of accounts may have none.
    User.objects.create_user(username="dave", email="")
    User.objects.create_user(username="erin", email="")


def test_the_sign_up_page_takes_an_optional_address(client):
    form = {"username": "bob", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", {**form, "email": "bob@example.com"})
    assert response.status_code == 302
    assert User.objects.get(username="bob").email == "bob@example.com"
    (message,) = sent_mail()
    assert message.to == ["bob@example.com"]

    other = client.__class__()
    response = other.post("/accounts/signup/", {**form, "username": "carol", "email": ""})
    assert response.status_code == 302
    refused = client.__class__().post(
        "/accounts/signup/", {**form, "username": "dave", "email": "BOB@example.com"}
    )
    assert refused.status_code == 200
    assert "An account with that email address already exists." in refused.content.decode()


# --- changing it -----------------------------------------------------------------------------


def test_a_change_needs_the_password_notifies_the_old_address_and_is_unverified(alice_api):
    assert me(alice_api)["email_verified"] is True
    refused = change_email(alice_api, "new@example.com", password="wrong")
    assert refused.status_code == 400 and "password" in refused.json()["errors"]
    missing = alice_api.patch("/api/auth/me/", {"email": "new@example.com"}, format="json")
    assert missing.status_code == 400 and "password" in missing.json()["errors"]
    assert me(alice_api)["email"] == "alice@example.com"

    response = change_email(alice_api, "new@example.com")
    assert response.status_code == 200, response.content
    assert (response.json()["email"], response.json()["email_verified"]) == (
        "new@example.com",
        False,
    )
    notice, verification = sorted(sent_mail(), key=lambda message: message.to[0])
    assert notice.to == ["alice@example.com"]
    assert "was changed" in notice.subject
    assert "new@example.com" not in notice.body
    assert verification.to == ["new@example.com"]

    assert (
        APIClient()
        .post("/api/auth/email/verify/", {"token": verify_token(verification)}, format="json")
        .status_code
        == 204
    )
    assert me(alice_api)["email_verified"] is True


def test_a_change_to_another_accounts_address_is_refused(alice_api, make_user):
    make_user("bob", email="bob@example.com")
    response = change_email(alice_api, "BOB@example.com")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_the_address_can_be_removed(alice_api):
    response = change_email(alice_api, "")
    assert response.status_code == 200
    assert (response.json()["email"], response.json()["email_verified"]) == ("", False)
    (notice,) = sent_mail()
    assert notice.to == ["alice@example.com"]


# --- verification links ----------------------------------------------------------------------


def test_a_link_for_a_previous_address_is_refused(make_user):
    register("bob@example.com")
    (first,) = sent_mail()
    bob = User.objects.get(username="bob")
    bob.email = "bob2@example.com"
    bob.save()
    response = APIClient().post(
        "/api/auth/email/verify/", {"token": verify_token(first)}, format="json"
    )
    assert response.status_code == 400 and "token" in response.json()["errors"]
    assert not EmailVerification.objects.exists()


def test_an_expired_link_is_refused(make_user, settings, monkeypatch):
    settings.EMAIL_VERIFY_TIMEOUT_S = 3 * 24 * 3600
    made_long_ago = int(time.time()) - settings.EMAIL_VERIFY_TIMEOUT_S - 1
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(made_long_ago)
    )
    register("bob@example.com")
    (message,) = sent_mail()
    monkeypatch.undo()
    page = APIClient().get(link_in(message, VERIFY_PAGE).removeprefix("http://testserver"))
    assert "This verification link is invalid or has expired" in page.content.decode()
    assert not EmailVerification.objects.exists()


@pytest.mark.parametrize("token", ["", "garbage", "eyJ1c2VyIjoxfQ:1abc:forged"])
def test_a_forged_link_is_refused(token):
    response = APIClient().post("/api/auth/email/verify/", {"token": token}, format="json")
    assert response.status_code == 400


def test_resend_mails_the_link_again_within_the_cap(make_user, settings):
    settings.EMAIL_RATE_LIMIT = RateLimit(count=3, period_s=3600)
    bob = make_user("bob", email="bob@example.com")
    client = bearer_client(sign_in(APIClient(), "bob")["access"])
    for _ in range(4):
        response = client.post("/api/auth/email/verify/resend/")
        assert response.status_code == 202
    assert len(sent_mail()) == 3

    bob.email = ""
    bob.save()
    refused = client.post("/api/auth/email/verify/resend/")
    assert refused.status_code == 400 and "email" in refused.json()["errors"]


def test_resend_is_limited_per_client_address(make_user, settings):
    make_user("bob", email="bob@example.com")
    client = bearer_client(sign_in(APIClient(), "bob")["access"])
    settings.AUTH_RATE_LIMIT = RateLimit(count=1, period_s=60)
    assert client.post("/api/auth/email/verify/resend/").status_code == 202
    assert client.post("/api/auth/email/verify/resend/").status_code == 429


def test_a_verified_address_needs_no_resend(alice_api):
    response = alice_api.post("/api/auth/email/verify/resend/")
    assert response.status_code == 400


# --- the export, deletion, the admin, the checks ---------------------------------------------


def test_the_export_has_the_address_and_deletion_removes_it(alice_api, verified_user):
    document = json.loads(b"".join(alice_api.get("/api/auth/me/export/").streaming_content))
    assert document["user"]["email"] == "alice@example.com"
    assert document["user"]["email_verified"] is True

    response = alice_api.delete("/api/auth/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    assert not EmailVerification.objects.exists()
    assert not User.objects.filter(email__iexact="alice@example.com").exists()


def test_the_admin_shows_and_filters_verified_addresses(verified_user, make_user, admin_client):
    make_user("bob", email="bob@example.com")
    make_user("carol")
    verified = admin_client.get("/admin/auth/user/?email_verified=yes")
    unverified = admin_client.get("/admin/auth/user/?email_verified=no")
    assert [u.username for u in verified.context["cl"].result_list] == ["alice"]
    assert sorted(u.username for u in unverified.context["cl"].result_list) == [
        "admin",
        "bob",
        "carol",
    ]
    assert "email verified" in admin_client.get("/admin/auth/user/").content.decode()


def test_the_admin_refuses_another_accounts_address(verified_user, make_user, admin_client):
    bob = make_user("bob")
    page = admin_client.get(f"/admin/auth/user/{bob.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "password"}
    data.update(email="ALICE@example.com", date_joined_0="2026-01-01", date_joined_1="00:00:00")
    response = admin_client.post(f"/admin/auth/user/{bob.pk}/change/", data)
    assert response.status_code == 200
    assert "An account with that email address already exists." in response.content.decode()


def test_the_console_backend_without_debug_is_a_warning(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert "accounts.W003" in [warning.id for warning in run_checks()]
    settings.DEBUG = True
    assert "accounts.W003" not in [warning.id for warning in run_checks()]
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert "accounts.W003" not in [warning.id for warning in run_checks()]
