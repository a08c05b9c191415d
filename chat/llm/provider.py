"""Which model the agent talks to, chosen from settings in this one place.

- `AGENT_MODEL=offline` (the default with no `OPENAI_API_KEY`): the built-in rule-based model.
- otherwise OpenAI, or any OpenAI-compatible server at `OPENAI_BASE_URL`, through the
  Responses API (`AGENT_API=responses`) or Chat Completions (`AGENT_API=chat_completions`).
"""

from dataclasses import dataclass

from agents import Model, ModelSettings, OpenAIChatCompletionsModel, OpenAIResponsesModel
from django.conf import settings
from openai import AsyncOpenAI

from chat.llm.offline.model import OfflineModel

AGENT_APIS = ("responses", "chat_completions")


@dataclass(frozen=True)
class ModelChoice:
    model: Model
    model_settings: ModelSettings
    name: str  # what the transcript records as the assistant's model


def uses_offline_model() -> bool:
    return settings.AGENT_MODEL == settings.OFFLINE_MODEL


def openai_client() -> AsyncOpenAI:
    return AsyncOpenAI(
        # A compatible server (Ollama, vLLM...) may need no key; the client insists on one.
        api_key=settings.OPENAI_API_KEY or "not-needed",
        base_url=settings.OPENAI_BASE_URL or None,
        timeout=settings.AGENT_REQUEST_TIMEOUT_S,
        max_retries=settings.AGENT_MAX_RETRIES,
    )


def build_model_choice() -> ModelChoice:
    if uses_offline_model():
        model = OfflineModel(
            first_token_ms=settings.OFFLINE_MODEL_FIRST_TOKEN_MS,
            token_ms=settings.OFFLINE_MODEL_TOKEN_MS,
        )
        return ModelChoice(model=model, model_settings=ModelSettings(), name=settings.OFFLINE_MODEL)
    client = openai_client()
    if settings.AGENT_API == "chat_completions":
        # Compatible servers send token usage in a stream only when asked for it.
        return ModelChoice(
            model=OpenAIChatCompletionsModel(model=settings.AGENT_MODEL, openai_client=client),
            model_settings=ModelSettings(include_usage=True),
            name=settings.AGENT_MODEL,
        )
    return ModelChoice(
        model=OpenAIResponsesModel(model=settings.AGENT_MODEL, openai_client=client),
        model_settings=ModelSettings(),
        name=settings.AGENT_MODEL,
    )
