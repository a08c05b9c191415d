"""A lean HTTP/1.1 client for chat streams: raw asyncio streams, one connection per stream.

It parses only what the figures need: the status line, the chunked body, and each SSE frame's
`type` (read from the frame's first bytes; JSON is decoded only for terminal events), and
stamps each frame's arrival with `time.perf_counter()`. Its own CPU is reported beside the
server's, so a reader can tell whether the client held a figure back.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field

TEXT_PREFIX = b'data: {"type":"text"'
THINKING_PREFIX = b'data: {"type":"thinking"'
START_PREFIX = b'data: {"type":"start"'
TERMINAL_PREFIXES = (b'data: {"type":"done"', b'data: {"type":"error"')


@dataclass
class StreamTimes:
    """One stream as the client saw it; times are `perf_counter()` seconds."""

    sent: float
    status: int = 0
    first_byte: float | None = None
    thinking: float | None = None
    texts: list[float] = field(default_factory=list)
    ended: float | None = None
    terminal: str = ""  # "done", "error", or "" when the stream broke off
    start: dict = field(default_factory=dict)  # the `start` event (ids of the turn)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.terminal == "done"


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    user_id: int
    token: str

    def request(self, message: str, path_suffix: str = "/chat/stream") -> bytes:
        body = json.dumps({"message": message}).encode()
        head = (
            f"POST /api/{self.user_id}{path_suffix} HTTP/1.1\r\n"
            f"Host: {self.host}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Authorization: Bearer {self.token}\r\n"
            "Connection: close\r\n\r\n"
        )
        return head.encode() + body


def _classify(frame: bytes, now: float, times: StreamTimes) -> None:
    if frame.startswith(b"id:"):  # `id: <seq>` comes first (for Last-Event-ID)
        frame = frame[frame.find(b"\n") + 1 :]
    if frame.startswith(TEXT_PREFIX):
        times.texts.append(now)
    elif frame.startswith(THINKING_PREFIX):
        if times.thinking is None:
            times.thinking = now
    elif frame.startswith(START_PREFIX):
        times.start = json.loads(frame[6:])
    elif frame.startswith(TERMINAL_PREFIXES):
        times.ended = now
        times.terminal = json.loads(frame[6:])["type"]


async def _read_chunks(reader: asyncio.StreamReader, times: StreamTimes, leave_after: int) -> None:
    pending = b""
    while not leave_after or len(times.texts) < leave_after:
        size_line = await reader.readline()
        if not size_line:
            return
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            return
        chunk = await reader.readexactly(size + 2)
        now = time.perf_counter()
        if times.first_byte is None:
            times.first_byte = now
        pending += chunk[:-2]
        *frames, pending = pending.split(b"\n\n")
        for frame in frames:
            _classify(frame, now, times)


async def stream(
    target: Target, message: str, *, leave_after_texts: int = 0, times: StreamTimes | None = None
) -> StreamTimes:
    """One `POST …/chat/stream`; with `leave_after_texts`, hang up after that many texts.
    Pass `times` to watch the stream while it runs."""
    times = times or StreamTimes(sent=time.perf_counter())
    writer = None
    try:
        reader, writer = await asyncio.open_connection(target.host, target.port)
        writer.write(target.request(message))
        status_line = await reader.readline()
        times.status = int(status_line.split()[1])
        chunked = False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                chunked = True
        if times.status != 200 or not chunked:
            await reader.read()
            return times
        await _read_chunks(reader, times, leave_after_texts)
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
        times.error = f"{type(exc).__name__}: {exc}"
    finally:
        if writer is not None:
            writer.close()
    return times


async def burst(target: Target, message: str, streams: int) -> list[StreamTimes]:
    """`streams` streams started at once."""
    return await asyncio.gather(*(stream(target, message) for _ in range(streams)))


async def open_loop(
    target: Target, message: str, *, rate: float, seconds: float
) -> list[StreamTimes]:
    """New streams at a steady `rate` a second for `seconds`, each on its own schedule
    (open loop: a slow server does not slow the arrivals down)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    count = round(rate * seconds)
    tasks = []
    for index in range(count):
        delay = started + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(stream(target, message)))
    return await asyncio.gather(*tasks)
