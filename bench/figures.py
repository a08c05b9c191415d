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


def ours_above_floor(setup_figures: dict, floor: dict, tokens: int) -> None:
    """Beside each server CPU figure of a setup, what is ours: the figure minus the SDK floor
    (bench/floor.py) for the same runs. A cost fit gets `ours` (fixed and per text event);
    a scenario of `benchmark <tokens>` streams gets `floor_cpu_ms_per_run` and
    `ours_cpu_ms_per_run`."""
    floor_per_run = floor["fixed_ms_per_run"] + tokens * floor["marginal_us_per_text_event"] / 1000
    for scenario, figures in setup_figures.items():
        if scenario == "cost":
            figures["ours"] = {
                name: round(figures[name] - floor[name], 3)
                for name in ("fixed_ms_per_run", "marginal_us_per_text_event")
            }
        elif figures.get("server_cpu_ms_per_run") is not None:
            figures["floor_cpu_ms_per_run"] = round(floor_per_run, 3)
            figures["ours_cpu_ms_per_run"] = round(
                figures["server_cpu_ms_per_run"] - floor_per_run, 3
            )
