"""`manage.py check --deploy --fail-level WARNING` is clean under the production environment
README documents (its Deployment section's `export` line, read from README itself)."""

import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.waiting import PROCESS_DEADLINE_S

README = Path(settings.BASE_DIR) / "README.md"


def documented_environment() -> dict[str, str]:
    section = README.read_text().split("## Deployment", 1)[1]
    command = section.split("export ", 1)[1].split("\npip install", 1)[0]
    words = shlex.split(command.replace("\\\n", " "))
    return dict(word.split("=", 1) for word in words)


def test_readme_documents_the_production_settings():
    environment = documented_environment()
    assert environment["DEBUG"] == "0"
    assert environment["SECURE_COOKIES"] == "true"
    assert environment["SECRET_KEY"] == "..."  # the placeholder a strong key replaces below
    # Mail reaches people (the console backend with DEBUG off is a check warning).
    assert environment["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ):
        assert name in environment


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DOTENV_DISABLED": "1", **environment},
        capture_output=True,
        text=True,
        timeout=PROCESS_DEADLINE_S,
    )


def test_check_deploy_reports_nothing_under_the_documented_environment():
    result = check_deploy(documented_environment() | {"SECRET_KEY": secrets.token_urlsafe(50)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_console_backend_with_debug_off_fails_the_documented_check():
    environment = documented_environment() | {"SECRET_KEY": secrets.token_urlsafe(50)}
    del environment["EMAIL_BACKEND"]
    result = check_deploy(environment)
    assert result.returncode != 0
    assert "accounts.W003" in result.stdout + result.stderr


def test_the_defaults_are_for_local_use():
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SECURE_HSTS_INCLUDE_SUBDOMAINS is False
    assert settings.SECURE_HSTS_PRELOAD is False
