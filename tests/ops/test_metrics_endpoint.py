"""/metrics: off by default, then guarded by METRICS_TOKEN and METRICS_ALLOWED_IPS."""

from ipaddress import ip_network

import httpx
import pytest

from tests.ops.prometheus import scrape, value


def test_metrics_are_404_unless_enabled(live_server_url):
    response = httpx.get(f"{live_server_url}/metrics")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    return settings


def test_metrics_speak_the_prometheus_text_format(live_server_url, metrics_on):
    response = httpx.get(f"{live_server_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE taskstream_runs_started_total counter" in response.text
    assert "# TYPE taskstream_run_duration_seconds histogram" in response.text


def test_http_responses_are_counted_by_status_class(live_server_url, metrics_on):
    def count(status_class: str) -> float:
        samples = scrape(live_server_url)
        return value(samples, "taskstream_http_responses_total", **{"class": status_class})

    before_4xx = count("4xx")
    # A middleware-free chat path and a DRF path, both unauthenticated.
    assert httpx.post(f"{live_server_url}/api/1/chat/stream", json={}).status_code == 401
    assert httpx.get(f"{live_server_url}/api/auth/me/").status_code == 401
    assert count("4xx") == before_4xx + 2
    assert count("2xx") >= 1  # the scrapes themselves


def test_a_token_is_required_when_set(live_server_url, metrics_on):
    metrics_on.METRICS_TOKEN = "scrape-me"
    missing = httpx.get(f"{live_server_url}/metrics")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["code"] == "not_authenticated"
    wrong = httpx.get(f"{live_server_url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = httpx.get(f"{live_server_url}/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert right.status_code == 200


def test_only_allowed_addresses_may_scrape(live_server_url, metrics_on):
    metrics_on.METRICS_ALLOWED_IPS = (ip_network("10.0.0.0/8"),)
    refused = httpx.get(f"{live_server_url}/metrics")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    metrics_on.METRICS_ALLOWED_IPS = (ip_network("10.0.0.0/8"), ip_network("127.0.0.1"))
    assert httpx.get(f"{live_server_url}/metrics").status_code == 200
