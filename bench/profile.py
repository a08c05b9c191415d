"""Sample the server with py-spy under a burst of streams, and print where its CPU goes.

    .venv/bin/python -m bench.profile                 # 200 streams of `benchmark 100`, SQLite
    .venv/bin/python -m bench.profile --streams 400 --top 30 --output /tmp/server.txt

One uvicorn worker on a fresh SQLite database; py-spy records every thread (idle samples
dropped) while the burst runs. The summary lists the frames with the largest share of the
samples (inclusive: the frame or anything it called) and the functions where the samples
themselves landed (self), as fractions of all non-idle samples.
"""

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from bench import client
from bench.servers import BenchDatabase, BenchServer
from bench.stream_bench import SCHEDULE


def _frame_name(frame: str) -> str:
    """py-spy's `function (path/to/file.py:line)` without the line, with a short path."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3.11/", "/wt/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def summarize(collapsed: str, top: int) -> str:
    """Inclusive and self shares of each frame in py-spy's collapsed ("raw") output."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        frames = [_frame_name(frame) for frame in stack.split(";")]
        total += samples
        for frame in set(frames):
            inclusive[frame] += samples
        if frames:
            own[frames[-1]] += samples
    lines = [f"{total} samples (idle excluded)", "", "inclusive:"]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def _spy(pid: int, output: Path) -> subprocess.Popen:
    """py-spy sampling only the thread holding the GIL: where the CPU goes, not who waits."""
    command = ["record", "--pid", str(pid), "--gil", "--function", "--rate", "250"]
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            *command,
            "--format",
            "raw",
            "-o",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--output", default="", help="also write the summary here")
    args = parser.parse_args()
    raw = Path(tempfile.mkdtemp(prefix="taskstream-profile-")) / "server.collapsed"
    env = {
        "OFFLINE_MODEL_FIRST_TOKEN_MS": str(SCHEDULE.first_token_ms),
        "OFFLINE_MODEL_TOKEN_MS": str(SCHEDULE.token_ms),
    }
    with (
        BenchDatabase("sqlite") as database,
        BenchServer(env=env | {"DATABASE_URL": database.url}) as server,
    ):
        user_id, token = server.register_user()
        target = client.Target("127.0.0.1", server.port, user_id, token)
        uvloop.run(client.burst(target, "benchmark 5", 4))  # warm up
        spy = _spy(server.process.pid, raw)
        time.sleep(1)  # py-spy attaches
        try:
            uvloop.run(client.burst(target, SCHEDULE.message, args.streams))
        finally:
            spy.send_signal(2)  # SIGINT: py-spy writes what it has and exits
            spy.wait(timeout=30)
    summary = summarize(raw.read_text(), args.top)
    print(summary)
    if args.output:
        Path(args.output).write_text(summary + "\n")


if __name__ == "__main__":
    main()
