"""Logging filters named in settings.LOGGING."""

import logging

SDK_MODEL_FAILURE_PREFIXES = ("Error getting response", "Error streaming response")


class DropSdkModelFailures(logging.Filter):
    """openai-agents logs a failed model call itself; the run then logs it once, as one line
    with its run id and error code (chat.llm.failures), so the SDK's record is a duplicate."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(SDK_MODEL_FAILURE_PREFIXES)
