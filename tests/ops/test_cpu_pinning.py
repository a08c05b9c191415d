"""Each worker on a CPU of its own (ops/cpu_pinning.py): slots claimed in turn, given back
when their worker ends; a real worker's threads all on its CPU, and left alone when off."""

import os
import re
import subprocess
import sys
import textwrap

import httpx
import pytest

from ops import cpu_pinning
from tests.waiting import wait_until


@pytest.fixture
def held_slots():
    """Slots claimed in this test process, let go of at its end."""
    held_before = list(cpu_pinning._held)
    yield
    for fd in cpu_pinning._held[len(held_before) :]:
        os.close(fd)
    cpu_pinning._held[:] = held_before


def test_slots_are_claimed_cpu_by_cpu_then_round_after_round(tmp_path, held_slots):
    claimed = [cpu_pinning.claim_cpu([2, 5], tmp_path) for _ in range(5)]
    assert claimed == [2, 5, 2, 5, 2]


def test_every_slot_taken_leaves_the_worker_unpinned(tmp_path, held_slots, monkeypatch):
    monkeypatch.setattr(cpu_pinning, "MAX_ROUNDS", 2)
    claimed = [cpu_pinning.claim_cpu([0, 1], tmp_path) for _ in range(5)]
    assert claimed == [0, 1, 0, 1, None]


def test_a_slot_is_free_again_once_its_process_ends(tmp_path, held_slots):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, pathlib
                from ops.cpu_pinning import claim_cpu
                print(claim_cpu([0, 1], pathlib.Path({str(tmp_path)!r})), flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    try:
        assert holder.stdout.readline().strip() == "0"
        assert cpu_pinning.claim_cpu([0, 1], tmp_path) == 1
    finally:
        holder.kill()  # SIGKILL: no cleanup of its own, the kernel lets go of the lock
        holder.wait()
    assert cpu_pinning.claim_cpu([0, 1], tmp_path) == 0


def thread_cpus(pid: int) -> list[set[int]]:
    return [os.sched_getaffinity(int(tid)) for tid in os.listdir(f"/proc/{pid}/task")]


def test_workers_run_every_thread_on_a_cpu_of_their_own_when_turned_on(uvicorn_workers, tmp_path):
    """uvicorn --workers 2, as deployed: each worker process has a thread of uvicorn's own
    before its startup pins it, and threads started later (the database threads). By default
    a worker is left to the scheduler."""
    allowed = os.sched_getaffinity(0)
    assert len(allowed) >= 2, "this test needs a machine with two CPUs, as CI's"
    pinning = {"TMPDIR": str(tmp_path), "WORKER_CPU_PINNING": "true"}
    (supervisor,) = uvicorn_workers(1, env=pinning, args=("--workers", "2"))
    (unpinned,) = uvicorn_workers(1, env={"TMPDIR": str(tmp_path)})
    wait_until(lambda: supervisor.output().count("pinned to CPU") == 2, message="not pinned")
    for _ in range(4):  # database threads, in one worker or both (ops/health.py)
        assert httpx.get(f"{supervisor.url}/readyz", timeout=30).status_code == 200
    assert httpx.get(f"{unpinned.url}/readyz", timeout=30).status_code == 200

    workers = [int(pid) for pid in re.findall(r"Worker pid (\d+) pinned", supervisor.output())]
    cpus = []
    for worker in workers:
        per_thread = thread_cpus(worker)
        assert len(per_thread) > 1 and all(len(cpu_set) == 1 for cpu_set in per_thread)
        assert len({frozenset(cpu_set) for cpu_set in per_thread}) == 1, per_thread
        cpus.append(per_thread[0])
    assert len(workers) == 2 and cpus[0] != cpus[1]
    assert all(cpu_set == allowed for cpu_set in thread_cpus(unpinned.process.pid))
    assert "pinned to CPU" not in unpinned.output()
