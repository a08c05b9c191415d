"""Real uvicorn worker processes for tests that need several workers (or to kill one).

Each worker is `python -m uvicorn config.asgi:application` on its own free port, sharing the
test database (the one pytest-django made) and whatever else the environment names.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test run uses (call inside a db test)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    host = database.get("HOST") or "127.0.0.1"
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{database.get('PORT') or 5432}/{database['NAME']}"


class Worker:
    """One uvicorn process. `stop()` sends SIGTERM, `kill()` SIGKILL; both wait for the exit."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Closed in stop(): the file outlives this call.
        self.log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--lifespan",
                "off",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker on {self.port} exited:\n{self.output()}")
            try:
                httpx.get(f"{self.url}/api/auth/me/", timeout=5)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"worker on {self.port} did not start:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Signal the worker (unless it has exited) and wait for its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    def close(self) -> None:
        """Stop for good and remove the log."""
        self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker: this test run's settings, the test database, overrides."""
    env = {
        **os.environ,
        "SECRET_KEY": settings.SECRET_KEY,
        "DOTENV_DISABLED": "1",
        "DATABASE_URL": test_database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(overrides)
    return env


def start_workers(count: int, **overrides: str) -> list[Worker]:
    workers = [Worker(worker_env(**overrides)) for _ in range(count)]
    try:
        for worker in workers:
            worker.wait_ready()
    except Exception:
        for worker in workers:
            worker.close()
        raise
    return workers
