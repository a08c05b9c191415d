"""Settings come from the environment, with embedded defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.waiting import PROCESS_DEADLINE_S

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "ENGINE": db["ENGINE"], "NAME": str(db["NAME"]), "OPTIONS": db.get("OPTIONS", {}),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "AGENT_MODEL": settings.AGENT_MODEL,
    "CHAT_MAX_MESSAGE_CHARS": settings.CHAT_MAX_MESSAGE_CHARS,
    "CHAT_HISTORY_MAX_MESSAGES": settings.CHAT_HISTORY_MAX_MESSAGES,
}))
"""
CONFIG_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "AGENT_MODEL",
    "CHAT_MAX_MESSAGE_CHARS",
    "CHAT_HISTORY_MAX_MESSAGES",
)


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    # The project's .env must not leak into what this test observes.
    clean["DOTENV_DISABLED"] = "1"
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=PROCESS_DEADLINE_S,
    )


def settings_with(**env: str) -> dict:
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults():
    values = settings_with(SECRET_KEY="x" * 40)
    assert values["DEBUG"] is False
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"].endswith("db.sqlite3")
    assert values["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["OPTIONS"]["init_command"]
    assert values["OPTIONS"]["timeout"] >= 5
    assert values["CACHE"].endswith("LocMemCache")
    assert values["AGENT_MODEL"] == "offline"
    assert values["CHAT_MAX_MESSAGE_CHARS"] == 4000
    assert values["CHAT_HISTORY_MAX_MESSAGES"] == 50
    assert "localhost" in values["ALLOWED_HOSTS"]


def test_environment_overrides():
    values = settings_with(
        SECRET_KEY="s" * 40,
        DEBUG="true",
        ALLOWED_HOSTS="chat.example.com, api.example.com",
        CSRF_TRUSTED_ORIGINS="https://chat.example.com",
        DATABASE_URL="postgres://bob:pw@db.example.com:5433/taskstream",
        REDIS_URL="redis://cache.example.com:6379/0",
        CHAT_MAX_MESSAGE_CHARS="1000",
    )
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"] == "s" * 40
    assert values["ALLOWED_HOSTS"] == ["chat.example.com", "api.example.com"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://chat.example.com"]
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["NAME"] == "taskstream"
    assert values["CACHE"].endswith("RedisCache")
    assert values["CHAT_MAX_MESSAGE_CHARS"] == 1000


def test_a_key_switches_the_default_model_off_the_offline_one():
    values = settings_with(SECRET_KEY="k" * 40, OPENAI_API_KEY="sk-test")
    assert values["AGENT_MODEL"] != "offline"


def test_development_key_only_with_debug():
    values = settings_with(DEBUG="1")
    assert values["SECRET_KEY"].startswith("django-insecure")


def test_refuses_to_start_without_a_key_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("name, value", [("DEBUG", "maybe"), ("CHAT_MAX_MESSAGE_CHARS", "lots")])
def test_malformed_values_are_named_in_the_error(name, value):
    result = load_settings(SECRET_KEY="k" * 40, **{name: value})
    assert result.returncode != 0
    assert name in result.stderr
