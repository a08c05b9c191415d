"""Real uvicorn worker processes for tests that need more than one (a pytest plugin).

`uvicorn_workers(count, env={...})` starts `python -m uvicorn config.asgi:application` in
`count` subprocesses on free ports, each with the test run's environment plus `worker_env`
(the test database, so the workers see what the test writes) plus `env`; waits until each
answers `/healthz`; and stops them at the end of the test (SIGTERM, then SIGKILL). Each
worker's output goes to its own log file, readable with `worker.log()`.
`module_uvicorn_workers` does the same for workers shared by a test module.

    def test_two_workers(uvicorn_workers, redis_url):
        a, b = uvicorn_workers(2, env={"REDIS_URL": redis_url})
        httpx.get(f"{a.url}/readyz")
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120.0  # importing Django and the agent SDK is slow on a busy machine


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The URL of the database this test run uses (pytest-django's test database), for
    processes that must share it. Call it inside a test that has database access."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{database['NAME']}"


class Worker:
    """One uvicorn process on 127.0.0.1:`port`."""

    def __init__(self, name: str, port: int, env: dict[str, str], args: list[str], log_dir: Path):
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_dir / f"{name}.log"
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
        command += ["--host", "127.0.0.1", "--port", str(port), *args]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def __repr__(self) -> str:
        return f"<Worker {self.name} :{self.port} pid={self.process.pid}>"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self} exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self} did not answer /healthz within {timeout_s} s:\n{self.log()}")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM: the graceful shutdown."""
        self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: the worker dies without a word."""
        self.process.kill()
        self.process.wait()

    def wait(self, timeout_s: float) -> int:
        return self.process.wait(timeout=timeout_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        if not self.running:
            return
        self.terminate()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_env(metrics_dir: Path) -> dict[str, str]:
    """The environment every worker starts with: this test run's settings, its database,
    the full-speed offline model, one Prometheus multiprocess directory for the group."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    return env | {
        "DATABASE_URL": database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }


class WorkerGroup:
    """Workers started together for one test (or module); stopped together at its end."""

    def __init__(self, directory: Path):
        self.directory = directory
        (directory / "prometheus").mkdir()
        self.env = worker_env(directory / "prometheus")
        self.workers: list[Worker] = []

    def start(
        self, count: int = 1, env: dict[str, str] | None = None, args: list[str] | None = None
    ) -> list[Worker]:
        """`count` started, healthy workers with the group's environment plus `env`."""
        started = [
            Worker(
                f"worker-{len(self.workers) + index}",
                free_port(),
                self.env | (env or {}),
                args or [],
                self.directory,
            )
            for index in range(count)
        ]
        self.workers.extend(started)
        for worker in started:
            worker.wait_healthy()
        return started

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()


@pytest.fixture
def uvicorn_workers(transactional_db, tmp_path) -> Iterator[Callable[..., list[Worker]]]:
    """`uvicorn_workers(count, env=None, args=None)` → workers that live for this test."""
    group = WorkerGroup(tmp_path)
    yield group.start
    group.stop_all()


@pytest.fixture(scope="module")
def module_uvicorn_workers(
    django_db_setup, tmp_path_factory
) -> Iterator[Callable[..., list[Worker]]]:
    """The same, for workers shared by a module's tests (starting one costs seconds). Its
    tests still need `transactional_db`, so that what they write is committed."""
    group = WorkerGroup(tmp_path_factory.mktemp("workers"))
    yield group.start
    group.stop_all()
