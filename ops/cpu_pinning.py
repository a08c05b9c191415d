"""Each worker process on one CPU of its own (WORKER_CPU_PINNING, off by default: for a host
whose CPUs are the workers', docs/OPERATIONS.md).

A worker's Python runs one thread at a time (the GIL), but it has several threads: the event
loop and the database threads (config/db_threads.py), which hand the GIL back and forth
many times a turn (SQLite and psycopg release it around every call). Left to the scheduler,
those threads sit on different cores, and each hand-over wakes another core and moves the
hot data across: on the 2-core benchmark machine a turn cost 6.4 ms of CPU that way and 3.0
ms with the process on one core (docs/PERFORMANCE.md, sixth round). Pinned, the hand-overs stay
on one core, and nothing is lost: the process could only ever run Python on one at a time.

Workers spread over the CPUs this process may use: each claims the first free slot, CPU by
CPU and then round after round (2 CPUs: the first worker gets CPU 0, the second CPU 1, a
third CPU 0 again), by holding an exclusive `flock` on the slot's file for its whole life;
the kernel lets go of it when the process ends, however it ends, and a restarted worker
takes the slot back.
"""

import contextlib
import fcntl
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MAX_ROUNDS = 64  # workers per CPU before a worker is left unpinned
_held: list[int] = []  # the claimed slot's file descriptor, kept open for the process's life


def slots_directory() -> Path:
    return Path(tempfile.gettempdir()) / f"taskstream-cpu-slots-{os.getuid()}"


def claim_cpu(cpus: list[int], directory: Path) -> int | None:
    """The CPU of the first free slot, claimed (held until the process ends): None if all of
    MAX_ROUNDS rounds are taken."""
    directory.mkdir(mode=0o700, exist_ok=True)
    for round_ in range(MAX_ROUNDS):
        for cpu in cpus:
            fd = os.open(directory / f"{round_}-{cpu}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if isinstance(exc, BlockingIOError):
                    continue  # another worker holds this slot
                raise
            _held.append(fd)
            return cpu
    return None


def pin_worker() -> int | None:
    """Pin this process (every thread it has, and so every thread it starts) to a CPU of its
    own: the CPU, or None when pinning is off, cannot be done here, or would gain nothing (one
    CPU)."""
    if not settings.WORKER_CPU_PINNING or not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    try:
        cpu = claim_cpu(cpus, slots_directory())
        if cpu is None:
            return None
        for thread_id in os.listdir("/proc/self/task"):
            # A thread's affinity is its own (Linux): set each one's, the caller's included.
            with contextlib.suppress(ProcessLookupError):  # a thread that has just ended
                os.sched_setaffinity(int(thread_id), {cpu})
    except OSError as exc:
        logger.warning("Worker left unpinned (WORKER_CPU_PINNING): %s", exc)
        return None
    logger.info("Worker pid %d pinned to CPU %d (WORKER_CPU_PINNING)", os.getpid(), cpu)
    return cpu
