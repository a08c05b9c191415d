"""The real server for benchmarks and load checks: a fresh database and uvicorn subprocesses.

`BenchDatabase` makes a fresh SQLite file or PostgreSQL database and migrates it;
`BenchServer` runs `uvicorn config.asgi:application` with one or more workers on a free
loopback port and reads the worker processes' CPU time (their CPU-time clocks, in
nanoseconds) and peak memory (from /proc).
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
# Shares almost no letter with the random `bench-<hex>` usernames: Django's similarity check
# refused about 1 in 1100 of them with the password this used to be ("bench-password-12345").
PASSWORD = "quiz-lynx-yolk-prism!"

# The server's environment besides the database: no .env, quiet logs, no rate limits and no
# caps on concurrent runs (the benchmark is one user opening hundreds of streams).
BASE_ENV = {
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "DOTENV_DISABLED": "1",
    "DEBUG": "0",
    "LOG_LEVEL": "ERROR",
    "CHAT_RATE_LIMIT": "0",
    "AUTH_RATE_LIMIT": "0",
    "REGISTER_RATE_LIMIT": "0",
    "CHAT_MAX_ACTIVE_RUNS_PER_USER": "0",
    "CHAT_MAX_ACTIVE_RUNS": "0",
    "AGENT_MODEL": "offline",
    # No mail is sent; the console backend with DEBUG off would be a check warning (migrate).
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "OPENAI_API_KEY": "",
    "OPENAI_BASE_URL": "",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchDatabase:
    """A fresh database for one run: SQLite in a temp folder, or a new PostgreSQL database on
    the server of `postgres_url` (dropped afterwards)."""

    def __init__(self, kind: str, postgres_url: str = "", *, root: Path = ROOT) -> None:
        self.kind = kind
        self.root = root  # the code whose migrations make it
        self._postgres_url = postgres_url
        self._workdir = tempfile.mkdtemp(prefix="taskstream-bench-")
        if kind == "sqlite":
            self.url = f"sqlite:///{self._workdir}/bench.sqlite3"
        else:
            self.name = f"taskstream_bench_{uuid.uuid4().hex[:12]}"
            parts = urlsplit(postgres_url)
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def _admin(self, sql: str) -> None:
        import psycopg

        parts = urlsplit(self._postgres_url)
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
            db.execute(sql)

    def __enter__(self) -> "BenchDatabase":
        if self.kind == "postgres":
            self._admin(f'CREATE DATABASE "{self.name}"')
        env = {**os.environ, **BASE_ENV, "DATABASE_URL": self.url}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=self.root, env=env, check=True
        )
        return self

    def __exit__(self, *exc_info) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class BenchServer:
    """`uvicorn config.asgi:application` on 127.0.0.1 with `workers` worker processes."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        workers: int = 1,
        output: Path | None = None,
        root: Path = ROOT,
    ) -> None:
        self.env = {**os.environ, **BASE_ENV, **env}
        self.workers = workers
        self.root = root  # the code it serves (a checkout of another commit: bench/alternate.py)
        self.output = output  # where the server's stdout and stderr go (default: ours)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "BenchServer":
        command = [
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
            "--no-access-log",
            "--lifespan",  # on, as in production: ops.asgi's startup and shutdown
            "on",
            "--backlog",
            "4096",
        ]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        out = None if self.output is None else self.output.open("ab")
        try:
            self.process = subprocess.Popen(
                command,
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
            )
        finally:
            if out is not None:
                out.close()  # the server has its own descriptor
        self._wait_until_serving()
        return self

    def _wait_until_serving(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            try:
                httpx.get(
                    f"{self.base_url}/", timeout=2
                )  # a redirect to sign in: cheap, not logged
                if len(self.worker_pids()) >= self.workers:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"uvicorn did not serve within {timeout_s} s")

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The processes serving requests: uvicorn itself, or its worker children."""
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in _children(self.process.pid) if _is_worker(pid)]

    def all_pids(self) -> list[int]:
        return [self.process.pid, *_children(self.process.pid)]

    def cpu_seconds(self) -> float:
        """CPU time of the server's processes so far (all their threads, ended ones too)."""
        return sum(process_cpu_seconds(pid) for pid in self.all_pids())

    def reset_peak_rss(self) -> None:
        for pid in self.worker_pids():
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS

    def peak_rss_mb(self) -> float:
        """The largest peak resident memory of one worker since the last reset."""
        return max((_status_kb(pid, "VmHWM:") / 1024 for pid in self.worker_pids()), default=0)

    def register_user(self, username: str = "") -> tuple[int, str]:
        """A new user and an access token for it."""
        credentials = {
            "username": username or f"bench-{uuid.uuid4().hex[:10]}",
            "password": PASSWORD,
        }
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            user = client.post("/api/auth/register/", json=credentials)
            user.raise_for_status()
            token = client.post("/api/auth/token/", json=credentials)
            token.raise_for_status()
        return user.json()["id"], token.json()["access"]


def process_cpu_seconds(pid: int) -> float:
    """The CPU time of process `pid` at nanosecond resolution; 0 once it has gone.

    Reads the process's CPU-time clock (clock_getcpuclockid(3): clock id `~pid << 3 | 2`, as
    glibc builds it), which counts every thread, also those that ended. /proc/<pid>/stat
    counts in 10 ms ticks, too coarse for one short run, and summing /proc/<pid>/task/*/schedstat
    misses the threads that ended.
    """
    try:
        return time.clock_gettime(~pid << 3 | 2)
    except OSError:  # the process has exited
        return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def _is_worker(pid: int) -> bool:
    """uvicorn's worker processes, not multiprocessing's resource tracker beside them."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0
