"""The pages: "Forgot password?" on the sign-in page, the page a reset link opens (the new
password twice), the verification page, and the Account page's email section."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import EmailVerification
from tests.accounts.conftest import is_signed_in, link_in, sent_mail, session_client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-brand-new-password-31"
FORGOT = "/accounts/password/reset/"
CONFIRM_PAGE = "/accounts/password/reset/confirm/"


def mailed_reset_path(client: Client, email: str = "alice@example.com") -> str:
    response = client.post(FORGOT, {"email": email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    (message,) = sent_mail()
    link = urlsplit(link_in(message, CONFIRM_PAGE))
    return f"{link.path}?{link.query}"


def set_password(client: Client, path: str, first: str, second: str | None = None):
    form = client.get(path).context["form"]
    return client.post(
        CONFIRM_PAGE,
        {
            "uid": form["uid"].value(),
            "token": form["token"].value(),
            "password1": first,
            "password2": second or first,
        },
    )


def test_the_sign_in_page_links_to_forgot_password(client):
    page = client.get("/accounts/login/").content.decode()
    assert f'href="{FORGOT}">Forgot password?</a>' in page


def test_every_address_gets_the_same_next_page_and_only_a_verified_one_a_mail(
    client, verified_user, make_user
):
    make_user("bob", email="bob@example.com")  # unverified
    answers = [
        client.post(FORGOT, {"email": email}) for email in ("nobody@x.org", "bob@example.com")
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/password/reset/sent/")
    }
    assert sent_mail() == []
    assert "If an account has this address" in client.get(answers[0]["Location"]).content.decode()


def test_the_link_asks_twice_sets_the_password_and_signs_out_everywhere(client, verified_user):
    elsewhere = session_client(verified_user)
    path = mailed_reset_path(client)
    page = client.get(path)
    assert "Choose a new password" in page.content.decode()
    mismatch = set_password(client, path, NEW_PASSWORD, "something-else-entirely-9")
    assert mismatch.status_code == 400
    assert "The two passwords don" in mismatch.content.decode()
    too_short = set_password(client, path, "short")
    assert too_short.status_code == 400

    done = set_password(client, path, NEW_PASSWORD)
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    message = client.get("/accounts/login/").content.decode()
    assert "Your password is set" in message and "signed out" in message
    assert not is_signed_in(elsewhere)
    assert client.login(username="alice", password=NEW_PASSWORD)

    used = client.get(path).content.decode()
    assert "This password reset link is invalid, used or expired" in used


def test_a_signed_in_user_stays_signed_in_and_is_told_the_rest_are_signed_out(verified_user):
    elsewhere = session_client(verified_user)
    browser = Client()
    browser.force_login(verified_user)
    done = set_password(browser, mailed_reset_path(browser), NEW_PASSWORD)
    assert done.status_code == 302 and done["Location"] == "/accounts/account/"
    page = browser.get("/accounts/account/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your password is changed" in text and "signed out" in text
    assert not is_signed_in(elsewhere)


def test_a_forged_link_shows_why_and_offers_a_new_one(client, verified_user):
    page = client.get(f"{CONFIRM_PAGE}?uid=MQ&token=abc-123").content.decode()
    assert "This link doesn" in page and f'href="{FORGOT}"' in page
    assert "password1" not in page


def test_the_account_page_changes_the_address_and_resends_its_link(client, verified_user):
    client.force_login(verified_user)
    page = client.get("/accounts/account/").content.decode()
    assert "alice@example.com" in page and "Verified" in page

    wrong = client.post(
        "/accounts/account/email/", {"email-email": "new@example.com", "email-password": "x"}
    )
    assert wrong.status_code == 400 and "The password is not correct." in wrong.content.decode()
    saved = client.post(
        "/accounts/account/email/",
        {"email-email": "new@example.com", "email-password": PASSWORD},
    )
    assert saved.status_code == 302
    page = client.get("/accounts/account/").content.decode()
    assert "new@example.com" in page and "Not verified" in page
    assert sorted(message.to[0] for message in sent_mail()) == [
        "alice@example.com",
        "new@example.com",
    ]

    resent = client.post("/accounts/account/email/resend/")
    assert resent.status_code == 302
    assert (
        "A new verification link is on its way" in client.get("/accounts/account/").content.decode()
    )
    verification = sent_mail()[-1]
    assert verification.to == ["new@example.com"]
    link = urlsplit(link_in(verification, "/accounts/email/verify/"))
    opened = client.get(f"{link.path}?{link.query}")
    assert opened.status_code == 302 and opened["Location"] == "/accounts/account/"
    assert EmailVerification.objects.get(user=verified_user).email == "new@example.com"
    assert "Your email address is verified" in client.get("/accounts/account/").content.decode()
