"""`manage.py check` warns about a model configuration that looks wrong, without the network."""

from io import StringIO

import pytest
from django.core.management import call_command

from chat.llm.checks import check_model_configuration
from chat.llm.provider import build_model_choice


@pytest.fixture
def configure(settings):
    def apply(**values):
        for name, value in values.items():
            setattr(settings, name, value)
        return {warning.id for warning in check_model_configuration()}

    return apply


def test_the_embedded_default_is_clean(configure):
    assert configure() == set()


def test_a_key_with_the_default_model_is_clean(configure):
    assert configure(OPENAI_API_KEY="sk-x", AGENT_MODEL="gpt-4.1-mini") == set()


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"OPENAI_BASE_URL": "localhost:11434", "AGENT_MODEL": "llama3.1"}, "chat.W001"),
        ({"OPENAI_BASE_URL": "ftp://models.local/v1", "AGENT_MODEL": "llama3.1"}, "chat.W001"),
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1", "AGENT_MODEL": ""}, "chat.W002"),
        ({"OPENAI_API_KEY": "sk-x", "AGENT_MODEL": "offline"}, "chat.W003"),
        ({"AGENT_MODEL": "gpt-4.1-mini"}, "chat.W004"),
        (
            {"OPENAI_API_KEY": "sk-x", "AGENT_MODEL": "gpt-4.1", "AGENT_API": "completions"},
            "chat.W005",
        ),
        ({"AGENT_REQUEST_TIMEOUT_S": 0}, "chat.W006"),
        ({"AGENT_MAX_RETRIES": -3}, "chat.W006"),
        ({"AGENT_MAX_TURNS": 0}, "chat.W006"),
        ({"AGENT_MAX_TOOL_CALLS": 0}, "chat.W006"),
        ({"CHAT_MAX_MESSAGE_CHARS": 0}, "chat.W006"),
        (
            {"OPENAI_API_KEY": "sk-x", "AGENT_MODEL": "gpt-4.1", "AGENT_REQUEST_TIMEOUT_S": -1},
            "chat.W006",
        ),
    ],
)
def test_suspicious_configurations_warn(configure, values, expected):
    assert expected in configure(**values)


def test_check_command_exits_zero_with_the_warning(settings):
    settings.OPENAI_API_KEY = "sk-x"
    settings.AGENT_MODEL = "offline"
    err = StringIO()
    call_command("check", stderr=err, stdout=StringIO())
    assert "chat.W003" in err.getvalue()


@pytest.mark.parametrize(
    "api, model_class",
    [("responses", "OpenAIResponsesModel"), ("chat_completions", "OpenAIChatCompletionsModel")],
)
def test_the_model_follows_the_settings(settings, api, model_class):
    settings.OPENAI_API_KEY = "sk-x"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.AGENT_MODEL = "llama3.1"
    settings.AGENT_API = api
    settings.AGENT_REQUEST_TIMEOUT_S = 12
    settings.AGENT_MAX_RETRIES = 4
    choice = build_model_choice()
    assert type(choice.model).__name__ == model_class
    assert choice.name == "llama3.1"
    client = choice.model._client
    assert str(client.base_url) == "http://127.0.0.1:9/v1/"
    assert client.timeout == 12 and client.max_retries == 4
    assert choice.model_settings.include_usage is (True if api == "chat_completions" else None)


def test_offline_by_default():
    choice = build_model_choice()
    assert type(choice.model).__name__ == "OfflineModel" and choice.name == "offline"


def test_trace_export_is_off_unless_configured(settings):
    from agents.tracing import get_trace_provider
    from agents.tracing.traces import NoOpTrace

    from chat.llm import agent

    settings.AGENT_TRACING = False  # rebuilds the agent
    agent.model_choice()
    assert isinstance(get_trace_provider().create_trace("turn"), NoOpTrace)
