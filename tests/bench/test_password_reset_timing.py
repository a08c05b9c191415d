"""A smoke run of bench/password_reset_timing.py: it verifies an address through its real
link on a real server and times both kinds of request. Its figures are not checked here."""

from bench import password_reset_timing


def test_the_timing_bench_runs_and_the_bodies_are_identical():
    figures = password_reset_timing.measure("sqlite", "", requests=2)
    assert figures["identical_bodies"] is True
    assert figures["requests_each"] == 2
    for name in ("known_p50_ms", "unknown_p50_ms", "p50_difference_ms"):
        assert figures[name] >= 0
