"""Logs: one structured INFO line per run (chat/runs/run_log.py), no message or task text at
INFO, and LOG_FORMAT=json turning every line into JSON (config/log_format.py)."""

import json
import logging
import os
import subprocess
import sys

import pytest
from agents.testing import ModelStep
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from chat.models import Message
from config.log_filters import HideQueryStrings
from config.log_format import JsonFormatter
from tests.conftest import bearer
from tests.waiting import PROCESS_DEADLINE_S

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_WORD = "zebrafinch"


def _chat(user, message: str, conversation_id: int | None = None) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": message, "conversation_id": conversation_id},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def _run_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "chat.runs.run_log"]


def test_one_line_per_run_with_its_figures(caplog, user):
    caplog.set_level(logging.INFO)
    first = _chat(user, f"add buy {SECRET_WORD} milk")
    _chat(user, "what's left?", first["conversation_id"])

    lines = _run_lines(caplog)
    assert len(lines) == 2
    record = lines[0]
    reply = Message.objects.get(pk=first["message_id"])
    assert record.levelno == logging.INFO
    assert record.run_id == str(reply.run_id)
    assert record.user_id == user.id
    assert record.conversation_id == first["conversation_id"]
    assert record.model == "offline"
    assert record.status == "complete" and record.error_code is None
    assert record.duration_ms == reply.duration_ms and record.duration_ms >= 0
    assert record.time_to_first_token_ms == reply.time_to_first_token_ms
    assert (record.input_tokens, record.output_tokens) == (reply.input_tokens, reply.output_tokens)
    assert record.input_tokens > 0 and record.output_tokens > 0
    assert record.tool_calls == {"add_task": 1}
    assert lines[1].tool_calls == {"list_tasks": 1}

    text = record.getMessage()
    assert text.startswith(f"run finished run_id={reply.run_id} user_id={user.id} ")
    assert "model=offline status=complete" in text and "tool_calls=add_task:1" in text


def test_no_message_or_task_text_at_info(caplog, user):
    caplog.set_level(logging.INFO)
    conversation = _chat(user, f"add {SECRET_WORD} tickets")["conversation_id"]
    _chat(user, f"complete {SECRET_WORD} tickets", conversation)
    _chat(user, "delete it", conversation)
    APIClient().post(f"/api/{user.id}/chat", {"message": SECRET_WORD}, format="json")  # a 401
    assert _run_lines(caplog)
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            everything = record.getMessage() + json.dumps(vars(record), default=str)
            assert SECRET_WORD not in everything, record.getMessage()


def test_a_failed_run_logs_its_status_and_error_code(caplog, user, scripted_model):
    caplog.set_level(logging.INFO)
    scripted_model(ModelStep.raise_error(RuntimeError(f"boom {SECRET_WORD}")))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    response = client.post(f"/api/{user.id}/chat", {"message": "hello"}, format="json")
    assert response.status_code == 502
    (record,) = _run_lines(caplog)
    assert (record.status, record.error_code, record.model) == ("error", "model_error", "scripted")
    assert record.tool_calls == {}


def test_the_json_formatter_keeps_extra_fields_and_exceptions():
    logger = logging.getLogger("tests.json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logger.makeRecord(
            "tests.json",
            logging.ERROR,
            __file__,
            1,
            "run %s failed",
            ("abc",),
            sys.exc_info(),
            extra={"run_id": "abc", "tool_calls": {"add_task": 2}},
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    document = json.loads(line)
    assert document["level"] == "ERROR" and document["logger"] == "tests.json"
    assert document["message"] == "run abc failed"
    assert document["run_id"] == "abc" and document["tool_calls"] == {"add_task": 2}
    assert "RuntimeError: boom" in document["exception"]
    assert "args" not in document and "msg" not in document


LOGGING_SCRIPT = """
import logging, django
django.setup()
run = {"run_id": "r1", "status": "complete"}
logging.getLogger("chat.runs.run_log").info("run finished", extra=run)
logging.getLogger("django.request").warning("Not Found: /x")
access = ('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", "/", "1.1", 200)
logging.getLogger("uvicorn.access").info(*access)
"""


def _run_logging(log_format: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LOGGING_SCRIPT],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "LOG_FORMAT": log_format, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=PROCESS_DEADLINE_S,
    )


def test_log_format_json_turns_every_line_into_json():
    result = _run_logging("json")
    assert result.returncode == 0, result.stderr
    documents = [json.loads(line) for line in result.stderr.splitlines()]
    assert [d["logger"] for d in documents] == [
        "chat.runs.run_log",
        "django.request",
        "uvicorn.access",
    ]
    assert documents[0]["run_id"] == "r1" and documents[0]["status"] == "complete"


def test_plain_is_the_default_and_other_formats_are_refused():
    plain = _run_logging("plain")
    assert plain.returncode == 0
    assert " INFO chat.runs.run_log run finished" in plain.stderr.splitlines()[0]
    refused = _run_logging("xml")
    assert refused.returncode != 0 and "LOG_FORMAT must be plain or json" in refused.stderr


def test_access_lines_leave_out_query_strings():
    import config.asgi  # noqa: F401  (installs the filter, as uvicorn's import of it does)

    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, HideQueryStrings) for f in access.filters)
    record = access.makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/api/1/tasks/?search={SECRET_WORD}", "1.1", 200),
        None,
    )
    assert all(f.filter(record) for f in access.filters)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/1/tasks/ HTTP/1.1" 200'
