"""`manage.py check` warnings for a model configuration that looks wrong. No network calls."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

from chat.llm.provider import AGENT_APIS, uses_offline_model

# Numeric settings and the smallest value that makes sense.
NUMERIC_MINIMUMS = {
    "AGENT_REQUEST_TIMEOUT_S": 0.1,
    "AGENT_MAX_RETRIES": 0,
    "AGENT_MAX_TURNS": 1,
    "AGENT_MAX_TOOL_CALLS": 1,
    "CHAT_MAX_MESSAGE_CHARS": 1,
    "CHAT_HISTORY_MAX_MESSAGES": 0,
    "CHAT_KEEPALIVE_S": 1,
    "CHAT_RUN_TIMEOUT_S": 1,
    "CHAT_RUN_EVENTS_TTL_S": 1,
    "CHAT_RUN_LEASE_S": 0.2,
    "DB_THREADS": 1,
}


def _base_url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "it must be an http(s) URL such as http://localhost:11434/v1"
    if parts.query or parts.fragment:
        return "it must not carry a query string or fragment"
    return None


@register()
def check_model_configuration(app_configs=None, **kwargs) -> list[Warning]:
    warnings: list[Warning] = []
    offline = uses_offline_model()
    if settings.OPENAI_BASE_URL and (problem := _base_url_problem(settings.OPENAI_BASE_URL)):
        warnings.append(Warning(f"OPENAI_BASE_URL looks malformed: {problem}.", id="chat.W001"))
    if not settings.AGENT_MODEL:
        warnings.append(
            Warning(
                "OPENAI_BASE_URL is set but AGENT_MODEL is not.",
                hint="Set AGENT_MODEL to the model your server serves (e.g. llama3.1).",
                id="chat.W002",
            )
        )
    if offline and settings.OPENAI_API_KEY:
        warnings.append(
            Warning(
                "OPENAI_API_KEY is set but AGENT_MODEL=offline, so the key is never used.",
                hint="Set AGENT_MODEL to a model name, or unset it to use the default.",
                id="chat.W003",
            )
        )
    if (
        not offline
        and settings.AGENT_MODEL
        and not (settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL)
    ):
        warnings.append(
            Warning(
                f"AGENT_MODEL={settings.AGENT_MODEL} needs OPENAI_API_KEY (or OPENAI_BASE_URL).",
                hint="Without them every chat turn fails with model_auth.",
                id="chat.W004",
            )
        )
    if settings.AGENT_API not in AGENT_APIS:
        warnings.append(
            Warning(
                f"AGENT_API={settings.AGENT_API!r} is not one of {', '.join(AGENT_APIS)}.",
                hint="The Responses API is used.",
                id="chat.W005",
            )
        )
    for name, minimum in NUMERIC_MINIMUMS.items():
        if getattr(settings, name) < minimum:
            warnings.append(
                Warning(
                    f"{name} must be at least {minimum}, not {getattr(settings, name)}.",
                    id="chat.W006",
                )
            )
    return warnings
