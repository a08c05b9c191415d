"""A forgotten password in a real browser, with Django's file-based email backend: "Forgot
password?" on the sign-in page, the link read from the mail file, the new password typed
twice, signed in with it, and the other browser signed out. And an address added and
verified on the Account page. Both at phone width, each page audited by axe-core."""

import email
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import EmailVerification
from tests.browser.accessibility import assert_no_serious_violations
from tests.browser.chat_ui import ChatUI
from tests.browser.conftest import watch_console
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-brand-new-password-31"
MAIL_WAIT_S = 30
PHONE = {"width": 360, "height": 740}


def mailed_link(directory: Path, path: str) -> str:
    """The link to `path` in the plain-text part of the one mail the file backend wrote."""
    deadline = time.monotonic() + MAIL_WAIT_S
    while not (files := list(directory.glob("*.log"))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(files) == 1, f"mail files: {files}"
    message = email.message_from_bytes(files[0].read_bytes())
    (text,) = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    body = text.get_payload(decode=True).decode(text.get_content_charset())
    links = re.findall(rf"https?://\S+{re.escape(path)}\?\S+", body)
    assert len(links) == 1
    return links[0]


def test_forgot_password_through_the_pages(make_page, live_server_url, user, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    user.email = "alice@example.com"
    user.save()
    EmailVerification.objects.create(user=user, email=user.email, verified_at=timezone.now())
    elsewhere = ChatUI(make_page(), live_server_url).sign_in(user.username)

    page = make_page(viewport=PHONE)
    problems = watch_console(page)
    page.goto(f"{live_server_url}/accounts/login/")
    page.get_by_role("link", name="Forgot password?").click()
    assert_no_serious_violations(page)
    page.get_by_label("Email address").fill("Alice@Example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    assert_no_serious_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    link = mailed_link(tmp_path, "/accounts/password/reset/confirm/")
    assert link.startswith(live_server_url)
    page.wait_for_load_state()  # leaving earlier would abort the favicon's request
    page.goto(link)
    assert_no_serious_violations(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    page.wait_for_url(f"{live_server_url}/accounts/login/")
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    expect(page.get_by_role("status")).to_contain_text("signed out")

    page.wait_for_load_state()
    assert problems == []  # (leaving the chat page below may abort its fetches)

    ChatUI(page, live_server_url).sign_in(user.username, NEW_PASSWORD)
    elsewhere.page.reload()
    assert "/accounts/login/" in elsewhere.page.url

    page.goto(link)  # used: it no longer works
    expect(page.get_by_role("heading", name="This link doesn't work")).to_be_visible()
    assert_no_serious_violations(page)


def test_add_and_verify_an_address_on_the_account_page(
    make_page, live_server_url, user, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    page = make_page(viewport=PHONE)
    ChatUI(page, live_server_url).sign_in(user.username)
    page.goto(f"{live_server_url}/accounts/account/")  # leaving the chat page aborts its fetches
    page.wait_for_load_state()
    problems = watch_console(page)
    expect(page.get_by_text("No address yet")).to_be_visible()

    page.get_by_role("textbox", name="Email address").fill("alice@example.com")
    page.get_by_label("Password, to confirm the change").fill(PASSWORD)
    page.get_by_role("button", name="Save email address").click()
    expect(page.get_by_role("status")).to_contain_text("Your email address is saved")
    expect(page.get_by_text("Not verified")).to_be_visible()
    assert_no_serious_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    link = mailed_link(tmp_path, "/accounts/email/verify/")
    page.wait_for_load_state()  # leaving earlier would abort the favicon's request
    page.goto(link)
    page.wait_for_url(f"{live_server_url}/accounts/account/")
    expect(page.get_by_role("status")).to_contain_text("Your email address is verified")
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Send the verification link again")).to_have_count(0)
    assert_no_serious_violations(page)
    assert problems == []
