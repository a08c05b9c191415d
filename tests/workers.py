"""Real uvicorn worker processes for tests that need several workers, or to stop one (a pytest
plugin: tests/conftest.py loads it).

Each worker is `python -m uvicorn config.asgi:application` on its own free port, with this
test run's environment, the test database (the one pytest-django made, so the workers see
what the test commits: use `transactional_db`), a Redis key prefix of its group's own, one
Prometheus multiprocess directory per group, and the overrides given. Each worker's output goes
to its own log file (`worker.output()`).

    workers = start_workers(2, REDIS_URL=redis_url)        # plain: stop them yourself
    a, b = uvicorn_workers(2, env={"REDIS_URL": redis_url})  # fixture: stopped after the test
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Importing Django and the agent SDK takes seconds on a busy machine.
START_TIMEOUT_S = 120.0
PORT_TRIES = 3


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shared_database_url() -> str:
    """A DATABASE_URL naming the database this test run uses (call inside a db test)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database.get("USER") or "postgres", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = f"{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}"
    return f"postgres://{credentials}@{host}/{database['NAME']}"


def worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker: this test run's settings, the test database, overrides."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    return env | {
        "DATABASE_URL": shared_database_url(),
        "CHAT_RUN_REDIS_PREFIX": f"taskstream-test:{uuid.uuid4().hex}:",
        "LIVE_REDIS_PREFIX": f"taskstream-test:{uuid.uuid4().hex}:live:",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        **overrides,
    }


class PortTaken(RuntimeError):
    """Another process bound the worker's port between `free_port()` and uvicorn's bind."""


class Worker:
    """One uvicorn process on 127.0.0.1. `stop()` sends SIGTERM (the graceful shutdown) and
    waits, `kill()` SIGKILL; `terminate()` only sends SIGTERM."""

    def __init__(
        self, env: dict[str, str], args: Sequence[str] = (), log_dir: Path | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir = log_dir or Path(tempfile.mkdtemp(prefix="taskstream-worker-"))
        self.log_path = log_dir / f"worker-{self.port}.log"
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), *args]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def __repr__(self) -> str:
        return f"<Worker :{self.port} pid={self.process.pid}>"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Until the worker answers /healthz."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.output()
                if "address already in use" in output.lower():
                    raise PortTaken(f"{self}: port {self.port} was taken")
                raise RuntimeError(f"{self} exited ({self.process.returncode}):\n{output}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self} did not answer /healthz within {timeout} s:\n{self.output()}")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Send `sig` and wait for the exit (SIGKILL if it takes longer than `timeout`)."""
        if self.running:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    def close(self) -> None:
        """Stop for good, without a drain (the log stays readable)."""
        self.kill()


def start_workers(
    count: int, *, args: Sequence[str] = (), log_dir: Path | None = None, **overrides: str
) -> list[Worker]:
    """`count` workers sharing one environment (and so one Redis prefix and one metrics
    directory), each answering /healthz; if one fails to start, all are killed."""
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="taskstream-workers-"))
    metrics_dir = log_dir / "prometheus"
    metrics_dir.mkdir(exist_ok=True)
    env = worker_env(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), **overrides)
    workers = [Worker(env, args, log_dir) for _ in range(count)]
    try:
        for index, worker in enumerate(workers):
            workers[index] = _ready(worker, env, args, log_dir)
    except Exception:
        for worker in workers:
            worker.kill()
        raise
    return workers


def _ready(worker: Worker, env: dict[str, str], args: Sequence[str], log_dir: Path) -> Worker:
    """`worker` once it answers; if its port was taken before it could bind it (a busy machine
    starts many servers), a new worker on another port, a few times."""
    for _ in range(PORT_TRIES - 1):
        try:
            worker.wait_ready()
            return worker
        except PortTaken:
            worker = Worker(env, args, log_dir)
    worker.wait_ready()
    return worker


class WorkerGroup:
    """The workers a fixture started, stopped together at its end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.workers: list[Worker] = []

    def start(
        self, count: int = 1, env: dict[str, str] | None = None, args: Sequence[str] = ()
    ) -> list[Worker]:
        started = start_workers(count, args=args, log_dir=self.log_dir, **(env or {}))
        self.workers.extend(started)
        return started

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop(timeout=10)


@pytest.fixture
def uvicorn_workers(transactional_db, tmp_path) -> Iterator[Callable[..., list[Worker]]]:
    """`uvicorn_workers(count, env=None, args=())` → workers stopped after this test."""
    group = WorkerGroup(tmp_path)
    yield group.start
    group.stop_all()


@pytest.fixture(scope="module")
def module_uvicorn_workers(
    django_db_setup, tmp_path_factory
) -> Iterator[Callable[..., list[Worker]]]:
    """The same for workers shared by a module's tests (starting one costs seconds); those
    tests still need `transactional_db`, so that what they write is committed."""
    group = WorkerGroup(tmp_path_factory.mktemp("workers"))
    yield group.start
    group.stop_all()
