import uuid

import pytest

from tests.conftest import bearer


@pytest.fixture
def auth(user) -> dict:
    return {"Authorization": bearer(user)}


@pytest.fixture(autouse=True)
def quick_keepalives(settings):
    """A listener notices it was closed at the next frame: keepalives come often here."""
    settings.CHAT_KEEPALIVE_S = 0.5


@pytest.fixture(params=["memory", "redis"])
def live_backend(request, settings):
    """Each test runs once per live log: in-process, and Redis under a prefix of its own."""
    from live.logs import live_log

    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
        settings.LIVE_REDIS_PREFIX = f"taskstream-test:{uuid.uuid4().hex}:live:"
        settings.CHAT_RUN_REDIS_PREFIX = f"taskstream-test:{uuid.uuid4().hex}:"
    live_log.cache_clear()
    yield request.param
    live_log.cache_clear()
