"""Turn any exception from a run into a stable error code and a message safe to show.

Nothing from the exception text reaches the client: upstream messages can echo request
details, and an API key must never appear in an event, a log line or the transcript.
"""

import json
import logging
import re
import traceback
from dataclasses import dataclass

import openai
from agents.exceptions import MaxTurnsExceeded, ModelBehaviorError, ModelTimeoutError

logger = logging.getLogger("chat.runs")


@dataclass(frozen=True)
class RunFailure:
    code: str
    message: str
    provider_status: int | None = None
    expected: bool = True  # an upstream condition, not a bug in our code


class EmptyModelAnswer(Exception):
    """The model finished without a word or a tool call."""


MODEL_ERROR = RunFailure(
    "model_error", "The assistant ran into a problem. Please try again.", expected=False
)


def classify_failure(exc: BaseException) -> RunFailure:
    status = getattr(exc, "status_code", None)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return RunFailure(
            "model_auth",
            "The AI model rejected our credentials. Please tell the site's operator.",
            status,
        )
    if isinstance(exc, openai.RateLimitError):
        return RunFailure(
            "model_rate_limited",
            "The AI model is busy right now. Please try again in a moment.",
            status,
        )
    if isinstance(exc, openai.APITimeoutError | ModelTimeoutError | TimeoutError):
        return RunFailure(
            "model_timeout", "The AI model took too long to answer. Please try again.", status
        )
    server_failed = isinstance(exc, openai.APIStatusError) and status is not None and status >= 500
    if server_failed or isinstance(exc, openai.APIConnectionError):
        return RunFailure(
            "model_unavailable",
            "The AI model is unavailable right now. Please try again later.",
            status,
        )
    if isinstance(exc, EmptyModelAnswer | json.JSONDecodeError):
        # A body that is not the JSON the API promises.
        return RunFailure(
            "model_error", "The AI model sent an answer we could not read. Please try again."
        )
    if isinstance(exc, MaxTurnsExceeded):
        return RunFailure("max_turns", "That took too many steps. Please try a simpler request.")
    if isinstance(exc, openai.APIError | ModelBehaviorError):
        return RunFailure(MODEL_ERROR.code, MODEL_ERROR.message, status)
    return MODEL_ERROR


_KEY_SHAPED = re.compile(r"(sk-[A-Za-z0-9_*\-.]{4,}|Bearer\s+\S+)")
FRAGMENT_LENGTH = 6


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Text with API keys blanked out: configured keys, any part of them, and key-shaped words."""
    for secret in secrets:
        # Providers echo parts of a key ("...wxyz"); every fragment of it is blanked too.
        fragments = {
            secret[i : i + FRAGMENT_LENGTH] for i in range(len(secret) - FRAGMENT_LENGTH + 1)
        }
        for fragment in [secret, *sorted(fragments)]:
            if fragment:
                text = text.replace(fragment, "[redacted]")
    return _KEY_SHAPED.sub("[redacted]", text)


def log_failure(
    run_id: object, failure: RunFailure, exc: BaseException, secrets: tuple[str, ...]
) -> None:
    """Expected upstream failures: one line. Anything else: the traceback, keys scrubbed."""
    if failure.expected:
        logger.warning(
            "run %s failed: code=%s provider_status=%s error=%s",
            run_id,
            failure.code,
            failure.provider_status,
            exc.__class__.__name__,
        )
        return
    details = "".join(traceback.format_exception(exc))
    logger.error(
        "run %s failed unexpectedly: code=%s\n%s", run_id, failure.code, scrub(details, secrets)
    )
