"""Response times of POST /api/auth/password/reset/ for an address an account has verified
and for an address nobody has, on the real server: the two must not be told apart by time.

    .venv/bin/python -m bench.password_reset_timing [--requests 30] [--databases sqlite postgres]

A fresh database and a uvicorn subprocess (bench/servers.py), mail to files (the file backend),
no rate limits. The address is verified through its real link first. Then `--requests`
requests for each address, interleaved (known, unknown, known, …) so that load on the machine
falls on both alike; the figures are client-side wall times. Prints JSON: p50, p90 and the
p50 difference in ms per database. The lookup and the mail happen after the answer, on a
background thread (accounts/password_reset.py), so the answer does the same work either way.
"""

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.servers import PASSWORD, BenchDatabase, BenchServer

KNOWN = "known@example.com"
UNKNOWN = "nobody@example.com"
MAIL_WAIT_S = 30


def _mailed_link(directory: Path, path: str) -> str:
    deadline = time.monotonic() + MAIL_WAIT_S
    while time.monotonic() < deadline:
        for mail in directory.glob("*.log"):
            if match := re.search(rf"https?://\S+{re.escape(path)}\?\S+", mail.read_text()):
                return match[0]
        time.sleep(0.05)
    raise RuntimeError(f"no mail with a link to {path} within {MAIL_WAIT_S} s")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(kind: str, postgres_url: str, requests: int) -> dict:
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    bodies = set()
    with (
        tempfile.TemporaryDirectory(prefix="taskstream-bench-mail-") as mail_dir,
        BenchDatabase(kind, postgres_url) as database,
    ):
        env = {
            "DATABASE_URL": database.url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": mail_dir,
            "EMAIL_RATE_LIMIT": "0",
        }
        server = BenchServer(env=env)
        with server, httpx.Client(base_url=server.base_url, timeout=30) as client:
            account = {"username": "known", "password": PASSWORD, "email": KNOWN}
            client.post("/api/auth/register/", json=account).raise_for_status()
            verify_link = _mailed_link(Path(mail_dir), "/accounts/email/verify/")
            client.get(verify_link).raise_for_status()
            for _ in range(3):  # warm up both paths
                for email in times:
                    client.post("/api/auth/password/reset/", json={"email": email})
            for _ in range(requests):
                for email in times:
                    started = time.perf_counter()
                    response = client.post("/api/auth/password/reset/", json={"email": email})
                    times[email].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 202, response.text
                    bodies.add(response.content)
    p50 = {email: statistics.median(values) for email, values in times.items()}
    return {
        "database": kind,
        "requests_each": requests,
        "identical_bodies": len(bodies) == 1,
        "known_p50_ms": round(p50[KNOWN], 2),
        "unknown_p50_ms": round(p50[UNKNOWN], 2),
        "known_p90_ms": round(_percentile(times[KNOWN], 0.9), 2),
        "unknown_p90_ms": round(_percentile(times[UNKNOWN], 0.9), 2),
        "p50_difference_ms": round(abs(p50[KNOWN] - p50[UNKNOWN]), 2),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--databases", nargs="+", default=["sqlite"])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    results = [measure(kind, args.postgres_url, args.requests) for kind in args.databases]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
