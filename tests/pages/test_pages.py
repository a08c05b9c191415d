"""The web pages through Django's test client: auth pages, the chat page's context."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OFFLINE_NOTE = "Demo assistant"
OFFLINE_DETAIL = "(built-in, no AI service)"
OFFLINE_HINT = "set OPENAI_API_KEY to use a real model"


def test_url_names():
    assert reverse("chat-page") == "/"
    assert reverse("chat-conversation", args=[12]) == "/c/12/"
    assert reverse("login") == "/accounts/login/"
    assert reverse("logout") == "/accounts/logout/"
    assert reverse("signup") == "/accounts/signup/"


@pytest.mark.parametrize("path", ["/", "/c/12/"])
def test_chat_page_requires_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_chat_page_renders_user_id_script_and_csrf_cookie(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-user-id="{user.id}"' in html
    assert 'data-conversation-id=""' in html
    # The limit is the script's to enforce, with a counter: a maxlength would cut text silently.
    assert 'data-max-length="4000"' in html and "maxlength" not in html
    assert re.search(r'type="module" src="/static/js/chat\.[0-9a-f]{12}\.js"', html)
    assert "csrftoken" in response.cookies, "the script reads the CSRF token from the cookie"
    # Defence in depth for the transcript: no inline script could run (config/security.py).
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline scripts on the page"
    assert 'aria-label="Messages"' in html
    assert 'for="composer-input"' in html


def test_conversation_url_puts_its_id_in_the_page(client, user):
    client.force_login(user)
    html = client.get("/c/12/").content.decode()
    assert 'data-conversation-id="12"' in html


def test_offline_note_speaks_to_users_and_the_key_hint_only_to_staff(client, make_user, settings):
    settings.AGENT_MODEL = settings.OFFLINE_MODEL
    client.force_login(make_user("member"))
    html = client.get("/").content.decode()
    assert OFFLINE_NOTE in html and OFFLINE_DETAIL in html
    assert "OPENAI_API_KEY" not in html

    staff = make_user("operator")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert OFFLINE_NOTE in html and OFFLINE_HINT in html


def test_no_offline_note_with_a_real_model(client, user, settings):
    client.force_login(user)
    settings.AGENT_MODEL = "gpt-4.1-mini"
    html = client.get("/").content.decode()
    assert OFFLINE_NOTE not in html


def test_username_is_escaped(client, make_user):
    user = make_user("<b>eve</b>")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "<b>eve</b>" not in html
    assert "&lt;b&gt;eve&lt;/b&gt;" in html


# --- sign in / sign out ---------------------------------------------------------------------


def test_login_page_renders_labelled_fields(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert 'href="/accounts/signup/"' in html


def test_demo_account_from_the_quick_start_signs_in(client):
    call_command("ensure_demo_users", stdout=io.StringIO())
    response = client.post(
        "/accounts/login/", {"username": "demo", "password": "demo-password-123"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_follows_next(client, user):
    response = client.post(
        "/accounts/login/?next=/c/3/",
        {"username": user.username, "password": PASSWORD, "next": "/c/3/"},
    )
    assert response["Location"] == "/c/3/"


def test_wrong_password_shows_an_error(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_signed_in_user_skips_the_login_page(client, user):
    client.force_login(user)
    assert client.get("/accounts/login/")["Location"] == "/"
    assert client.get("/accounts/signup/")["Location"] == "/"


def test_sign_out_url_asks_to_confirm_then_signs_out_and_says_so(client, user):
    client.force_login(user)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sign out?" in html and 'method="post" action="/accounts/logout/"' in html
    assert client.get("/").status_code == 200, "a GET signs nobody out"

    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302
    login = client.get("/accounts/login/").content.decode()
    assert "You&#x27;ve signed out." in login
    assert "You&#x27;ve signed out." not in client.get("/accounts/login/").content.decode()


def test_sign_out_url_when_already_signed_out(client):
    html = client.get("/accounts/logout/").content.decode()
    assert "You're signed out" in html and 'href="/accounts/login/"' in html


# --- error pages -----------------------------------------------------------------------------


def test_unknown_url_has_a_styled_not_found_page(client, user):
    client.force_login(user)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and re.search(r"/static/css/app\.[0-9a-f]{12}\.css", html)
    assert 'href="/"' in html and "Back to your chats" in html


def test_server_error_has_a_styled_page_without_details(client, settings):
    settings.ROOT_URLCONF = "tests.api.failing_urls"
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and re.search(r"/static/css/app\.[0-9a-f]{12}\.css", html)
    assert "boom" not in html


def test_favicon_ico_points_at_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert re.fullmatch(r"/static/img/favicon\.[0-9a-f]{12}\.svg", response["Location"])


def test_chat_page_has_a_sign_out_form(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in html and 'method="post"' in html


# --- sign up --------------------------------------------------------------------------------


def _signup(client, **fields):
    data = {"username": "newbie", "password1": "a-strong-pass-91", "password2": "a-strong-pass-91"}
    return client.post("/accounts/signup/", data | fields)


def test_signup_creates_the_account_signs_in_and_opens_the_chat(client):
    response = _signup(client)
    assert response.status_code == 302 and response["Location"] == "/"
    user = get_user_model().objects.get(username="newbie")
    assert user.check_password("a-strong-pass-91")
    assert client.get("/").status_code == 200


def test_signup_page_renders(client):
    html = client.get("/accounts/signup/").content.decode()
    assert 'for="id_password2"' in html and 'autocomplete="new-password"' in html


def test_signup_passwords_must_match(client):
    response = _signup(client, password2="something-else-77")
    assert response.status_code == 200
    assert "The two passwords don" in response.content.decode()
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_runs_the_password_validators(client):
    response = _signup(client, password1="12345678", password2="12345678")
    html = response.content.decode()
    assert response.status_code == 200
    assert "This password is too common" in html
    assert "This password is entirely numeric" in html
    assert 'aria-invalid="true"' in html


def test_signup_rejects_a_taken_username(client, user):
    response = _signup(client, username=user.username)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_signup_rejects_an_invalid_username(client):
    response = _signup(client, username="no spaces!")
    assert response.status_code == 200
    assert "Enter a valid username" in response.content.decode()
    assert not get_user_model().objects.exists()
