"""Two versions of the server taking turns: whether a change helped, on a machine whose speed
drifts.

This machine's speed moves within the hour (the SDK floor beside two whole plans run half an hour
apart: 16 and 23 µs a text event, docs/PERFORMANCE.md), so two benchmark runs made one after the
other compare the hours as much as the code. Here both versions are served at once, the same
setup each on a fresh database of its own: this tree (B) and `--against REF` (A, checked out in
a temporary git worktree, run with this tree's virtualenv). Each round runs the same scenario
against A and then B, the order swapped every other round, so a drift touches both alike.

    .venv/bin/python -m bench.alternate --against main --rate 50 --seconds 8 --rounds 8
    .venv/bin/python -m bench.alternate --against HEAD~1 --burst 200 --workers 1

After a round each uncounted (every path warm on both sides), per round and side: failures,
first-text overhead p50 / p99, total overhead p99, server CPU a reply; then the medians of each
side and in how many rounds B's figure was the lower. A claim rests on most rounds going one
way, not on one round.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import uvloop

from bench import client
from bench.figures import Schedule, stream_figures
from bench.servers import ROOT, BenchDatabase, BenchServer
from bench.stream_bench import SERVER_LOG, Meter, Setup, server_env

# What each round records of each side, and which way is better (all: lower).
FIGURES = ("failed", "first_p50_ms", "first_p99_ms", "total_p99_ms", "cpu_ms_per_reply")


@contextmanager
def checked_out(ref: str) -> Iterator[Path]:
    """`ref` in a temporary git worktree, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="taskstream-alternate-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--force", str(path), ref],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True
        )


def _side_figures(streams: list[client.StreamTimes], schedule: Schedule, meter: Meter) -> dict:
    figures = stream_figures(streams, schedule, meter.wall_s)
    return {
        "failed": figures["failed"],
        "first_p50_ms": figures["first_text_overhead_ms"]["p50"],
        "first_p99_ms": figures["first_text_overhead_ms"]["p99"],
        "total_p99_ms": figures["total_overhead_ms"]["p99"],
        "cpu_ms_per_reply": meter.figures(len(streams))["server_cpu_ms_per_run"],
    }


async def _scenario(target: client.Target, args: argparse.Namespace, schedule: Schedule):
    if args.burst:
        return await client.burst(target, schedule.message, args.burst)
    return await client.open_loop(target, schedule.message, rate=args.rate, seconds=args.seconds)


async def alternate(
    servers: dict[str, BenchServer], args: argparse.Namespace, schedule: Schedule
) -> list[dict]:
    """The rounds: each side's figures, A first in even rounds, B first in odd ones."""
    targets = {}
    for side, server in servers.items():
        user_id, token = server.register_user()
        targets[side] = client.Target("127.0.0.1", server.port, user_id, token)
    for side in servers:  # a round's worth first, uncounted: every path warm on both sides
        await _scenario(targets[side], args, schedule)
    rounds = []
    for number in range(args.rounds):
        order = ("A", "B") if number % 2 == 0 else ("B", "A")
        done = {"order": "".join(order)}
        for side in order:
            await asyncio.sleep(args.pause)  # the other side's last saves and collections
            with Meter(servers[side]) as meter:
                streams = await _scenario(targets[side], args, schedule)
            done[side] = _side_figures(streams, schedule, meter)
        rounds.append(done)
        print(_round_line(number, done), flush=True)
    return rounds


def _round_line(number: int, done: dict) -> str:
    cells = "  ".join(f"{name} {done['A'][name]} / {done['B'][name]}" for name in FIGURES)
    return f"round {number + 1} ({done['order']} first), A / B: {cells}"


def summary(rounds: list[dict]) -> dict:
    """Per figure: each side's median over the rounds, and the rounds where B was lower,
    higher, or even."""
    out = {}
    for name in FIGURES:
        pairs = [(r["A"][name], r["B"][name]) for r in rounds]
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
        out[name] = {
            "A_median": round(statistics.median(a for a, _ in pairs), 2) if pairs else None,
            "B_median": round(statistics.median(b for _, b in pairs), 2) if pairs else None,
            "B_lower": sum(1 for a, b in pairs if b < a),
            "B_higher": sum(1 for a, b in pairs if b > a),
            "even": sum(1 for a, b in pairs if b == a),
        }
    return out


def _redis_database(url: str, number: int) -> str:
    """`url` on Redis database `number`: each side has its own keys."""
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{number}"


def run(args: argparse.Namespace) -> dict:
    schedule = Schedule(args.tokens, args.first_token_ms, args.token_ms)
    redis = args.database == "postgres" and not args.no_redis
    setup = Setup(f"{args.database}, {args.workers} worker(s)", args.database, args.workers, redis)
    SERVER_LOG.write_bytes(b"")
    with ExitStack() as stack:
        roots = {"A": stack.enter_context(checked_out(args.against)), "B": ROOT}
        servers = {}
        for number, (side, root) in enumerate(roots.items()):
            database = stack.enter_context(
                BenchDatabase(args.database, args.postgres_url, root=root)
            )
            env = server_env(
                setup, database, schedule, _redis_database(args.redis_url, 12 + number)
            ) | dict(args.env if side == "B" else [])
            servers[side] = stack.enter_context(
                BenchServer(env=env, workers=args.workers, output=SERVER_LOG, root=root)
            )
        rounds = uvloop.run(alternate(servers, args, schedule))
    return {
        "against": args.against,
        "scenario": f"burst of {args.burst}"
        if args.burst
        else f"open loop {args.rate:g}/s for {args.seconds:g} s",
        "setup": setup.name + (" + Redis" if redis else ""),
        "message": schedule.message,
        "rounds": rounds,
        "summary": summary(rounds),
    }


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, help="the commit (any git ref) served as A")
    scenario = parser.add_mutually_exclusive_group()
    scenario.add_argument("--burst", type=int, default=0, help="N streams at once a round")
    scenario.add_argument("--rate", type=float, default=50.0, help="open loop: streams a second")
    parser.add_argument("--seconds", type=float, default=8.0, help="open loop: its length")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds before each side's turn")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--no-redis", action="store_true", help="PostgreSQL with the local broker")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=2)
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--first-token-ms", type=float, default=50.0)
    parser.add_argument("--token-ms", type=float, default=20.0)
    parser.add_argument(
        "--env", type=_setting, action="append", default=[], help="NAME=VALUE for B only"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "last-alternate.json"))
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # servers stopped, worktree gone
    report = run(args)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{report['setup']}, {report['scenario']}, {report['message']}; A = {args.against}")
    for name, figure in report["summary"].items():
        print(
            f"{name:<18} median A {figure['A_median']} / B {figure['B_median']}; B lower in "
            f"{figure['B_lower']} of {len(report['rounds'])} ({figure['even']} even)"
        )
    return report


if __name__ == "__main__":
    main()
