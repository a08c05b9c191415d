"""bench/alternate.py: two versions of the server served at once, taking turns. A short run of
this tree against its own HEAD: every round has both sides' figures, the order swaps, and the
other version's checkout is gone afterwards. Timings are not checked here."""

import subprocess

from bench import alternate
from bench.servers import ROOT


def _worktrees() -> set[str]:
    listed = subprocess.run(
        ["git", "worktree", "list", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    )
    return {line for line in listed.stdout.splitlines() if line.startswith("worktree ")}


def test_two_versions_take_turns_and_the_checkout_goes(tmp_path):
    before = _worktrees()
    argv = ["--against", "HEAD", "--burst", "3", "--rounds", "3", "--workers", "1"]
    argv += ["--tokens", "5", "--first-token-ms", "5", "--token-ms", "2", "--pause", "0"]
    # B's model waits 300 ms for its first token, A's the 5 ms of the schedule.
    argv += ["--env", "OFFLINE_MODEL_FIRST_TOKEN_MS=300"]
    report = alternate.main([*argv, "--output", str(tmp_path / "alternate.json")])

    assert [r["order"] for r in report["rounds"]] == ["AB", "BA", "AB"]
    for done in report["rounds"]:
        for side in ("A", "B"):
            assert done[side]["failed"] == 0
            assert all(done[side][name] is not None for name in alternate.FIGURES)
        assert done["B"]["first_p50_ms"] >= 295 > done["A"]["first_p50_ms"]  # --env: B only
    for figure in report["summary"].values():
        assert figure["B_lower"] + figure["B_higher"] + figure["even"] == 3
    assert report["summary"]["failed"]["even"] == 3
    assert _worktrees() == before


def test_each_side_has_a_redis_database_of_its_own():
    assert alternate._redis_database("redis://127.0.0.1:6379/14", 12) == "redis://127.0.0.1:6379/12"
    assert alternate._redis_database("redis://127.0.0.1:6379", 13) == "redis://127.0.0.1:6379/13"
