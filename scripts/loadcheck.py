"""Load, with nothing lost: mixed traffic against the real server, then a check of the database.

    .venv/bin/python scripts/loadcheck.py                      # both setups, 30 s each
    .venv/bin/python scripts/loadcheck.py --setups sqlite --seconds 10

For a bounded time, virtual visitors (each signed in as one of a few accounts) stream chat
turns, add tasks through the assistant, leave streams mid-reply, cancel runs, edit tasks,
read conversations and send bad requests, against uvicorn on loopback:
- `postgres`: PostgreSQL + Redis, two workers;
- `sqlite`: the SQLite default, one worker, 50 visitors streaming at once.
Then it reads the database: every accepted user message stored once (none lost, none extra),
no message left `streaming`, every reply `complete`, `interrupted` or `cancelled` as its
client did, every task added once and every edit applied. It prints the report (requests,
5xx, lost, stuck, wrong) as JSON and exits non-zero when anything was lost, stuck or wrong,
or any request answered 5xx. docs/RELIABILITY.md records a run.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import importlib
import json
import os
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import client  # noqa: E402
from bench.servers import BASE_ENV, BenchDatabase, BenchServer  # noqa: E402
from chat.llm.offline.benchmark import benchmark_text  # noqa: E402

# The offline model's pace: short replies, so a run sees many turns.
FIRST_TOKEN_MS, TOKEN_MS = 20, 5
ACCOUNTS = 8
CANCELLED_REPLY_TOKENS = 400  # about 2 s at this pace: time to cancel it mid-way
CANCELLED_REPLY_TEXT = benchmark_text(CANCELLED_REPLY_TOKENS)
SETTLE_S = 120  # at most, how long runs that outlive their client get to finish before the check


def continues_on_disconnect() -> bool:
    """Whether this version keeps a run going when its client leaves (the setting's default)."""
    os.environ.update({**BASE_ENV, **os.environ})
    settings = importlib.import_module("config.settings")
    return bool(getattr(settings, "CHAT_CONTINUE_ON_DISCONNECT", False))


@dataclasses.dataclass(frozen=True)
class Account:
    user_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclasses.dataclass
class Ledger:
    """What the clients did and saw; the database check compares against it."""

    requests: Counter = dataclasses.field(default_factory=Counter)
    statuses: Counter = dataclasses.field(default_factory=Counter)
    server_errors: list[str] = dataclasses.field(default_factory=list)
    transport_errors: list[str] = dataclasses.field(default_factory=list)
    # run_id → (user_message_id, the reply status its client's behaviour calls for)
    runs: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)
    added_titles: set[str] = dataclasses.field(
        default_factory=set
    )  # tasks added through the assistant
    edited: dict[int, str] = dataclasses.field(default_factory=dict)  # task id → the last title set
    # Two PATCHes of one task in flight at once commit in an order their answers do not show
    # (visitors share accounts): a task is edited by one visitor at a time.
    editing: defaultdict[int, asyncio.Lock] = dataclasses.field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )
    own_tasks: dict[int, list[int]] = dataclasses.field(default_factory=dict)  # user id → task ids
    accounts: list[Account] = dataclasses.field(default_factory=list)

    def saw(self, kind: str, status: int, detail: str = "") -> None:
        self.requests[kind] += 1
        self.statuses[status] += 1
        if status >= 500:
            self.server_errors.append(f"{kind}: {status} {detail[:200]}")


class Visitor:
    def __init__(
        self,
        *,
        server: BenchServer,
        account: Account,
        others: list[Account],
        http: httpx.AsyncClient,
        ledger: Ledger,
        rng: random.Random,
        continue_on_disconnect: bool,
    ) -> None:
        self.server, self.account, self.others = server, account, others
        self.http, self.ledger, self.rng = http, ledger, rng
        self.target = client.Target("127.0.0.1", server.port, account.user_id, account.token)
        self.left_status = "complete" if continue_on_disconnect else "interrupted"
        self.can_cancel = continue_on_disconnect  # the cancel endpoint came with the broker

    async def visit(self, deadline: float, weights: dict[str, int]) -> None:
        """Act until the deadline, and at least once: however slow the machine, a seed's
        visitors begin with the same actions (a short run still covers the mix)."""
        actions = [name for name in weights if name != "cancel" or self.can_cancel]
        while True:
            action = self.rng.choices(actions, [weights[a] for a in actions])[0]
            try:
                await getattr(self, action)()
            except httpx.TransportError as exc:
                self.ledger.transport_errors.append(f"{action}: {type(exc).__name__}: {exc}")
            if time.monotonic() >= deadline:
                break

    def _record_stream(self, kind: str, times: client.StreamTimes, expected: str) -> None:
        self.ledger.saw(kind, times.status, times.error)
        if times.error and not times.start:
            self.ledger.transport_errors.append(f"{kind}: {times.error}")
        if times.start:  # accepted: the user's message is stored and a reply reserved
            self.ledger.runs[times.start["run_id"]] = (times.start["user_message_id"], expected)

    async def stream(self) -> None:
        times = await client.stream(self.target, f"benchmark {self.rng.randint(5, 30)}")
        self._record_stream("stream", times, "complete" if times.ok else "broken")

    async def add_task(self) -> None:
        title = f"load task {uuid.uuid4().hex[:10]}"
        times = await client.stream(self.target, f"add {title}")
        self._record_stream("add_task", times, "complete" if times.ok else "broken")
        if times.ok:
            self.ledger.added_titles.add(title)

    async def leave(self) -> None:
        texts = self.rng.randint(1, 10)
        times = await client.stream(self.target, "benchmark 60", leave_after_texts=texts)
        self._record_stream("leave_mid_stream", times, self.left_status)

    async def cancel(self) -> None:
        """Start a long reply, cancel its run after a few tokens, read the stream to its end.
        A 202 asks the run to stop: it ends `cancelled`, or `complete` with every token if it
        had already written its last one (counted apart, as `cancelled_after_the_end`)."""
        times = client.StreamTimes(sent=time.perf_counter())
        message = f"benchmark {CANCELLED_REPLY_TOKENS}"
        listening = asyncio.ensure_future(client.stream(self.target, message, times=times))
        for _ in range(500):  # bounded: 400 tokens take about 2 s
            if listening.done() or len(times.texts) >= 3:
                break
            await asyncio.sleep(0.01)
        expected = "complete"
        if not listening.done() and times.start:
            run_id = times.start["run_id"]
            url = f"/api/{self.account.user_id}/chat/runs/{run_id}/cancel"
            response = await self.http.post(url, headers=self.account.headers)
            self.ledger.saw("cancel", response.status_code, response.text)
            expected = "cancelled" if response.status_code == 202 else "complete"
        await listening
        self._record_stream("cancelled_stream", times, expected if times.status == 200 else "-")

    async def edit_task(self) -> None:
        base = f"/api/{self.account.user_id}/tasks/"
        tasks = self.ledger.own_tasks.setdefault(self.account.user_id, [])
        if not tasks or self.rng.random() < 0.3:
            response = await self.http.post(
                base,
                json={"title": f"edit me {uuid.uuid4().hex[:8]}"},
                headers=self.account.headers,
            )
            self.ledger.saw("task_create", response.status_code, response.text)
            if response.status_code == 201:
                tasks.append(response.json()["id"])
            return
        task_id = self.rng.choice(tasks)
        title = f"edited {uuid.uuid4().hex[:10]}"
        async with self.ledger.editing[task_id]:
            response = await self.http.patch(
                f"{base}{task_id}/", json={"title": title}, headers=self.account.headers
            )
            self.ledger.saw("task_edit", response.status_code, response.text)
            if response.status_code == 200:
                self.ledger.edited[task_id] = title

    async def read(self) -> None:
        base = f"/api/{self.account.user_id}/conversations/"
        response = await self.http.get(base, headers=self.account.headers)
        self.ledger.saw("conversation_list", response.status_code, response.text)
        conversations = response.json().get("results", []) if response.status_code == 200 else []
        if conversations:
            one = self.rng.choice(conversations)["id"]
            detail = await self.http.get(f"{base}{one}/", headers=self.account.headers)
            self.ledger.saw("conversation_read", detail.status_code, detail.text)

    async def bad_request(self) -> None:
        """Requests that must be refused with 4xx and store nothing."""
        me, other = self.account, self.rng.choice(self.others)
        chat, auth = f"/api/{me.user_id}/chat/stream", me.headers
        json_type, hi = {**auth, "Content-Type": "application/json"}, {"message": "hi"}
        elsewhere = {"message": "hi", "conversation_id": 10**12}
        kind, url, request = self.rng.choice(
            [  # (what is wrong, path, the request's body and headers)
                ("bad_json", chat, {"content": b"{not json", "headers": json_type}),
                ("empty_message", chat, {"json": {"message": "  "}, "headers": auth}),
                (
                    "other_users_path",
                    f"/api/{other.user_id}/chat/stream",
                    {"json": hi, "headers": auth},
                ),
                ("no_such_conversation", chat, {"json": elsewhere, "headers": auth}),
                ("no_token", chat, {"json": hi}),
                (
                    "empty_title",
                    f"/api/{me.user_id}/tasks/",
                    {"json": {"title": ""}, "headers": auth},
                ),
            ]
        )
        response = await self.http.post(url, **request)
        self.ledger.saw(f"bad:{kind}", response.status_code, response.text)
        if not 400 <= response.status_code < 500:
            self.ledger.server_errors.append(f"bad:{kind} answered {response.status_code}")


WEIGHTS = {
    "stream": 30,
    "add_task": 10,
    "leave": 10,
    "cancel": 5,
    "edit_task": 15,
    "read": 15,
    "bad_request": 10,
}
# The SQLite setup is about concurrent streams: mostly streams.
STREAM_HEAVY = WEIGHTS | {"stream": 60, "edit_task": 5, "read": 5, "bad_request": 5}


@dataclasses.dataclass(frozen=True)
class Setup:
    name: str
    database: str
    workers: int
    visitors: int
    weights: dict[str, int]
    redis: bool = False


SETUPS = {
    "postgres": Setup("PostgreSQL + Redis, 2 workers", "postgres", 2, 40, WEIGHTS, redis=True),
    "sqlite": Setup("SQLite, 1 worker, 50 concurrent streams", "sqlite", 1, 50, STREAM_HEAVY),
}


async def drive(server: BenchServer, setup: Setup, seconds: float, seed: int) -> Ledger:
    ledger = Ledger()
    accounts = [Account(*server.register_user()) for _ in range(ACCOUNTS)]
    continue_on_disconnect = continues_on_disconnect()
    limits = httpx.Limits(max_connections=setup.visitors * 2)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as http:
        visitors = []
        for index in range(setup.visitors):
            account = accounts[index % len(accounts)]
            visitors.append(
                Visitor(
                    server=server,
                    account=account,
                    others=[a for a in accounts if a != account],
                    http=http,
                    ledger=ledger,
                    rng=random.Random(seed + index),
                    continue_on_disconnect=continue_on_disconnect,
                )
            )
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(v.visit(deadline, setup.weights) for v in visitors))
    ledger.accounts = accounts
    return ledger


class Database:
    """Read-only SQL on the load run's database (DB-API: sqlite3 or psycopg)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgres")

    def rows(self, sql: str, params: list) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url) as connection:
                return connection.execute(sql, params).fetchall()
        with contextlib.closing(sqlite3.connect(urlsplit(self.url).path)) as connection:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()


def _in(values: list) -> str:
    return ", ".join(["%s"] * len(values)) or "NULL"


def check(database: Database, ledger: Ledger) -> dict:
    """Compare the database with what the clients saw."""
    owners = [account.user_id for account in ledger.accounts]
    conversations = f"SELECT id FROM chat_conversation WHERE owner_id IN ({_in(owners)})"
    deadline = time.monotonic() + SETTLE_S
    while True:  # runs whose client left may still be finishing
        (streaming,) = database.rows(
            f"SELECT COUNT(*) FROM chat_message WHERE status = 'streaming' "
            f"AND conversation_id IN ({conversations})",
            owners,
        )[0]
        if streaming == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    user_messages = {
        row[0]
        for row in database.rows(
            "SELECT id FROM chat_message WHERE role = 'user' "
            f"AND conversation_id IN ({conversations})",
            owners,
        )
    }
    rows = database.rows(
        f"SELECT run_id, status, content FROM chat_message WHERE role = 'assistant' "
        f"AND conversation_id IN ({conversations})",
        owners,
    )
    replies = {
        str(uuid.UUID(str(run_id))): (status, text) for run_id, status, text in rows if run_id
    }
    accepted = {message_id for message_id, _ in ledger.runs.values()}
    wrong, cancelled_too_late = [], 0
    for run_id, (_, expected) in ledger.runs.items():
        status, text = replies.get(run_id, (None, ""))
        if expected == "-" or status == expected:
            continue
        if expected == "cancelled" and status == "complete" and text == CANCELLED_REPLY_TEXT:
            cancelled_too_late += 1  # the run had written its last token when the cancel came
            continue
        wrong.append(f"run {run_id}: reply {status!r}, expected {expected!r}")
    titles = Counter(
        title
        for (title,) in database.rows(
            f"SELECT title FROM todos_task WHERE owner_id IN ({_in(owners)})", owners
        )
    )
    task_titles = dict(
        database.rows(
            f"SELECT id, title FROM todos_task WHERE id IN ({_in(list(ledger.edited))})",
            list(ledger.edited),
        )
    )
    return {
        "requests": sum(ledger.requests.values()),
        "by_kind": dict(sorted(ledger.requests.items())),
        "statuses": {str(status): n for status, n in sorted(ledger.statuses.items())},
        "5xx": len(ledger.server_errors),
        "transport_errors": len(ledger.transport_errors),
        "accepted_messages": len(accepted),
        "lost": len(accepted - user_messages),
        "extra_user_messages": len(user_messages - accepted),
        "stuck": streaming,
        "wrong_reply_status": len(wrong),
        "cancelled_after_the_end": cancelled_too_late,
        "tasks_added_twice_or_missing": sum(
            1 for title in ledger.added_titles if titles[title] != 1
        ),
        "edits_not_applied": sum(
            1 for task_id, title in ledger.edited.items() if task_titles.get(task_id) != title
        ),
        "examples": (ledger.server_errors + ledger.transport_errors + wrong)[:10],
    }


def passed(report: dict) -> bool:
    problems = (
        "5xx",
        "transport_errors",
        "lost",
        "extra_user_messages",
        "stuck",
        "wrong_reply_status",
        "tasks_added_twice_or_missing",
        "edits_not_applied",
    )
    return all(report[key] == 0 for key in problems) and report["accepted_messages"] > 0


def run_setup(
    setup: Setup, *, seconds: float, postgres_url: str, redis_url: str, seed: int
) -> dict:
    with BenchDatabase(setup.database, postgres_url) as database:
        env = {
            "DATABASE_URL": database.url,
            "REDIS_URL": redis_url if setup.redis else "",
            "OFFLINE_MODEL_FIRST_TOKEN_MS": str(FIRST_TOKEN_MS),
            "OFFLINE_MODEL_TOKEN_MS": str(TOKEN_MS),
        }
        with BenchServer(env=env, workers=setup.workers) as server:
            ledger = asyncio.run(drive(server, setup, seconds, seed))
            # Checked while the server still runs: runs whose client left finish meanwhile.
            report = check(Database(database.url), ledger)
    return {"setup": setup.name, "seconds": seconds, "visitors": setup.visitors} | report


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default="postgres,sqlite")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--visitors", type=int, default=0, help="instead of the setup's own")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    args = parser.parse_args(argv)
    reports = []
    for name in args.setups.split(","):
        setup = SETUPS[name]
        if args.visitors:
            setup = dataclasses.replace(setup, visitors=args.visitors)
        reports.append(
            run_setup(
                setup,
                seconds=args.seconds,
                postgres_url=args.postgres_url,
                redis_url=args.redis_url,
                seed=args.seed,
            )
        )
    print(json.dumps(reports, indent=2))
    return reports


if __name__ == "__main__":
    sys.exit(0 if all(passed(report) for report in main()) else 1)
