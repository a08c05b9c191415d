"""The floor: what openai-agents itself costs for the benchmark's runs, with nothing of ours.

    .venv/bin/python -m bench.floor                       # 100 runs of benchmark 10 / 100, paced
    .venv/bin/python -m bench.floor --runs 200 --json     # the figures as JSON
    .venv/bin/python -m bench.floor --serve               # on demand: bench/stream_bench.py's

Exactly the SDK part of a chat turn: the product's agent (its tools, per-run instructions and
the offline model, paced as the benchmark's server is), `Runner.run_streamed` consumed to the
end, `runs` runs at once on uvloop in this one process — no HTTP, no database, no broker, no
event translation, no metrics; the process's heap set aside from the garbage collector once
warmed up, as a server's is at startup (ops.heap). CPU per burst is this process's CPU time
(`CLOCK_PROCESS_CPUTIME_ID`); as in the server's cost fit, bursts of `small` and `large` tokens
alternate three times, the least of each is kept, and a line is fit through them: CPU per run
= fixed + tokens * per text event. The server's figures minus these are what is ours;
bench/stream_bench.py has a `FloorProcess` run each of its scenarios' arrivals beside it.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

from bench.figures import cost_split
from bench.servers import ROOT

REPETITIONS = 3


def _setup_django(first_token_ms: float, token_ms: float) -> None:
    # The same model configuration as the benchmark's server; no database is ever opened.
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DOTENV_DISABLED": "1",
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
            "AGENT_MODEL": "offline",
            "OPENAI_API_KEY": "",
            "OPENAI_BASE_URL": "",
            "OFFLINE_MODEL_FIRST_TOKEN_MS": str(first_token_ms),
            "OFFLINE_MODEL_TOKEN_MS": str(token_ms),
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-floor-secret-key-not-for-production-0123456789")
    import django

    django.setup()


async def _one_run(message: str) -> int:
    """One run of the product's agent, consumed as the server consumes it; its text events."""
    from agents import Runner
    from django.conf import settings

    from chat.llm.agent import agent_for_run, run_config
    from chat.runs.sdk_events import TEXT_DELTA
    from todos.tools import TaskToolContext

    context = TaskToolContext(user=SimpleNamespace(pk=1))  # no tool is called: never read
    result = Runner.run_streamed(
        agent_for_run(),
        input=[{"role": "user", "content": message}],
        context=context,
        max_turns=settings.AGENT_MAX_TURNS,
        run_config=run_config(),
    )
    texts = 0
    async for event in result.stream_events():
        if getattr(getattr(event, "data", None), "type", None) == TEXT_DELTA:
            texts += 1
    return texts


def _check_counts(counts: list[int], tokens: int) -> None:
    if counts != [tokens] * len(counts):
        raise RuntimeError(f"expected {tokens} text events a run, got {sorted(set(counts))}")


async def _burst(runs: int, tokens: int) -> float:
    """CPU seconds of `runs` concurrent runs of `benchmark <tokens>`."""
    started = time.process_time()
    counts = await asyncio.gather(*(_one_run(f"benchmark {tokens}") for _ in range(runs)))
    spent = time.process_time() - started
    _check_counts(counts, tokens)
    return spent


async def _open_loop(rate: float, seconds: float, tokens: int) -> tuple[float, int]:
    """CPU seconds and count of new runs of `benchmark <tokens>` started `rate` a second for
    `seconds`, each on its own schedule, as the benchmark's client opens streams
    (bench/client.py)."""
    loop = asyncio.get_running_loop()
    started, started_cpu = loop.time(), time.process_time()
    runs = []
    for index in range(round(rate * seconds)):
        if (delay := started + index / rate - loop.time()) > 0:
            await asyncio.sleep(delay)
        runs.append(asyncio.ensure_future(_one_run(f"benchmark {tokens}")))
    counts = await asyncio.gather(*runs)
    spent = time.process_time() - started_cpu
    _check_counts(counts, tokens)
    return spent, len(counts)


async def _warm_up() -> None:
    from ops.heap import freeze_startup_heap, set_collection_thresholds

    await _burst(4, 5)  # imports, the agent, the SDK's caches
    freeze_startup_heap()  # as a server's startup does: the collector scans only what runs make
    set_collection_thresholds()  # and collects as often


async def measure(runs: int, small: int, large: int) -> dict:
    await _warm_up()
    cpu: dict[int, list[float]] = {small: [], large: []}
    for _ in range(REPETITIONS):
        for tokens in (small, large):
            cpu[tokens].append(await _burst(runs, tokens))
    return cost_split(min(cpu[small]), min(cpu[large]), runs, small, large)


def serve() -> None:
    """Floor scenarios on demand, one JSON line in, one out: `{"burst": [runs, tokens]}` or
    `{"open_loop": [rate, seconds, tokens]}` → `{"cpu_s": ..., "runs": ...}`. The process is
    warmed up and its heap frozen once, before it says `{"ready": true}`."""
    import uvloop

    loop = uvloop.new_event_loop()
    loop.run_until_complete(_warm_up())
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if "burst" in command:
            runs, tokens = command["burst"]
            cpu_s = loop.run_until_complete(_burst(runs, tokens))
        else:
            cpu_s, runs = loop.run_until_complete(_open_loop(*command["open_loop"]))
        print(json.dumps({"cpu_s": cpu_s, "runs": runs}), flush=True)


class FloorProcess:
    """`bench.floor --serve` in a process of its own, so that each of the server's scenarios
    gets its floor measured beside it (the same arrivals, moments apart): this machine's speed
    drifts by half within minutes, and a floor measured once, at the start, would put that
    drift into what is ours."""

    def __init__(self, first_token_ms: float, token_ms: float) -> None:
        self.command = [
            sys.executable,
            "-m",
            "bench.floor",
            "--serve",
            "--first-token-ms",
            str(first_token_ms),
            "--token-ms",
            str(token_ms),
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "FloorProcess":
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._answer()
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)

    def _ask(self, command: dict) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"bench.floor --serve ended (exit status {self.process.wait()})")
        return json.loads(line)

    def burst(self, runs: int, tokens: int) -> float:
        """CPU seconds of `runs` floor runs at once."""
        return self._ask({"burst": [runs, tokens]})["cpu_s"]

    def open_loop(self, rate: float, seconds: float, tokens: int) -> tuple[float, int]:
        """CPU seconds and runs of the floor's open loop."""
        answer = self._ask({"open_loop": [rate, seconds, tokens]})
        return answer["cpu_s"], answer["runs"]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="runs at once in each burst")
    parser.add_argument("--tokens", default="10,100", help="the two token counts of the fit")
    parser.add_argument("--first-token-ms", type=float, default=50)
    parser.add_argument("--token-ms", type=float, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--serve", action="store_true", help="scenarios on demand (FloorProcess)")
    args = parser.parse_args(argv)
    small, large = (int(n) for n in args.tokens.split(","))
    _setup_django(args.first_token_ms, args.token_ms)
    if args.serve:
        return serve()
    import uvloop

    figures = uvloop.run(measure(args.runs, small, large))
    figures["first_token_ms"], figures["token_ms"] = args.first_token_ms, args.token_ms
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"SDK floor ({args.runs} runs at once, {args.first_token_ms:g} + {args.token_ms:g} ms "
            f"pacing): fixed {figures['fixed_ms_per_run']} ms/run, "
            f"{figures['marginal_us_per_text_event']} µs/text event "
            f"(runs of {small} / {large} tokens: {figures['cpu_ms_per_run']} ms)"
        )
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
