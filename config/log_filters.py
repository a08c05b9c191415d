"""Logging filters named in settings.LOGGING or attached by config/asgi.py."""

import logging

SDK_MODEL_FAILURE_PREFIXES = ("Error getting response", "Error streaming response")


class DropSdkModelFailures(logging.Filter):
    """openai-agents logs a failed model call itself; the run then logs it once, as one line
    with its run id and error code (chat.llm.failures), so the SDK's record is a duplicate."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(SDK_MODEL_FAILURE_PREFIXES)


class HideQueryStrings(logging.Filter):
    """uvicorn's access line without the query string: `?search=` carries the user's own
    words, which stay out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:  # uvicorn's access line
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        return True


PROBE_PATHS = ("/healthz", "/readyz", "/metrics")  # served by ops.asgi


class DropSuccessfulProbes(logging.Filter):
    """Successful health probes and metric scrapes (every few seconds, from every balancer and
    Prometheus) stay out of uvicorn's access log; their failures stay in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:  # uvicorn's access line
            path, status = str(record.args[2]).split("?", 1)[0], record.args[4]
            return not (path in PROBE_PATHS and isinstance(status, int) and status < 400)
        return True
