"""Follow a live stream from a background thread, the way a client does, and wait for what
it carries (deadlines are generous: the machine may be busy)."""

import json
import threading
import time
from dataclasses import dataclass

import httpx

from tests.waiting import DEADLINE_S


@dataclass
class LiveFrame:
    id: str | None
    event: dict | None  # None: an id-only frame (the resume point)

    @property
    def type(self) -> str | None:
        return self.event["type"] if self.event else None


class LiveListener:
    """GET <base>/api/<user_id>/events in a thread; `frames` grows as they arrive."""

    def __init__(
        self,
        base_url: str,
        user_id: int,
        headers: dict,
        *,
        after: str | None = None,
        after_in_query: bool = False,
    ):
        """`after`: the resume point, as Last-Event-ID (or `?after=`)."""
        self.url = f"{base_url}/api/{user_id}/events"
        self.headers = dict(headers)
        if after and after_in_query:
            self.url += f"?after={after}"
        elif after:
            self.headers["Last-Event-ID"] = after
        self.frames: list[LiveFrame] = []
        self.status: int | None = None
        self.body: dict | None = None
        self.ended = threading.Event()
        self.opened = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> "LiveListener":
        self._thread.start()
        assert self.opened.wait(DEADLINE_S), "the stream did not open"
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=DEADLINE_S)

    def _read(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(DEADLINE_S, read=None)) as client,
                client.stream("GET", self.url, headers=self.headers) as response,
            ):
                self.status = response.status_code
                if response.status_code != 200:
                    response.read()
                    self.body = response.json()
                    return
                frame_id, data = None, None
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("id: "):
                        frame_id = line[len("id: ") :]
                    elif line.startswith("data: "):
                        data = json.loads(line[len("data: ") :])
                    elif line == "" and (frame_id or data):
                        self.frames.append(LiveFrame(frame_id, data))
                        self.opened.set()
                        frame_id, data = None, None
        finally:
            self.opened.set()
            self.ended.set()

    @property
    def events(self) -> list[dict]:
        return [frame.event for frame in self.frames if frame.event is not None]

    @property
    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    @property
    def last_id(self) -> str:
        return self.frames[-1].id

    def wait_for(self, count: int, *, types: set[str] | None = None) -> list[dict]:
        """Until `count` events (of `types`, if given) arrived; those events."""
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            events = [e for e in self.events if types is None or e["type"] in types]
            if len(events) >= count or self.ended.is_set():
                return events
            time.sleep(0.01)
        return [e for e in self.events if types is None or e["type"] in types]

    def wait_until(self, predicate) -> bool:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.01)
        return False
