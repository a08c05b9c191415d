"""Real models over HTTP: the real SDK and openai client against a local OpenAI-compatible server.

Nothing here reaches the internet: `FakeOpenAI` is a real HTTP server on 127.0.0.1 speaking the
Responses and Chat Completions streaming formats.
"""

import logging

import pytest

from chat.models import Message
from tests.conftest import bearer
from tests.fakes import FakeOpenAI, closed_port_base_url
from tests.sse import stream_chat
from todos.models import Task

APIS = ["responses", "chat_completions"]


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def use_real_model(settings, fake_openai):
    """Point the agent at the fake server, through the same settings production uses."""

    def configure(api: str, **overrides) -> None:
        settings.OPENAI_API_KEY = fake_openai.api_key
        settings.OPENAI_BASE_URL = fake_openai.base_url
        settings.AGENT_MODEL = "gpt-test"
        settings.AGENT_API = api
        settings.AGENT_MAX_RETRIES = 0
        for name, value in overrides.items():
            setattr(settings, name, value)

    return configure


def key_fragments(key: str) -> list[str]:
    return [key[i : i + 8] for i in range(0, len(key) - 8)]


@pytest.mark.parametrize("api", APIS)
def test_add_buy_milk_end_to_end_over_http(api, live_server_url, user, fake_openai, use_real_model):
    use_real_model(api)

    result = stream_chat(
        live_server_url, user.id, {"message": "add buy milk"}, {"Authorization": bearer(user)}
    )

    assert result.types[0] == "start" and result.types[-1] == "done", result.events
    (call,) = result.of_type("tool_call")
    assert call["name"] == "add_task" and call["arguments"] == {"title": "buy milk"}
    (tool_result,) = result.of_type("tool_result")
    assert tool_result["output"]["task"]["title"] == "buy milk"
    assert len(result.of_type("text")) >= 3, "the provider's deltas are relayed one by one"
    assert result.text == 'Added "buy milk" to your list.'

    assert Task.objects.get(owner=user).title == "buy milk"
    reply = Message.objects.get(pk=result.events[-1]["message_id"])
    assert reply.status == "complete" and reply.content == result.text
    assert reply.model_name == "gpt-test"
    # Two model requests (tool call, then reply), each reporting 42 in / 17 out.
    assert (reply.input_tokens, reply.output_tokens) == (84, 34)
    assert reply.tool_calls[0]["arguments"] == {"title": "buy milk"}

    model_requests = fake_openai.requests_to(
        "/v1/chat/completions" if api == "chat_completions" else "/v1/responses"
    )
    assert len(model_requests) == 2
    assert all(
        request.authorization == f"Bearer {fake_openai.api_key}" for request in model_requests
    )
    assert all(request.body["model"] == "gpt-test" and request.stream for request in model_requests)
    if api == "chat_completions":
        assert all(
            request.body["stream_options"] == {"include_usage": True} for request in model_requests
        )


FAILURES = [
    ("auth", "model_auth"),
    ("rate_limit", "model_rate_limited"),
    ("server_error", "model_unavailable"),
    ("timeout", "model_timeout"),
    ("bad_request", "model_error"),
    ("malformed", "model_error"),
    ("garbage", "model_error"),
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("failure, code", FAILURES)
def test_each_upstream_failure_has_its_code(
    api, failure, code, live_server_url, user, fake_openai, use_real_model, caplog
):
    use_real_model(api, AGENT_REQUEST_TIMEOUT_S=0.5)
    fake_openai.failure = failure
    caplog.set_level(logging.INFO)

    result = stream_chat(
        live_server_url, user.id, {"message": "add buy milk"}, {"Authorization": bearer(user)}
    )

    assert result.types[0] == "start" and result.types[-1] == "error"
    error = result.events[-1]
    assert error["code"] == code
    reply = Message.objects.get(role="assistant")
    assert (reply.status, reply.error_code) == ("error", code)
    leaked = [fake_openai.api_key, *key_fragments(fake_openai.api_key)]
    transcript_text = str(result.events) + reply.content + str(reply.tool_calls)
    assert not any(fragment in transcript_text for fragment in leaked)
    assert not any(fragment in caplog.text for fragment in leaked)
    if code != "model_error":
        # An expected upstream failure is one line, not a traceback.
        (failure_line,) = [r for r in caplog.records if r.name == "chat.runs"]
        assert failure_line.exc_info is None and "\n" not in failure_line.getMessage()
        assert code in failure_line.getMessage()
        # (asyncio may report clients of earlier tests' event loops being collected: not ours.)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name != "asyncio"]
        assert errors == [], "one warning line, no SDK or request error lines"


@pytest.mark.parametrize("api", APIS)
def test_an_unreachable_server_is_model_unavailable(
    api, live_server_url, user, settings, use_real_model
):
    use_real_model(api, OPENAI_BASE_URL=closed_port_base_url())
    result = stream_chat(
        live_server_url, user.id, {"message": "hi"}, {"Authorization": bearer(user)}
    )
    assert result.events[-1]["code"] == "model_unavailable"
    assert Message.objects.get(role="assistant").status == "error"


def test_a_wrong_key_is_model_auth_and_never_echoed(
    live_server_url, user, fake_openai, use_real_model, caplog
):
    use_real_model("responses", OPENAI_API_KEY="sk-wrong-key-abcdefghijklmnop")
    result = stream_chat(
        live_server_url, user.id, {"message": "hi"}, {"Authorization": bearer(user)}
    )
    assert result.events[-1]["code"] == "model_auth"
    assert "abcdefgh" not in str(result.events) and "abcdefgh" not in caplog.text


def test_the_client_retries_as_configured(live_server_url, user, fake_openai, use_real_model):
    use_real_model("chat_completions", AGENT_MAX_RETRIES=1)
    fake_openai.failure = "server_error"
    result = stream_chat(
        live_server_url, user.id, {"message": "hi"}, {"Authorization": bearer(user)}
    )
    assert result.events[-1]["code"] == "model_unavailable"
    assert len(fake_openai.requests_to("/v1/chat/completions")) == 2
