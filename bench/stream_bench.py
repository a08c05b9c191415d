"""Benchmark: many concurrent chat streams against a real uvicorn server.

Starts `uvicorn config.asgi:application` in a subprocess on a fresh database (SQLite in a temp
folder unless --database-url), registers a user, then opens --streams concurrent
`POST /api/<id>/chat/stream` requests with the offline model and reports, in JSON:
time to first byte and to first token (p50/p95/max), whole-turn time, events per second,
failures, and the server's peak memory (VmHWM). Every turn really runs the agent loop,
calls a tool and saves the transcript.

    .venv/bin/python bench/stream_bench.py --streams 200
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-12345"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(statistics.quantiles(values, n=20)[-1], 1) if len(values) > 1 else values[0],
        "max": round(max(values), 1),
    }


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def one_stream(client: httpx.AsyncClient, url: str, headers: dict, message: str) -> dict:
    started = time.perf_counter()
    first_byte = first_token = None
    events = 0
    last_type = None
    async with client.stream("POST", url, json={"message": message}, headers=headers) as response:
        if response.status_code != 200:
            await response.aread()
            return {"ok": False, "status": response.status_code}
        buffer = ""
        async for chunk in response.aiter_text():
            now = time.perf_counter()
            first_byte = first_byte or now
            buffer += chunk
            *frames, buffer = buffer.split("\n\n")
            for frame in frames:
                if not frame.startswith("data: "):
                    continue
                event = json.loads(frame[6:])
                events += 1
                last_type = event["type"]
                if last_type == "text" and first_token is None:
                    first_token = now
    ended = time.perf_counter()
    return {
        "ok": last_type == "done",
        "ttfb_ms": (first_byte - started) * 1000,
        "ttft_ms": ((first_token or ended) - started) * 1000,
        "total_ms": (ended - started) * 1000,
        "events": events,
    }


async def run_load(base: str, streams: int, message: str) -> dict:
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        username = f"bench{int(time.time() * 1000)}"
        credentials = {"username": username, "password": PASSWORD}
        user = (await client.post(f"{base}/api/auth/register/", json=credentials)).json()
        token = (await client.post(f"{base}/api/auth/token/", json=credentials)).json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{base}/api/{user['id']}/chat/stream"
        await one_stream(client, url, headers, message)  # warm up: imports, agent, connections
        started = time.perf_counter()
        results = await asyncio.gather(
            *(one_stream(client, url, headers, message) for _ in range(streams))
        )
        wall = time.perf_counter() - started
    good = [r for r in results if r["ok"]]
    return {
        "streams": streams,
        "completed": len(good),
        "failed": streams - len(good),
        "wall_s": round(wall, 2),
        "turns_per_s": round(len(good) / wall, 1),
        "events_per_s": round(sum(r["events"] for r in good) / wall),
        "ttfb_ms": summary([r["ttfb_ms"] for r in good]),
        "ttft_ms": summary([r["ttft_ms"] for r in good]),
        "total_ms": summary([r["total_ms"] for r in good]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--message", default="add buy milk")
    parser.add_argument("--token-ms", default="0", help="offline model pace between tokens")
    parser.add_argument("--first-token-ms", default="0")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="taskstream-bench-")
    database_url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "DATABASE_URL": database_url,
        "OFFLINE_MODEL_TOKEN_MS": args.token_ms,
        "OFFLINE_MODEL_FIRST_TOKEN_MS": args.first_token_ms,
        "DOTENV_DISABLED": "1",
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/auth/me/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        report = asyncio.run(run_load(base, args.streams, args.message))
        report["server_peak_rss_mb"] = peak_rss_mb(server.pid)
        report["database"] = database_url.split(":", 1)[0]
        report["offline_token_ms"] = float(args.token_ms)
        print(json.dumps(report, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
