"""The run metrics a single process records, read back from its /metrics."""

import httpx
import pytest

from config.env import RateLimit
from config.ratelimit import forget_local_attempts
from tests.conftest import bearer
from tests.fakes import FakeOpenAI
from tests.ops.prometheus import scrape, scrape_after_runs, value
from tests.sse import stream_chat


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True


def test_a_model_failure_is_counted_by_its_code(live_server_url, user, settings, metrics_on):
    before = scrape(live_server_url)
    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY = "sk-wrong-key-for-metrics"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.AGENT_MODEL = "gpt-test"
        settings.AGENT_MAX_RETRIES = 0
        result = stream_chat(
            live_server_url, user.id, {"message": "hi"}, {"Authorization": bearer(user)}
        )
    assert result.events[-1]["code"] == "model_auth"
    after = scrape_after_runs(live_server_url, before, runs=1, status="error")

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("taskstream_model_errors_total", code="model_auth") == 1
    assert moved("taskstream_runs_finished_total", status="error") == 1
    assert moved("taskstream_runs_started_total") == 1
    assert moved("taskstream_time_to_first_token_seconds_count") == 0  # no text at all
    assert value(after, "taskstream_runs_active") == value(before, "taskstream_runs_active")


def test_a_rate_limited_turn_is_counted_by_its_scope(
    live_server_url, user, settings, metrics_on, rate_limit_clock
):
    forget_local_attempts()  # the local logs outlive a test
    settings.CHAT_RATE_LIMIT = RateLimit(count=1, period_s=3600)
    before = scrape(live_server_url)
    answers = [
        httpx.post(
            f"{live_server_url}/api/{user.id}/chat",
            json={"message": "hi"},
            headers={"Authorization": bearer(user)},
        ).status_code
        for _ in range(2)
    ]
    assert answers == [200, 429]
    after = scrape(live_server_url)
    assert value(after, "taskstream_rate_limited_total", scope="chat") == (
        value(before, "taskstream_rate_limited_total", scope="chat") + 1
    )
    forget_local_attempts()
