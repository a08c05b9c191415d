"""Taskstream settings: every value comes from an environment variable with an embedded default.

A fresh clone runs with no configuration (SQLite, local-memory cache, offline model);
production sets DATABASE_URL, REDIS_URL and the model variables. See README's table.
"""

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from config.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_rate_limit,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
if not env_bool("DOTENV_DISABLED", False):
    load_dotenv(BASE_DIR / ".env", override=False)

logger = logging.getLogger("config")

DEBUG = env_bool("DEBUG", False)

DEV_SECRET_KEY = "django-insecure-taskstream-development-key-change-me"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (`make run` writes one to .env for you)."
        )
    SECRET_KEY = DEV_SECRET_KEY
    logger.warning("SECRET_KEY is not set: using the development key. Never do this in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # chat first: its runserver command (ASGI via uvicorn) overrides Django's.
    "chat",
    "todos",
    "accounts",
    "live",
    "reminders",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "servestatic",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

# Under ASGI each of these hooks runs in a thread; the chat endpoints skip the stack entirely
# (config/asgi.py). No GZip: it would buffer the event stream.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.content_security_policy",
    "config.request_body.chunked_request_body",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
# A connection is checked before it is used: with PostgreSQL's pool Django passes the pool
# `check=ConnectionPool.check_connection`, so one that died with the server (a restart, a
# failover) is dropped and replaced as it leaves the pool, never handed to a request. The
# database threads keep theirs and retry a call on a fresh one (config/db_threads.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_S", 20),
    }
    # Tests use a file too (not :memory:), so live servers in other threads share it with WAL;
    # one per process, so concurrent test runs never share one.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"taskstream-test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A per-process pool: "closing" a connection hands it back (needs CONN_MAX_AGE=0).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # One test database per test run, so two runs on one server never drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DB_POOL_MAX_SIZE", 20),
        "timeout": env_float("DB_POOL_TIMEOUT_S", 10.0),
    }
# Threads doing the chat path's database work (config/db_threads.py), per process.
DB_THREADS = env_int("DB_THREADS", 8)
# Each worker on a CPU of its own, its threads with it (ops/cpu_pinning.py): for a host whose
# CPUs are the workers' (deploy/taskstream.service turns it on).
WORKER_CPU_PINNING = env_bool("WORKER_CPU_PINNING", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis when configured) ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Usernames match regardless of case at sign-in (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.CaseInsensitiveModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat-page"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.AccountJWTAuthentication",
        "accounts.authentication.CsrfCodedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 20),
}
# Attempts per client address on sign-in, token, refresh, register, password reset requests
# and verification resends (config/ratelimit.py).
AUTH_RATE_LIMIT = env_rate_limit("AUTH_RATE_LIMIT", "10/min")
# Registrations per client address, on top of AUTH_RATE_LIMIT (accounts are free).
REGISTER_RATE_LIMIT = env_rate_limit("REGISTER_RATE_LIMIT", "20/day")
# Proxies whose X-Forwarded-For is believed; empty: the socket's peer is the client.
TRUSTED_PROXY_IPS = env_networks("TRUSTED_PROXY_IPS")
# Mails per target address (password reset, verification, change notices): past it they are
# silently not sent, and the request still answers as usual (accounts/mail.py).
EMAIL_RATE_LIMIT = env_rate_limit("EMAIL_RATE_LIMIT", "3/hour")
# Seconds a password reset link (Django's PasswordResetTokenGenerator) and an address
# verification link (django.core.signing) stay valid.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
EMAIL_VERIFY_TIMEOUT_S = env_int("EMAIL_VERIFY_TIMEOUT_S", 3 * 24 * 3600)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Each refresh returns a new refresh token; the old one goes on the blacklist (401 after).
    "ROTATE_REFRESH_TOKENS": True,
    # Signing in for tokens is signing in: the admin's "last login" counts API clients too.
    "UPDATE_LAST_LOGIN": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.AccessToken",),
    "TOKEN_OBTAIN_SERIALIZER": "accounts.token_apis.TokenObtainSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.token_apis.TokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Taskstream API",
    "DESCRIPTION": "Manage your todo list by chatting with an AI assistant.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components, so read-only and write-only fields are exact.
    "COMPONENT_SPLIT_REQUEST": True,
    "TAGS": [
        {
            "name": "auth",
            "description": "Register, obtain, refresh and revoke JWTs, change the password or "
            "the email address, verify the address, reset a forgotten password, who am I, "
            "export or delete my account.",
        },
        {"name": "chat", "description": "Talk to the assistant, streaming or not."},
        {"name": "conversations", "description": "Stored transcripts."},
        {"name": "tasks", "description": "The todo list the assistant manages."},
    ],
    "ENUM_NAME_OVERRIDES": {
        "MessageRoleEnum": "chat.models.Message.Role",
        "MessageStatusEnum": "chat.models.Message.Status",
    },
    "PREPROCESSING_HOOKS": ["config.openapi.drop_slashless_aliases"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.add_chat_endpoints",
    ],
    # Swagger UI's files come from the sidecar package, so /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Mail (django.core.mail): the console in development, SMTP in production ------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Taskstream <noreply@localhost>")
# The file backend's directory (django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or None

# --- Model (the agent) ----------------------------------------------------------------------
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
OFFLINE_MODEL = "offline"
DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
# No key and no server: the offline model. A key alone: OpenAI's default model. A custom server
# must name its model (the `check` framework warns when it does not).
AGENT_MODEL = env_str("AGENT_MODEL") or (
    "" if OPENAI_BASE_URL else DEFAULT_OPENAI_MODEL if OPENAI_API_KEY else OFFLINE_MODEL
)
AGENT_API = env_str("AGENT_API", "responses").lower()
AGENT_REQUEST_TIMEOUT_S = env_float("AGENT_REQUEST_TIMEOUT_S", 60.0)
AGENT_MAX_RETRIES = env_int("AGENT_MAX_RETRIES", 2)
AGENT_MAX_TURNS = env_int("AGENT_MAX_TURNS", 8)
AGENT_MAX_TOOL_CALLS = env_int("AGENT_MAX_TOOL_CALLS", 20)
AGENT_TRACING = env_bool("AGENT_TRACING", False)
OFFLINE_MODEL_FIRST_TOKEN_MS = env_float("OFFLINE_MODEL_FIRST_TOKEN_MS", 150.0)
OFFLINE_MODEL_TOKEN_MS = env_float("OFFLINE_MODEL_TOKEN_MS", 25.0)

# --- Chat -------------------------------------------------------------------------------------
CHAT_MAX_MESSAGE_CHARS = env_int("CHAT_MAX_MESSAGE_CHARS", 4000)
CHAT_HISTORY_MAX_MESSAGES = env_int("CHAT_HISTORY_MAX_MESSAGES", 50)
# Short enough that a page shows "Reconnecting…" after 3 s without a frame only when it is cut off.
CHAT_KEEPALIVE_S = env_float("CHAT_KEEPALIVE_S", 2.0)
# The longest a run may take; an older reply still marked `streaming` was cut off by a crash.
CHAT_RUN_TIMEOUT_S = env_float("CHAT_RUN_TIMEOUT_S", 600.0)
# A run goes on when its client leaves (resume with the events endpoint); off: it stops there.
CHAT_CONTINUE_ON_DISCONNECT = env_bool("CHAT_CONTINUE_ON_DISCONNECT", True)
# The run broker: "memory" (one process) or "redis"; empty: redis when REDIS_URL is set.
CHAT_RUN_BROKER = env_str("CHAT_RUN_BROKER", "").lower()
CHAT_RUN_EVENTS_TTL_S = env_float("CHAT_RUN_EVENTS_TTL_S", 600.0)
# A run's process renews its lease every quarter of this; a run without one died.
CHAT_RUN_LEASE_S = env_float("CHAT_RUN_LEASE_S", 10.0)
CHAT_RUN_REDIS_PREFIX = env_str("CHAT_RUN_REDIS_PREFIX", "taskstream:run:")
# How long a run's final save is retried (fresh connections, backoff) before it is given up.
CHAT_SAVE_RETRY_S = env_float("CHAT_SAVE_RETRY_S", 30.0)
# Chat turns per user, on both chat endpoints (config/ratelimit.py).
CHAT_RATE_LIMIT = env_rate_limit("CHAT_RATE_LIMIT", "20/min")
# Runs one user may have executing at once, on every worker (chat/runs/admission.py); 0: no cap.
CHAT_MAX_ACTIVE_RUNS_PER_USER = env_int("CHAT_MAX_ACTIVE_RUNS_PER_USER", 3)
# Runs one worker executes at once; past it new turns get 503 `busy`. 0: no cap.
CHAT_MAX_ACTIVE_RUNS = env_int("CHAT_MAX_ACTIVE_RUNS", 200)
# Model tokens (input + output, as the provider reports them) per user per day; 0: no budget.
CHAT_DAILY_TOKEN_BUDGET = env_int("CHAT_DAILY_TOKEN_BUDGET", 0)
# Memory the finished runs' events may hold in one worker (in-process broker), oldest evicted.
CHAT_RUN_EVENTS_MAX_MB = env_float("CHAT_RUN_EVENTS_MAX_MB", 64.0)

# --- Live: every change of a user's data on their open pages and clients (live/) --------------
# How long the events of a user's live stream stay readable (resume with Last-Event-ID).
LIVE_EVENTS_TTL_S = env_float("LIVE_EVENTS_TTL_S", 600.0)
# Live streams open at once per user; opening one more closes the oldest (`replaced`).
LIVE_STREAMS_PER_USER = env_int("LIVE_STREAMS_PER_USER", 10)
LIVE_REDIS_PREFIX = env_str("LIVE_REDIS_PREFIX", "taskstream:live:")

# --- Reminders: the scheduler delivering them (reminders/, docs/REMINDERS.md) -------------------
# A scheduler loop in every worker; off: run `manage.py run_reminders` somewhere instead.
REMINDERS_ENABLED = env_bool("REMINDERS_ENABLED", True)
# How often a scheduler looks for reminders whose moment came.
REMINDER_POLL_S = env_float("REMINDER_POLL_S", 5.0)
# How long a scheduler holds the reminders it claimed (renewed before each delivery): a
# worker that dies holding some leaves them to another after this long. Longer than one
# delivery can take (an SMTP conversation: several EMAIL_TIMEOUTs).
REMINDER_CLAIM_S = env_float("REMINDER_CLAIM_S", 60.0)
# A reminder delivered more than this after its moment is `late` (every worker was down).
REMINDER_LATE_S = env_float("REMINDER_LATE_S", 60.0)
# Where links in mail sent without a request (reminders) point, e.g. https://todo.example.com;
# empty: such mails carry no link.
SITE_URL = env_str("SITE_URL").rstrip("/")

# --- Operations (ops/): metrics, graceful shutdown ---------------------------------------------
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Addresses or networks (10.0.0.0/8) that may scrape /metrics, matched against the peer address.
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS")
# On SIGTERM, how long runs in flight may go on before they are ended as `interrupted`.
SHUTDOWN_GRACE_S = env_float("SHUTDOWN_GRACE_S", 25.0)

# --- Internationalization, static files -------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# collectstatic writes each file under a name with its content's hash (the pages link those,
# so they can be cached for good) and a gzip and a Brotli copy beside it (config/staticfiles.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.staticfiles.HashedCompressedStaticFilesStorage"},
}
# Embedded default: the app serves /static/ itself (ServeStatic: the hashed files cached for a
# year, the precompressed copies to clients that accept them; with DEBUG, straight from
# static/ without collectstatic); behind nginx set SERVE_STATIC=false.
SERVE_STATIC = env_bool("SERVE_STATIC", True)
if SERVE_STATIC:
    MIDDLEWARE.insert(1, "servestatic.middleware.ServeStaticMiddleware")

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Off for local use; README's production environment turns them on (check --deploy is clean).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

LOG_FORMATS = ("plain", "json")
LOG_FORMAT = env_str("LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in LOG_FORMATS:
    raise ValueError(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.log_format.JsonFormatter"},
    },
    "filters": {"drop_sdk_model_failures": {"()": "config.log_filters.DropSdkModelFailures"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
        "openai.agents": {"filters": ["drop_sdk_model_failures"]},
    },
}
if LOG_FORMAT == "json":
    # uvicorn's own lines (startup, errors, the access log) through the same JSON handler.
    LOGGING["loggers"] |= {
        name: {"handlers": ["console"], "propagate": False}
        for name in ("uvicorn", "uvicorn.access")
    }
