"""Shared fixtures: users, authenticated clients, and a real uvicorn server for end-to-end tests."""

import inspect
import os

import httpx
import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.servers import LiveAsgiServer
from tests.waiting import DEADLINE_S

pytest_plugins = ["tests.workers"]


def _wait_as_long_as_a_loaded_machine_needs() -> None:
    """httpx's default timeout (5 s) is shorter than a loaded machine may take to answer, and
    the tests' requests to real servers mostly name none: raise it to DEADLINE_S for this test
    process. httpx.get/post/stream and Client() all default to one shared Timeout object."""
    default = inspect.signature(httpx.request).parameters["timeout"].default
    assert isinstance(default, httpx.Timeout), f"httpx's default timeout changed: {default!r}"
    default.connect = default.read = default.write = default.pool = DEADLINE_S


_wait_as_long_as_a_loaded_machine_needs()

# Hypothesis fails an example slower than 200 ms, and a search whose data is slow to generate:
# on a loaded machine both measure the machine. A test whose point is a time says so itself.
hypothesis_settings.register_profile(
    "taskstream", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("taskstream")

PASSWORD = "a-long-test-password-42"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness is half a second per user; tests do not measure it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(username: str = "alice", **fields):
        return get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory")


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@pytest.fixture
def api(user) -> APIClient:
    """An API client authenticated as `user` with a JWT."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def app():
    """The ASGI application itself, for turns called in-process (bench/inprocess.py)."""
    from config.asgi import application

    return application


@pytest.fixture
def live_server_url(transactional_db):
    """A real uvicorn serving config.asgi on 127.0.0.1, sharing the test database."""
    with LiveAsgiServer() as server:
        yield server.url


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test database, and before it is dropped, the database threads let go
    of their connections (they keep them open between calls: config/db_threads.py)."""
    from config.db_threads import close_connections

    yield
    close_connections()


class FrozenClock:
    """`time.time()` as config.ratelimit reads it: one moment, moved on only by a test."""

    # 30 s into a minute and into an hour (1_800_000_000 is a whole number of hours).
    MID_WINDOW = 1_800_000_030.0

    def __init__(self) -> None:
        self.now = self.MID_WINDOW

    def time(self) -> float:
        return self.now


@pytest.fixture
def rate_limit_clock(monkeypatch) -> FrozenClock:
    """Rate limits count the attempts of the last period (a sliding window). With this fixture
    the clock stands still (until `clock.now` moves), however slow the machine: attempts are
    all in one window, and Retry-After is known, a full period (60 s for a minute)."""
    from config import ratelimit

    clock = FrozenClock()
    monkeypatch.setattr(ratelimit, "time", clock)
    return clock


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the Redis-backed paths are tested against; fail loudly when it is down."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {url} (set TEST_REDIS_URL): {exc}", pytrace=False)
    return url


class QueryLog:
    """Every SQL statement run while active, on any thread's connection."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


@pytest.fixture
def query_log():
    """Count queries across threads: chat code runs its ORM calls on a database thread pool."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    from config.db_threads import close_connections

    close_connections()  # the database threads reconnect, so `attach` sees their connections
    log = QueryLog()

    def attach(sender, connection, **kwargs):
        if log not in connection.execute_wrappers:  # a reconnect reuses the wrapper object
            connection.execute_wrappers.append(log)

    connection_created.connect(attach)
    for existing in connections.all(initialized_only=True):
        existing.execute_wrappers.append(log)
    yield log
    connection_created.disconnect(attach)
    for existing in connections.all(initialized_only=True):
        if log in existing.execute_wrappers:
            existing.execute_wrappers.remove(log)
