"""The chat endpoints are served without Django's middleware (config/asgi.py), yet they check
ALLOWED_HOSTS and send the same security headers as every other endpoint (config/handlers.py)."""

import httpx
import pytest

from chat.models import Message
from config.asgi import build_application
from tests.conftest import bearer
from tests.servers import LiveAsgiServer

CHAT_PATHS = ["/api/{user}/chat", "/api/{user}/chat/stream"]
PROTECTIVE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize("path", CHAT_PATHS)
def test_a_host_not_allowed_is_400_and_nothing_is_stored(live_server_url, user, path):
    response = httpx.post(
        live_server_url + path.format(user=user.id),
        json={"message": "add buy milk"},
        headers={"Authorization": bearer(user), "Host": "evil.example"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request.", "code": "bad_request"}
    for name, value in PROTECTIVE_HEADERS.items():
        assert response.headers[name] == value
    assert not Message.objects.exists()


def test_the_same_host_is_refused_by_the_rest_of_the_api(live_server_url, user):
    response = httpx.get(
        f"{live_server_url}/api/{user.id}/tasks/",
        headers={"Authorization": bearer(user), "Host": "evil.example"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("path", CHAT_PATHS)
def test_chat_answers_carry_the_headers_of_every_other_endpoint(live_server_url, user, path):
    url = live_server_url + path.format(user=user.id)
    with httpx.Client(headers={"Authorization": bearer(user)}, timeout=30) as client:
        ok = client.post(url, json={"message": "add buy milk"})
        refused = client.post(url, json={"message": ""})
        unauthenticated = httpx.post(url, json={"message": "hi"})
        tasks = client.get(f"{live_server_url}/api/{user.id}/tasks/")
    assert (ok.status_code, refused.status_code, unauthenticated.status_code) == (200, 400, 401)
    for response in (ok, refused, unauthenticated, tasks):
        for name, value in PROTECTIVE_HEADERS.items():
            assert response.headers[name] == value, (response.url, name)
    assert ok.headers["cross-origin-opener-policy"] == tasks.headers["cross-origin-opener-policy"]
    assert "strict-transport-security" not in ok.headers  # HSTS is off by default


def test_hsts_and_the_https_redirect_apply_to_the_chat_path(settings, transactional_db, user):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    with LiveAsgiServer(build_application()) as server:
        url = f"{server.url}/api/{user.id}/chat"
        plain = httpx.post(url, json={"message": "add buy milk"})
        secure = httpx.post(
            url,
            json={"message": "add buy milk"},
            headers={"Authorization": bearer(user), "X-Forwarded-Proto": "https"},
            timeout=30,
        )
    assert plain.status_code == 301
    assert (
        plain.headers["location"]
        == f"https://{server.url.removeprefix('http://')}/api/{user.id}/chat"
    )
    assert secure.status_code == 200
    assert secure.headers["strict-transport-security"] == "max-age=3600; includeSubDomains"
    assert Message.objects.filter(content="add buy milk").count() == 1  # only the HTTPS turn
