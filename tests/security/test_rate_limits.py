"""CHAT_RATE_LIMIT and AUTH_RATE_LIMIT (config/ratelimit.py): counted in this process's memory,
atomically, or shared by every worker through Redis; over the limit, 429 `rate_limited` with
Retry-After, and a refused chat turn stores nothing."""

import ipaddress
import os
import subprocess
import sys
import threading
import uuid

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from chat.models import Conversation, Message
from config import ratelimit
from config.env import RateLimit, env_networks, env_rate_limit
from config.ratelimit import client_address, forget_local_attempts, hit
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD, bearer
from tests.waiting import PROCESS_DEADLINE_S

TWO_PER_MINUTE = RateLimit(count=2, period_s=60)

# The clock stands still: every attempt here is in one window, and Retry-After is 60 s (the
# first attempt leaves the sliding window a full period after it was made).
pytestmark = pytest.mark.usefixtures("rate_limit_clock")


@pytest.fixture(autouse=True)
def fresh_counters():
    """The local logs outlive a test; these tests count from zero (never Redis)."""
    assert not django_settings.REDIS_URL
    forget_local_attempts()
    yield
    forget_local_attempts()


# --- the setting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("20/min", RateLimit(20, 60)),
        ("5/sec", RateLimit(5, 1)),
        (" 100/hour ", RateLimit(100, 3600)),
        ("20/day", RateLimit(20, 86400)),
        ("0", None),
        ("", None),
        ("0/min", None),
    ],
)
def test_a_limit_is_count_per_period(monkeypatch, raw, expected):
    monkeypatch.setenv("CHAT_RATE_LIMIT", raw)
    assert env_rate_limit("CHAT_RATE_LIMIT", "20/min") == expected


def test_the_defaults(monkeypatch):
    monkeypatch.delenv("CHAT_RATE_LIMIT", raising=False)
    monkeypatch.delenv("AUTH_RATE_LIMIT", raising=False)
    monkeypatch.delenv("TRUSTED_PROXY_IPS", raising=False)
    assert env_rate_limit("CHAT_RATE_LIMIT", "20/min") == RateLimit(20, 60)
    assert env_rate_limit("AUTH_RATE_LIMIT", "10/min") == RateLimit(10, 60)
    assert env_networks("TRUSTED_PROXY_IPS") == ()


@pytest.mark.parametrize("name", ["CHAT_RATE_LIMIT", "AUTH_RATE_LIMIT"])
@pytest.mark.parametrize("raw", ["20", "20/week", "twenty/min", "-1/min", "20/min/x", "2.5/sec"])
def test_a_malformed_limit_stops_the_process_at_startup(name, raw):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, name: raw},
        capture_output=True,
        text=True,
        timeout=PROCESS_DEADLINE_S,
    )
    assert result.returncode != 0
    assert f"{name} must be <count>/<sec|min|hour|day>" in result.stderr


def test_malformed_trusted_proxies_stop_the_process_at_startup():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "TRUSTED_PROXY_IPS": "10.0.0.1,proxy.local"},
        capture_output=True,
        text=True,
        timeout=PROCESS_DEADLINE_S,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXY_IPS must be addresses or networks" in result.stderr


# --- counting --------------------------------------------------------------------------------


def test_hit_allows_count_attempts_per_window_then_says_how_long_to_wait():
    key = f"test:{uuid.uuid4()}"
    assert [hit(key, TWO_PER_MINUTE) for _ in range(2)] == [None, None]
    assert hit(key, TWO_PER_MINUTE) == 60, "the seconds until the first attempt leaves the window"
    assert hit(f"test:{uuid.uuid4()}", TWO_PER_MINUTE) is None, "each key counts alone"
    assert all(hit(key, None) is None for _ in range(50)), "no limit: never refused"


def test_a_new_window_starts_a_new_count(rate_limit_clock):
    limit = RateLimit(count=1, period_s=1)
    key = f"test:{uuid.uuid4()}"
    assert hit(key, limit) is None
    assert hit(key, limit) == 1
    rate_limit_clock.now += 1
    assert hit(key, limit) is None


def test_a_clock_that_went_back_keeps_the_window_exact():
    limit, key = RateLimit(count=2, period_s=60), f"test:{uuid.uuid4()}"
    assert hit(key, limit, now=1000) is None
    assert hit(key, limit, now=950) is None, "an earlier time is logged in its place"
    assert hit(key, limit, now=1020) is None, "950 left the window, 1000 did not"
    assert hit(key, limit, now=1021) == 39, "full again: 1000 leaves at 1060"


def test_the_local_logs_forget_keys_whose_window_emptied():
    logs = ratelimit._LocalLogs()
    limit = RateLimit(count=5, period_s=60)
    for number in range(3):
        assert logs.wait(f"old:{number}", limit, now=0) is None
    for attempt in range(logs.SWEEP_EVERY - 3):
        assert logs.wait("busy", RateLimit(count=10_000, period_s=60), now=100 + attempt) is None
    assert set(logs._logs) == {"busy"}, "the three old keys were swept"
    assert len(logs._logs["busy"][1]) == 60, "only the attempts of the last minute are kept"


def test_the_local_logs_keep_at_most_max_keys_the_least_recently_used_forgotten_first():
    logs, limit = ratelimit._LocalLogs(), RateLimit(count=1, period_s=60)
    logs.MAX_KEYS = 3
    for key in ("a", "b", "c"):
        assert logs.wait(key, limit, now=0) is None
    assert logs.wait("a", limit, now=1) == 59, "a used again (refused)"
    assert logs.wait("d", limit, now=2) is None
    assert list(logs._logs) == ["c", "a", "d"], "b, the least recently used, forgotten"
    assert logs.wait("b", limit, now=3) is None, "counted from zero"


def test_concurrent_attempts_are_counted_exactly():
    key, limit = f"test:{uuid.uuid4()}", RateLimit(count=25, period_s=60)
    allowed = []
    barrier = threading.Barrier(8)

    def attempt():
        barrier.wait()
        allowed.extend(hit(key, limit) is None for _ in range(10))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 25


WORKER = """
import sys, types, django
django.setup()
from config import ratelimit
from config.env import RateLimit
key, attempts, now = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ratelimit.time = types.SimpleNamespace(time=lambda: now)  # the test's frozen clock
print(sum(ratelimit.hit(key, RateLimit(count=25, period_s=3600)) is None for _ in range(attempts)))
"""


def test_workers_share_the_counts_through_redis(redis_url, rate_limit_clock):
    """Two processes, each its own Redis connection, as two uvicorn workers are."""
    key = f"test:{uuid.uuid4()}"
    environment = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, key, "20", str(rate_limit_clock.now)],
            cwd=django_settings.BASE_DIR,
            env=environment,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = [int(worker.communicate(timeout=PROCESS_DEADLINE_S)[0]) for worker in workers]
    assert sum(allowed) == 25, allowed
    assert all(worker.returncode == 0 for worker in workers)


# --- the chat endpoints ----------------------------------------------------------------------

CHAT_PATHS = ["/api/{user}/chat", "/api/{user}/chat/stream"]


@pytest.mark.django_db(transaction=True)
def test_chat_turns_past_the_limit_are_429_and_store_nothing(settings, user, other_user):
    settings.CHAT_RATE_LIMIT = TWO_PER_MINUTE
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    answers = [
        client.post(path.format(user=user.id), {"message": "add tea"}, format="json")
        for path in [*CHAT_PATHS, *CHAT_PATHS]
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 429, 429]
    body = assert_error(answers[2], 429, "rate_limited")
    assert answers[2]["Retry-After"] == "60"
    assert body["detail"] == "Too many messages. Try again in 60 s."
    assert Message.objects.filter(role="user").count() == 2
    assert Conversation.objects.count() == 2

    # Another user has a count of their own.
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=bearer(other_user))
    assert (
        other.post(f"/api/{other_user.id}/chat", {"message": "hi"}, format="json").status_code
        == 200
    )


@pytest.mark.django_db(transaction=True)
def test_refused_requests_that_are_not_turns_are_not_counted(settings, user, other_user):
    """401/403 never reach the count; only an authenticated user's own turns do."""
    settings.CHAT_RATE_LIMIT = RateLimit(count=1, period_s=60)
    client = APIClient()
    for _ in range(3):
        assert (
            client.post(f"/api/{user.id}/chat", {"message": "x"}, format="json").status_code == 401
        )
    client.credentials(HTTP_AUTHORIZATION=bearer(other_user))
    for _ in range(3):
        assert (
            client.post(f"/api/{user.id}/chat", {"message": "x"}, format="json").status_code == 403
        )
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    assert (
        client.post(f"/api/{user.id}/chat", {"message": "add tea"}, format="json").status_code
        == 200
    )


# --- the auth endpoints and pages ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, payload",
    [
        ("/api/auth/token/", {"username": "alice", "password": "wrong"}),
        ("/api/auth/token/refresh/", {"refresh": "not-a-token"}),
        ("/api/auth/register/", {"username": "", "password": "x"}),
    ],
)
def test_auth_api_attempts_past_the_limit_are_429(settings, user, path, payload):
    settings.AUTH_RATE_LIMIT = TWO_PER_MINUTE
    client = APIClient()
    codes = [client.post(path, payload, format="json").status_code for _ in range(3)]
    assert codes[:2] in ([401, 401], [400, 400])
    refused = client.post(path, payload, format="json")
    assert_error(refused, 429, "rate_limited")
    assert refused["Retry-After"] == "60"
    # A right password does not get past the limit either.
    good = client.post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert good.status_code == 429
    # Another address has its own count.
    elsewhere = client.post(
        "/api/auth/token/",
        {"username": "alice", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="192.0.2.9",
    )
    assert elsewhere.status_code == 200


@pytest.mark.django_db
def test_api_and_pages_share_one_count_per_address(settings, client, user):
    settings.AUTH_RATE_LIMIT = RateLimit(count=3, period_s=60)
    api = APIClient()
    wrong = {"username": "alice", "password": "x"}
    assert api.post("/api/auth/token/", wrong, format="json").status_code == 401
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": "x"}).status_code == 200
    )
    assert client.post("/accounts/signup/", {"username": "bob"}).status_code == 200
    refused = api.post("/api/auth/register/", {"username": "bob"}, format="json")
    assert refused.status_code == 429
    assert client.get("/accounts/login/").status_code == 200, "showing the page is no attempt"
    assert api.get("/api/auth/token/").status_code == 405


@pytest.mark.django_db
def test_the_sign_in_page_shows_the_limit_and_checks_no_password(settings, client, user):
    settings.AUTH_RATE_LIMIT = RateLimit(count=1, period_s=60)
    client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    page = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert page.status_code == 429
    assert page["Retry-After"] == "60"
    html = page.content.decode()
    assert "Too many attempts. Try again in" in html
    assert 'value="alice"' in html
    assert "_auth_user_id" not in client.session, "the right password did not sign in"


@pytest.mark.django_db
def test_the_sign_up_page_shows_the_limit_and_creates_no_account(settings, client):
    from django.contrib.auth import get_user_model

    settings.AUTH_RATE_LIMIT = RateLimit(count=1, period_s=60)
    form = {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", {**form, "password2": "typo"}).status_code == 200
    page = client.post("/accounts/signup/", form)
    assert page.status_code == 429
    assert "Too many attempts. Try again in" in page.content.decode()
    assert not get_user_model().objects.filter(username="newbie").exists()


# --- the client address ----------------------------------------------------------------------


def _request(rf, peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.post("/api/auth/token/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_IPS = ()
    assert client_address(_request(rf, "198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client(rf, settings):
    settings.TRUSTED_PROXY_IPS = (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.1"),
    )
    # The client claims to be 1.2.3.4; our proxies appended what they saw.
    request = _request(rf, "127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.2.3")
    assert client_address(request) == "203.0.113.5"
    assert client_address(_request(rf, "127.0.0.1", "203.0.113.5")) == "203.0.113.5"
    # No header, or only proxies in it: the nearest address we know.
    assert client_address(_request(rf, "127.0.0.1")) == "127.0.0.1"
    assert client_address(_request(rf, "127.0.0.1", "10.0.0.9")) == "10.0.0.9"
    # Garbage where our proxy's entry should be: never a key the client chose.
    assert client_address(_request(rf, "127.0.0.1", "1.2.3.4, not-an-ip")) == "127.0.0.1"
    # An untrusted peer's header is not believed.
    assert client_address(_request(rf, "198.51.100.7", "10.0.0.1")) == "198.51.100.7"


def test_an_ipv6_proxy_network(rf, settings):
    settings.TRUSTED_PROXY_IPS = (ipaddress.ip_network("fd00::/8"),)
    assert client_address(_request(rf, "fd00::1", "2001:db8::5, fd00::2")) == "2001:db8::5"


@pytest.mark.django_db
def test_a_client_cannot_escape_the_limit_by_sending_x_forwarded_for(settings, user):
    settings.AUTH_RATE_LIMIT = TWO_PER_MINUTE
    settings.TRUSTED_PROXY_IPS = ()
    client = APIClient()
    codes = [
        client.post(
            "/api/auth/token/",
            {"username": "alice", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        ).status_code
        for attempt in range(3)
    ]
    assert codes == [401, 401, 429]


def test_the_stream_over_the_limit_on_a_real_server(settings, live_server_url, user):
    """Through uvicorn and the middleware-free handler: 429 JSON, Retry-After, the headers."""
    import httpx

    settings.CHAT_RATE_LIMIT = RateLimit(count=1, period_s=60)
    url = f"{live_server_url}/api/{user.id}/chat/stream"
    with httpx.Client(headers={"Authorization": bearer(user)}, timeout=30) as client:
        assert client.post(url, json={"message": "add tea"}).status_code == 200
        refused = client.post(url, json={"message": "add cake"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert not Message.objects.filter(content="add cake").exists()
