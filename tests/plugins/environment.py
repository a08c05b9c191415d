"""Loaded by pytest before Django: the environment every test run starts from.

Settings read the environment at import, so this must run before pytest-django imports them.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# Tests see only the environment they set, never a developer's .env.
os.environ["DOTENV_DISABLED"] = "1"
# The offline model streams at full speed in tests unless a test asks for a pace.
os.environ.setdefault("OFFLINE_MODEL_FIRST_TOKEN_MS", "0")
os.environ.setdefault("OFFLINE_MODEL_TOKEN_MS", "0")
# No rate limits unless a test sets one (tests/security/test_rate_limits.py).
os.environ.setdefault("CHAT_RATE_LIMIT", "0")
os.environ.setdefault("AUTH_RATE_LIMIT", "0")
os.environ.setdefault("EMAIL_RATE_LIMIT", "0")
os.environ.setdefault("REGISTER_RATE_LIMIT", "0")
# No caps on concurrent runs either, unless a test sets one (tests/security/test_abuse_limits.py).
os.environ.setdefault("CHAT_MAX_ACTIVE_RUNS_PER_USER", "0")
os.environ.setdefault("CHAT_MAX_ACTIVE_RUNS", "0")
for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENT_MODEL", "REDIS_URL"):
    os.environ.pop(name, None)
