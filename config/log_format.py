"""LOG_FORMAT=json: every log line one JSON object, for log shippers."""

import json
import logging
from typing import Any

# What every LogRecord has; anything else on a record came from `extra=` and is kept
# (but uvicorn's `color_message`, the message again with terminal colours).
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", <extra fields>, "exception"?}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update(
            (name, value) for name, value in vars(record).items() if name not in _RECORD_ATTRIBUTES
        )
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            document["stack"] = self.formatStack(record.stack_info)
        return json.dumps(document, default=str, ensure_ascii=False)
