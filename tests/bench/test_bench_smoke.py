"""A smoke run of the benchmark (bench/stream_bench.py --smoke): a few streams against the real
server, every figure present and every stream complete. Timings are not checked here."""

import json

import pytest
from django.conf import settings

from bench import stream_bench

STREAM_SCENARIO_FIGURES = {
    "streams",
    "completed",
    "failed",
    "wrong_token_count",
    "events_per_s",
    "first_text_overhead_ms",
    "total_overhead_ms",
    "server_cpu_ms_per_run",
    "client_cpu_s",
    "peak_rss_mb",
}


def _database_under_test() -> tuple[str, str]:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        user, host, port = database["USER"], database["HOST"], database["PORT"] or 5432
        return "postgres", f"postgres://{user}@{host}:{port}/postgres"
    return "sqlite", ""


def assert_streams_all_complete(figures: dict) -> None:
    assert figures.keys() >= STREAM_SCENARIO_FIGURES
    assert figures["completed"] == figures["streams"] > 0
    assert figures["failed"] == 0 and figures["wrong_token_count"] == 0
    for overhead in ("first_text_overhead_ms", "total_overhead_ms"):
        assert all(figures[overhead][p] is not None for p in ("p50", "p95", "p99"))
    assert figures["server_cpu_ms_per_run"] > 0 and figures["peak_rss_mb"] > 0


@pytest.mark.database_under_test
def test_smoke_run_has_every_figure(tmp_path, redis_url):
    kind, postgres_url = _database_under_test()
    output = tmp_path / "bench.json"
    argv = ["--smoke", "--databases", kind, "--redis-url", redis_url, "--output", str(output)]
    if postgres_url:
        argv += ["--postgres-url", postgres_url]
    report = stream_bench.main(argv)

    assert json.loads(output.read_text()) == report
    assert report["commit"] and report["machine"] and report["client_cpu_s"] > 0
    one_worker, two_workers = report["setups"].values()

    single = one_worker["one_stream"]
    assert single["completed"] == single["repetitions"] == 2
    assert single["ttfb_ms"] > 0 and single["first_text_overhead_ms"] is not None
    assert set(single["per_event_overhead_ms"]) == {"p50", "p99"}
    assert single["total_overhead_ms"] is not None

    for scenario in ("burst_1", "burst_3", "open_loop_5_per_s"):
        assert_streams_all_complete(one_worker[scenario])
    for scenario in ("burst_4", "open_loop_5_per_s"):
        assert_streams_all_complete(two_workers[scenario])
    cost = one_worker["cost"]
    parts = {"fixed_ms_per_run", "marginal_us_per_text_event"}
    assert parts <= cost.keys()
    # The SDK floor's fit of the same bursts beside it (bench/floor.py), and what is ours.
    assert cost["floor"]["runs_per_burst"] == cost["runs_per_burst"] == 3
    assert cost["floor"]["cpu_ms_per_run"][0] > 0
    assert cost["ours"] == {name: pytest.approx(cost[name] - cost["floor"][name]) for name in parts}
    # Every scenario's floor: the same arrivals, one worker's share of them.
    for figures in (*one_worker.values(), *two_workers.values()):
        if "server_cpu_ms_per_run" not in figures:
            continue
        assert figures["floor_cpu_ms_per_run"] > 0
        # Each figure is rounded to 3 places on its own: the difference of the rounded ones
        # may differ from the rounded difference in the last place.
        assert figures["ours_cpu_ms_per_run"] == pytest.approx(
            figures["server_cpu_ms_per_run"] - figures["floor_cpu_ms_per_run"], abs=0.0015
        )

    history = report["turn_cost"][kind]
    assert list(history) == ["10", "100", "1000"]
    assert len({figures["queries"] for figures in history.values()}) == 1, (
        "queries per turn must not grow with history"
    )
    assert all(figures["wall_ms_p50"] > 0 for figures in history.values())
