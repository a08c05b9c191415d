"""The live stream's costs: memory per idle stream, queries while idle, and how long a change
made through one worker takes to reach a stream open on another.

    python -m bench.live_bench --database postgres --streams 2000 --changes 200

Needs Redis (`--redis`, default redis://127.0.0.1:6379/15, under a key prefix of its own).
Two uvicorn servers (A, B) share a fresh database. `--streams` idle streams are opened on B
and held: B's resident memory before and after gives the memory per stream, and the
database's transaction counter (PostgreSQL) over an idle interval the queries they make.
Then `--changes` tasks are created one by one through A while a stream on B follows; each
latency runs from the start of the POST to the event's arrival on B (so it includes A's
request itself).
"""

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from urllib.parse import urlsplit

import httpx

from bench.servers import BenchDatabase, BenchServer, _status_kb

IDLE_INTERVAL_S = 20.0
# PostgreSQL flushes a backend's statistics up to 10 s after it goes idle: wait that out
# before reading the transaction counter.
STATS_FLUSH_S = 12.0
USERS = 20  # the idle streams are spread over this many users (one Redis stream each)


async def open_idle_stream(url: str, user_id: int, token: str):
    """A raw connection holding `GET /api/<user_id>/events` open, after its first frame."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(
        f"GET /api/{user_id}/events HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.decode(errors="replace"))
    await reader.readuntil(b"\n\n")  # the resume point
    return reader, writer


async def open_idle_streams(url: str, user_ids_tokens: list[tuple[int, str]], count: int):
    """`count` idle streams, spread over the given users; opened 50 at a time."""
    streams = []
    for start in range(0, count, 50):
        batch = [
            open_idle_stream(url, *user_ids_tokens[n % len(user_ids_tokens)])
            for n in range(start, min(start + 50, count))
        ]
        streams += await asyncio.gather(*batch)
    return streams


def close_streams(streams) -> None:
    for _, writer in streams:
        writer.close()


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS:")


def _transactions(database_url: str) -> int | None:
    if not database_url.startswith("postgres"):
        return None
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as db:
        row = db.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [name]
        ).fetchone()
    return int(row[0])


async def measure_idle(
    server: BenchServer, users: list[tuple[int, str]], count: int, database_url: str
) -> dict:
    pid = server.worker_pids()[0]
    before = rss_kb(pid)
    streams = await open_idle_streams(server.base_url, users, count)
    await asyncio.sleep(2)  # let the opening settle
    after = rss_kb(pid)
    await asyncio.sleep(STATS_FLUSH_S)
    transactions = _transactions(database_url)
    await asyncio.sleep(IDLE_INTERVAL_S)
    # Less our own reading of the counter.
    idle_transactions = (
        _transactions(database_url) - transactions - 1 if transactions is not None else None
    )
    close_streams(streams)
    return {
        "streams": count,
        "rss_before_mb": round(before / 1024, 1),
        "rss_after_mb": round(after / 1024, 1),
        "kb_per_stream": round((after - before) / count, 1),
        "idle_interval_s": IDLE_INTERVAL_S,
        "database_transactions_while_idle": idle_transactions,
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


async def measure_latency(
    a: BenchServer, b: BenchServer, user: tuple[int, str], changes: int
) -> dict:
    user_id, token = user
    headers = {"Authorization": f"Bearer {token}"}
    arrived: dict[str, float] = {}
    following = asyncio.Event()
    async with httpx.AsyncClient(timeout=60) as client:

        async def follow() -> None:
            url = f"{b.base_url}/api/{user_id}/events"
            async with client.stream("GET", url, headers=headers) as response:
                async for line in response.aiter_lines():
                    following.set()  # the first frame: subscribed
                    if line.startswith("data: "):
                        event = json.loads(line[6:])
                        if event["type"] == "task.created":
                            arrived[event["task"]["title"]] = time.perf_counter()

        follower = asyncio.create_task(follow())
        await asyncio.wait_for(following.wait(), 60)
        sent: dict[str, float] = {}
        request_ms = []
        for n in range(changes):
            title = f"change {n}"
            sent[title] = time.perf_counter()
            response = await client.post(
                f"{a.base_url}/api/{user_id}/tasks/", json={"title": title}, headers=headers
            )
            response.raise_for_status()
            request_ms.append((time.perf_counter() - sent[title]) * 1000)
        deadline = time.monotonic() + 30
        while len(arrived) < changes and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        follower.cancel()
    latencies = [(arrived[title] - sent[title]) * 1000 for title in sent if title in arrived]
    return {
        "changes": changes,
        "arrived": len(latencies),
        "latency_ms": {
            "p50": _percentile(latencies, 0.5),
            "p99": _percentile(latencies, 0.99),
            "max": round(max(latencies), 1),
        },
        "request_ms_p50": round(statistics.median(request_ms), 1),
    }


async def run(args: argparse.Namespace) -> dict:
    env = {
        "REDIS_URL": args.redis,
        "LIVE_REDIS_PREFIX": f"taskstream-bench:{uuid.uuid4().hex}:live:",
        "CHAT_RUN_REDIS_PREFIX": f"taskstream-bench:{uuid.uuid4().hex}:",
        "LIVE_STREAMS_PER_USER": str(args.streams // USERS + 1),
    }
    with BenchDatabase(args.database, args.postgres_url) as database:
        env["DATABASE_URL"] = database.url
        with BenchServer(env=env) as a, BenchServer(env=env) as b:
            users = [a.register_user() for _ in range(USERS)]
            idle = await measure_idle(b, users, args.streams, database.url)
            latency = await measure_latency(a, b, a.register_user(), args.changes)
    return {
        "database": args.database,
        "load_average": open("/proc/loadavg").read().split()[:3],
        "idle": idle,
        "cross_worker": latency,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=200)
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
