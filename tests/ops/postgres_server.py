"""A PostgreSQL cluster of the test's own, on a free port in a temporary directory, which the
test may restart (the machine's PostgreSQL is shared and is never touched).

`initdb` and `pg_ctl` come from /usr/lib/postgresql/<version>/bin (Debian's layout) or PATH.
PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.workers import free_port


def _postgres_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found (install PostgreSQL's server package)")
    return found


class PostgresCluster:
    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="taskstream-pg-"))
        self.data = self.directory / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")

    @property
    def log(self) -> str:
        """The server's output (never a pipe of ours: the server outlives pg_ctl)."""
        return str(self.directory / "server.log")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def _pg_ctl(self, action: str, *args: str) -> None:
        self._run(_postgres_bin("pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", *args)

    def start(self) -> None:
        if not self.data.exists():
            self._run(
                _postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("start", "-o", options, "-l", self.log)

    def restart(self, down_s: float = 2.0) -> None:
        """A restart as `pg_ctlcluster … restart` makes one: every connection dies, and the
        server is away for `down_s`."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            self.url().replace("postgres://", "postgresql://"), autocommit=True
        ) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> "PostgresCluster":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
