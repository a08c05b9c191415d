"""The Account page: reached from the chat page's header, with its four actions."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.conftest import is_signed_in, refresh, session_client, sign_in
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_the_chat_pages_header_links_to_the_account_page(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'href="/accounts/account/"' in html


def test_the_account_page_needs_sign_in(client):
    response = client.get("/accounts/account/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/account/"


def test_the_account_page_offers_its_four_actions(client, user):
    client.force_login(user)
    response = client.get("/accounts/account/")
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ["Change password", "Sign out everywhere", "Download my data"]:
        assert heading in html
    assert 'href="/api/auth/me/export/" download' in html
    assert "Delete my account" in html
    # The confirmation names the consequence.
    assert "all my conversations and all my tasks will be deleted for good" in html
    assert "script-src 'self';" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/account/password/",
        "/accounts/account/sign-out-everywhere/",
        "/accounts/account/delete/",
    ],
)
def test_the_actions_take_post_only(client, user, path):
    client.force_login(user)
    assert client.get(path).status_code == 405


def test_sign_out_everywhere_ends_this_and_every_other_session_and_token(client, user):
    client.force_login(user)
    other_browser = session_client(user)
    app = sign_in(APIClient(), "alice")

    response = client.post("/accounts/account/sign-out-everywhere/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/accounts/account/").status_code == 302
    assert not is_signed_in(other_browser)
    assert_error(refresh(app["refresh"]), 401, "token_not_valid")


def test_the_page_forms_need_the_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post("/accounts/account/sign-out-everywhere/").status_code == 403
    assert browser.get("/accounts/account/").status_code == 200
