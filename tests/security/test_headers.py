"""Security headers on every page and API response through the middleware, and a
Content-Security-Policy on every HTML page (config/security.py)."""

import re

import pytest
from django.contrib.auth import get_user_model

from config.security import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

PROTECTIVE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _assert_protected(response) -> None:
    for name, value in PROTECTIVE_HEADERS.items():
        assert response[name] == value, (response.request["PATH_INFO"], name)


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_superuser("root", password="a-long-test-password-42")
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/admin/login/", "/no-such-page/"]
)
def test_signed_out_pages_have_the_policy(client, path):
    response = client.get(path)
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    _assert_protected(response)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/c/1/",
        "/admin/",
        "/admin/chat/conversation/",
        "/admin/todos/task/",
        "/admin/todos/task/add/",
    ],
)
def test_signed_in_pages_have_the_policy(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    _assert_protected(response)


def test_the_policy_forbids_inline_code_and_framing():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_the_pages_need_no_inline_script_or_style(staff_client):
    """What the policy would block: an inline <script>, a <style> block, a style attribute."""
    for path in ["/", "/admin/", "/admin/chat/conversation/", "/accounts/login/"]:
        html = staff_client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html and " style=" not in html, path


def test_api_docs_load_their_script_from_a_file(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    (script_url,) = re.findall(r'<script src="([^"]*script[^"]*)"', html)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    "method, path", [("get", "/api/auth/me/"), ("post", "/api/auth/token/"), ("get", "/api/x/")]
)
def test_api_responses_are_protected(client, method, path):
    response = getattr(client, method)(path)
    assert response["Content-Type"] == "application/json"
    _assert_protected(response)
    assert "Content-Security-Policy" not in response  # a policy is for documents
