"""/healthz and /readyz, served in front of Django by a real uvicorn."""

import httpx
import pytest
from django.db import connection

from ops.health import _migrations_on_disk
from tests.workers import free_port


@pytest.fixture(autouse=True)
def migration_graph_loaded():
    """The first readiness check in a process reads the migration graph from disk, which on a
    loaded machine can take longer than the check's timeout: these tests are about the
    answers, so the graph is read before."""
    _migrations_on_disk()


def test_healthz_is_ok_without_credentials(live_server_url):
    response = httpx.get(f"{live_server_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["content-type"] == "application/json"


def test_readyz_lists_its_checks(live_server_url):
    response = httpx.get(f"{live_server_url}/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_pings_redis_when_configured(live_server_url, settings, redis_url):
    settings.REDIS_URL = redis_url
    body = httpx.get(f"{live_server_url}/readyz").json()
    assert body["checks"]["redis"] == "ok"


def test_readyz_is_503_naming_an_unreachable_redis(live_server_url, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = httpx.get(f"{live_server_url}/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"] == "failed: ConnectionError"
    assert body["checks"]["database"] == "ok"


@pytest.fixture
def one_migration_unrecorded(transactional_db):
    """The database as if `migrate` had not yet run todos' first migration."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'todos' AND name = '0001_initial'"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('todos', '0001_initial', CURRENT_TIMESTAMP)"
        )


def test_readyz_is_503_on_unapplied_migrations_without_naming_them(
    live_server_url, one_migration_unrecorded
):
    response = httpx.get(f"{live_server_url}/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"] == "failed: unapplied"
    assert "0001_initial" not in response.text
