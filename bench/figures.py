"""Overheads of streams measured against the offline model's fixed schedule.

With `benchmark <N>` at first F ms and T ms a token, text k is due F + k·T after the model call
starts, and the model's own time is F + (N - 1)·T. The client cannot see the model call start,
so:
- first-text overhead = arrival of the first `text` - the request's send time - F;
- per-event overhead of text k = its arrival - (arrival of `thinking` + F + k·T): `thinking`
  is emitted as the model call starts, so this is how much later than its due time text k
  arrived, beyond the delay `thinking` itself had;
- total overhead = arrival of the terminal event - send time - the model's own time.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from bench.client import StreamTimes


@dataclass(frozen=True)
class Schedule:
    tokens: int
    first_token_ms: float
    token_ms: float

    @property
    def message(self) -> str:
        return f"benchmark {self.tokens}"

    @property
    def model_ms(self) -> float:
        return self.first_token_ms + (self.tokens - 1) * self.token_ms


def percentiles(values: Iterable[float], *points: int) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {f"p{point}": None for point in points}
    last = len(ordered) - 1
    return {f"p{point}": round(ordered[round(last * point / 100)], 2) for point in points}


def first_text_overheads(streams: list[StreamTimes], schedule: Schedule) -> list[float]:
    return [(s.texts[0] - s.sent) * 1000 - schedule.first_token_ms for s in streams if s.texts]


def total_overheads(streams: list[StreamTimes], schedule: Schedule) -> list[float]:
    return [(s.ended - s.sent) * 1000 - schedule.model_ms for s in streams if s.ok]


def per_event_overheads(streams: list[StreamTimes], schedule: Schedule) -> list[float]:
    overheads = []
    for s in streams:
        if s.thinking is None:
            continue
        for k, arrived in enumerate(s.texts):
            due = s.thinking + (schedule.first_token_ms + k * schedule.token_ms) / 1000
            overheads.append((arrived - due) * 1000)
    return overheads


def stream_figures(streams: list[StreamTimes], schedule: Schedule, wall_s: float) -> dict:
    """Completed and failed streams, overhead percentiles and events per second."""
    good = [s for s in streams if s.ok]
    failures = [s.error or f"status {s.status}, ended {s.terminal or 'early'}" for s in streams]
    failures = [f for s, f in zip(streams, failures, strict=True) if not s.ok]
    return {
        "streams": len(streams),
        "completed": len(good),
        "failed": len(streams) - len(good),
        "failures": sorted(set(failures))[:5],
        "wrong_token_count": sum(1 for s in good if len(s.texts) != schedule.tokens),
        "wall_s": round(wall_s, 2),
        "events_per_s": round(sum(len(s.texts) for s in good) / wall_s) if wall_s else 0,
        "first_text_overhead_ms": percentiles(first_text_overheads(good, schedule), 50, 95, 99),
        "total_overhead_ms": percentiles(total_overheads(good, schedule), 50, 95, 99),
    }


def single_stream_figures(streams: list[StreamTimes], schedule: Schedule) -> dict:
    """One stream at a time: medians over the repetitions, per-event over all their texts."""
    good = [s for s in streams if s.ok]
    return {
        "repetitions": len(streams),
        "completed": len(good),
        "ttfb_ms": round(statistics.median((s.first_byte - s.sent) * 1000 for s in good), 2),
        "first_text_overhead_ms": round(statistics.median(first_text_overheads(good, schedule)), 2),
        "per_event_overhead_ms": percentiles(per_event_overheads(good, schedule), 50, 99),
        "total_overhead_ms": round(statistics.median(total_overheads(good, schedule)), 2),
    }


def cost_split(cpu_small: float, cpu_large: float, runs: int, small: int, large: int) -> dict:
    """Server CPU per run = fixed + tokens * marginal, fit through two bursts of `runs` runs
    with `small` and `large` text tokens each."""
    per_run_small, per_run_large = cpu_small / runs, cpu_large / runs
    marginal = (per_run_large - per_run_small) / (large - small)
    fixed = per_run_small - small * marginal
    return {
        "runs_per_burst": runs,
        "tokens": [small, large],
        "cpu_ms_per_run": [round(per_run_small * 1000, 3), round(per_run_large * 1000, 3)],
        "fixed_ms_per_run": round(fixed * 1000, 3),
        "marginal_us_per_text_event": round(marginal * 1e6, 2),
    }


def beside_floor(figures: dict, floor_cpu_s: float, floor_runs: int) -> None:
    """A scenario's server CPU a run beside the SDK floor's for the same arrivals, measured
    right after it (bench/floor.py's FloorProcess): `floor_cpu_ms_per_run` and what is ours,
    `ours_cpu_ms_per_run`."""
    floor_per_run = floor_cpu_s * 1000 / floor_runs
    figures["floor_cpu_ms_per_run"] = round(floor_per_run, 3)
    figures["ours_cpu_ms_per_run"] = round(figures["server_cpu_ms_per_run"] - floor_per_run, 3)


def cost_above_floor(server: dict, floor: dict) -> dict:
    """The server's cost fit with the floor's fit of the same bursts (`floor`) and what is
    ours above it (`ours`), fixed and per text event."""
    parts = ("fixed_ms_per_run", "marginal_us_per_text_event")
    ours = {name: round(server[name] - floor[name], 3) for name in parts}
    return server | {"floor": floor, "ours": ours}
