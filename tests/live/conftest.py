import pytest

from tests.conftest import bearer


@pytest.fixture
def auth(user) -> dict:
    return {"Authorization": bearer(user)}


@pytest.fixture(autouse=True)
def quick_keepalives(settings):
    """A listener notices it was closed at the next frame: keepalives come often here."""
    settings.CHAT_KEEPALIVE_S = 0.5


@pytest.fixture
def fresh_live_log():
    """Each test starts from an empty in-process live log."""
    from live.logs import live_log

    live_log.cache_clear()
    yield
    live_log.cache_clear()
