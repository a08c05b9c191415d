"""Run fixtures: the same behavioural tests against every run broker."""

import uuid

import pytest

from tests.conftest import bearer


@pytest.fixture(params=["memory", "redis"])
def broker(request, settings):
    """Each test runs once per backend; Redis keys get a prefix of their own."""
    settings.CHAT_RUN_BROKER = request.param
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
        settings.CHAT_RUN_REDIS_PREFIX = f"taskstream-test:{uuid.uuid4().hex}:"
    return request.param


@pytest.fixture
def paced(settings):
    """A reply slow enough to act on mid-way: ~20 ms a token."""
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 0
    settings.OFFLINE_MODEL_TOKEN_MS = 20


@pytest.fixture
def auth(user) -> dict:
    return {"Authorization": bearer(user)}
