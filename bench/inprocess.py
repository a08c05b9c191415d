"""Chat turns through the ASGI application in this process: the server's own work, counted.

    .venv/bin/python -m bench.inprocess                  # calls per turn and per text event
    .venv/bin/python -m bench.inprocess --profile 100    # cProfile of bursts of 100 paced turns

The client is a pair of ASGI callables (`receive` hands over the body, `send` keeps the
chunks), so whatever runs on the event loop is the server's. `count_turn_calls` counts the
Python function calls (`sys.setprofile`: every Python and C call on the event loop's thread)
of one streamed `benchmark <N>` turn, with the offline model paced by the stream itself: each
text delta waits until the previous event was written to the client (`WritePacing`), so every
event takes the whole path alone — one event, one write — whatever the machine's load. The
counts are exact: tests/bench/test_hot_path_budget.py holds them to budgets.
"""

import asyncio
import collections
import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

R = TypeVar("R")

# Where a call's code lives, by the first path fragment found in its file name.
PARTS = (
    ("openai-agents", "/agents/"),
    ("openai/pydantic", "/openai/"),
    ("openai/pydantic", "/pydantic"),
    ("django", "/django/"),
    ("asyncio", "/asyncio/"),
    ("offline model", "/chat/llm/offline/"),
    ("ours", "/chat/"),
    ("ours", "/config/"),
    ("ours", "/accounts/"),
    ("ours", "/ops/"),
    ("ours", "/todos/"),
    ("the client and pacing", "/bench/"),
)


def _part(filename: str) -> str:
    for part, fragment in PARTS:
        if fragment in filename:
            return part
    return "other"


@dataclass
class CallCount:
    """Calls on this thread while active, by the part of the code they entered."""

    total: int = 0
    parts: collections.Counter = field(default_factory=collections.Counter)
    functions: collections.Counter = field(default_factory=collections.Counter)
    database: "CallCount | None" = None  # the same, on the database threads (see below)

    def __call__(self, frame, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            self.total += 1
            self.parts[_part(code.co_filename)] += 1
            self.functions[f"{code.co_qualname} ({_short(code.co_filename)})"] += 1
        elif event == "c_call":
            self.total += 1
            # A C function counts with the code that called it.
            self.parts[_part(frame.f_code.co_filename)] += 1
            self.functions[f"{getattr(arg, '__qualname__', arg)} (C)"] += 1


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.relpath(filename)


class WritePacing:
    """Stands in for the `asyncio` module inside chat.llm.offline.model: its `sleep` (the pause
    before each text delta) returns once the stream wrote its next chunk, so the model never
    runs ahead of the relay and every event is relayed alone, in a fixed order."""

    def __init__(self) -> None:
        self._written: asyncio.Event | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    def wrote(self) -> None:
        if self._written is not None:
            self._written.set()

    async def sleep(self, seconds: float) -> None:
        self._written = self._written or asyncio.Event()
        self._written.clear()
        await self._written.wait()


@dataclass
class Stream:
    status: int = 0
    headers: list = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)

    @property
    def events(self) -> list[dict]:
        body = b"".join(self.chunks).decode()
        return [json.loads(line[6:]) for line in body.split("\n") if line.startswith("data: ")]


def _scope(path: str, token: str, body: bytes) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def post_stream(
    app: Callable,
    user_id: int,
    token: str,
    message: str,
    on_write: Callable[[], None] | None = None,
    conversation_id: int | None = None,
    taking: Callable[[bytes], Awaitable[None]] | None = None,
) -> Stream:
    """`POST /api/<user_id>/chat/stream {"message": message}` to `app`, read to the end.
    `taking(chunk)`, when given, is awaited before each body chunk is taken: a client whose
    socket is full makes the server's `send` wait so."""
    body = json.dumps({"message": message, "conversation_id": conversation_id}).encode()
    stream, finished = Stream(), asyncio.Event()
    delivered = False

    async def receive() -> dict:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            stream.status, stream.headers = message["status"], message["headers"]
            return
        if taking is not None:
            await taking(message.get("body", b""))
        stream.chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            finished.set()
        elif on_write is not None:
            on_write()

    await app(_scope(f"/api/{user_id}/chat/stream", token, body), receive, send)
    return stream


@contextlib.contextmanager
def counting_database_calls(counter: CallCount) -> Iterator[None]:
    """Count, into `counter`, the calls of every database-thread job (config/db_threads.py)
    while active: one turn's jobs run one at a time, so one counter serves every thread."""
    from config import db_threads

    call_then_check = db_threads._call_then_check

    def counted(func, *args, **kwargs):
        sys.setprofile(counter)
        try:
            return call_then_check(func, *args, **kwargs)
        finally:
            sys.setprofile(None)

    db_threads._call_then_check = counted
    try:
        yield
    finally:
        db_threads._call_then_check = call_then_check


async def count_turn_calls(app: Callable, user_id: int, token: str, tokens: int) -> CallCount:
    """The calls of one streamed `benchmark <tokens>` turn under `WritePacing` (installed by
    the caller), from the request to its last byte: on the event loop, and (`database`) on
    the database threads."""
    from chat.llm.offline import model as offline_model

    pacing = offline_model.asyncio
    counter = CallCount(database=CallCount())
    sys.setprofile(counter)
    try:
        with counting_database_calls(counter.database):
            async with asyncio.timeout(120):  # a stream that stopped writing fails loudly
                stream = await post_stream(app, user_id, token, f"benchmark {tokens}", pacing.wrote)
    finally:
        sys.setprofile(None)
    texts = sum(1 for event in stream.events if event["type"] == "text")
    if stream.status != 200 or texts != tokens or stream.events[-1]["type"] != "done":
        raise RuntimeError(f"turn failed: {stream.status}, {stream.events[-1:]}")
    if len(stream.chunks) < tokens:
        raise RuntimeError(f"events were batched: {len(stream.chunks)} writes for {tokens} texts")
    return counter


# Turns counted per size; the least count is kept, on the loop and on the database threads
# apart. Work the process does now and then, not per turn (a sweep of the in-process live log
# every 1000 appends, a cache's cull, a lazy first use), lands in one count and would make a
# count depend on what ran before in this process (tests/bench/test_hot_path_budget.py once
# counted 8935 calls a turn against 8300 so). Work every turn does is in every count.
SAMPLES = 3


def _least(samples: list[CallCount]) -> CallCount:
    least = min(samples, key=lambda sample: sample.total)
    least.database = min((sample.database for sample in samples), key=lambda db: db.total)
    return least


async def least_turn_calls(app: Callable, user_id: int, token: str, tokens: int) -> CallCount:
    """The least of SAMPLES counts of a `benchmark <tokens>` turn, the garbage collector off
    during each (no finalizer runs in the middle of a count)."""
    samples = []
    for _ in range(SAMPLES):
        gc.collect()
        gc.disable()
        try:
            samples.append(await count_turn_calls(app, user_id, token, tokens))
        finally:
            gc.enable()
    return _least(samples)


async def turn_call_figures(app: Callable, user_id: int, token: str) -> dict:
    """Calls per turn (fixed) and per text event, fit through turns of 10 and 100 tokens."""
    await count_turn_calls(app, user_id, token, 10)  # warm up: imports, caches, connections
    small = await least_turn_calls(app, user_id, token, 10)
    large = await least_turn_calls(app, user_id, token, 100)
    per_event = (large.total - small.total) / 90
    parts = {
        part: round((large.parts[part] - small.parts[part]) / 90, 1)
        for part in sorted(set(large.parts) | set(small.parts))
    }
    growth = large.functions.copy()
    growth.subtract(small.functions)
    return {
        "database_calls_per_turn": small.database.total,
        "calls_per_turn_fixed": round(small.total - 10 * per_event),
        "calls_per_text_event": round(per_event, 1),
        "calls_per_text_event_by_part": parts,
        "functions_per_text_event": {
            name: round(count / 90, 2) for name, count in growth.most_common(40) if count >= 90
        },
        "database_functions_per_turn": dict(small.database.functions.most_common(15)),
    }


def serve(main: Callable[[], Coroutine[Any, Any, R]]) -> R:
    """`main()` on uvloop in a thread of its own, as a server's event loop: one holding no
    database connection (the chat handler's request signals run on it, config/handlers.py)."""
    import concurrent.futures

    import uvloop

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(uvloop.run, main()).result()


def _setup() -> tuple[int, str]:
    """A fresh SQLite database, migrated, with one user; its id and an access token."""
    import tempfile

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DOTENV_DISABLED": "1",
            "LOG_LEVEL": "ERROR",
            "CHAT_RATE_LIMIT": "100000/min",
            "CHAT_MAX_ACTIVE_RUNS_PER_USER": "100000",  # --profile: one user's bursts
            "AGENT_MODEL": "offline",
            "OPENAI_API_KEY": "",
            "OPENAI_BASE_URL": "",
            "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp(prefix='taskstream-inprocess-')}/db",
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-inprocess-secret-key-not-for-production-012345")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from accounts.tokens import RefreshToken

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user(username="bench", password="bench-pw-12345")
    return user.pk, str(RefreshToken.for_user(user).access_token)


async def _profiled_bursts(app: Callable, user_id: int, token: str, streams: int) -> str:
    """cProfile (event loop thread) of bursts of `streams` paced turns of 10 and 100 tokens:
    the top functions of the large one, and the event loop's own time per text event by part
    of the code (the difference of the two bursts; cProfile's overhead included)."""
    import cProfile
    import io
    import pstats

    await asyncio.gather(*(post_stream(app, user_id, token, "benchmark 5") for _ in range(4)))
    parts: dict[int, collections.Counter] = {}
    for tokens in (10, 100):
        profile = cProfile.Profile(time.thread_time)  # CPU time: preemption is not counted
        profile.enable()
        results = await asyncio.gather(
            *(post_stream(app, user_id, token, f"benchmark {tokens}") for _ in range(streams))
        )
        profile.disable()
        assert all(result.status == 200 for result in results)
        stats = pstats.Stats(profile, stream=io.StringIO())
        parts[tokens] = collections.Counter()
        for (filename, _, _), (_, _, own_s, _, callers) in stats.stats.items():
            if filename != "~":
                parts[tokens][_part(filename)] += own_s
                continue
            for (caller_file, _, _), edge in callers.items():  # a C function: by its callers
                parts[tokens][_part(caller_file)] += edge[2]
    per_event = {
        part: (parts[100][part] - parts[10][part]) * 1e6 / (90 * streams) for part in parts[100]
    }
    lines = [f"event loop CPU per text event by part (µs, under cProfile), {streams} at once:"]
    lines += [f"{us:8.1f}  {part}" for part, us in sorted(per_event.items(), key=lambda i: -i[1])]
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("tottime").print_stats(40)
    return "\n".join(lines) + "\n" + out.getvalue()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", type=int, default=0, help="cProfile a burst of N turns")
    args = parser.parse_args(argv)
    os.environ["OFFLINE_MODEL_FIRST_TOKEN_MS"] = "50" if args.profile else "1000"
    os.environ["OFFLINE_MODEL_TOKEN_MS"] = "20" if args.profile else "1000"
    user_id, token = _setup()
    from chat.llm.offline import model as offline_model
    from config.asgi import application

    if args.profile:
        print(serve(lambda: _profiled_bursts(application, user_id, token, args.profile)))
        return
    offline_model.asyncio = WritePacing()
    print(json.dumps(serve(lambda: turn_call_figures(application, user_id, token)), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
