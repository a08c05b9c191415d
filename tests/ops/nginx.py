"""Debian's nginx in front of test workers, configured by the repository's deploy/nginx.conf.

The site file is rendered for the test's ports (the same substitution envsubst makes) and
included in a minimal main configuration whose pid file, logs and temporary files live in a
temporary prefix, so the test needs no system nginx service and leaves nothing behind.
"""

import getpass
import re
import shutil
import string
import subprocess
import tempfile
from pathlib import Path

import httpx
from django.conf import settings

from tests.waiting import wait_until
from tests.workers import PROJECT_DIR, Worker, free_port

SITE_TEMPLATE = PROJECT_DIR / "deploy" / "nginx.conf"
PLACEHOLDER = re.compile(r"\$\{TASKSTREAM_\w+\}")

# The workers run as the user running the tests (a master started by root would otherwise
# drop them to an unprivileged user, who may not read a checkout under a private directory).
MAIN_CONFIG = """\
user {user};
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/taskstream.conf;
}}
"""


def render_site(*, upstreams: list[str], listen: int, static_root: Path) -> str:
    values = {
        "TASKSTREAM_UPSTREAM_SERVERS": " ".join(f"server {address};" for address in upstreams),
        "TASKSTREAM_LISTEN": f"127.0.0.1:{listen}",
        "TASKSTREAM_SERVER_NAME": "localhost",
        "TASKSTREAM_STATIC_ROOT": str(static_root),
    }
    site = string.Template(SITE_TEMPLATE.read_text()).safe_substitute(values)
    settings_lines = [line for line in site.splitlines() if not line.lstrip().startswith("#")]
    left = PLACEHOLDER.findall("\n".join(settings_lines))
    assert not left, f"deploy/nginx.conf has placeholders the test does not fill: {left}"
    return site


class Nginx:
    """`nginx -p <tmp> -c <tmp>/nginx.conf -g 'daemon off;'` in a subprocess."""

    def __init__(self, workers: list[Worker]):
        self.prefix = Path(tempfile.mkdtemp(prefix="taskstream-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = render_site(
            upstreams=[f"127.0.0.1:{worker.port}" for worker in workers],
            listen=self.port,
            static_root=Path(settings.STATIC_ROOT),  # collected (tests/plugins/collected_static.py)
        )
        (self.prefix / "taskstream.conf").write_text(site)
        (self.prefix / "nginx.conf").write_text(
            MAIN_CONFIG.format(prefix=self.prefix, user=getpass.getuser())
        )
        self.process: subprocess.Popen | None = None

    def command(self, *extra: str) -> list[str]:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        return [
            nginx,
            "-p",
            str(self.prefix),
            "-e",
            str(self.prefix / "error.log"),
            "-c",
            str(self.prefix / "nginx.conf"),
            *extra,
        ]

    def __enter__(self) -> "Nginx":
        subprocess.run(self.command("-t", "-q"), check=True, capture_output=True)
        self.process = subprocess.Popen(
            self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_until(self._answers, message=lambda: f"nginx did not start:\n{self.error_log()}")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
        try:
            httpx.get(f"{self.url}/healthz", timeout=5)
        except httpx.TransportError:
            return False
        return True

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __exit__(self, *exc_info) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)
