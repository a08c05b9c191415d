"""Read our SSE stream the way a client does, with a real SSE client library (httpx-sse)."""

import json
import threading
from dataclasses import dataclass, field

import httpx
from httpx_sse import connect_sse

from tests.waiting import DEADLINE_S


@dataclass
class StreamResult:
    status_code: int
    headers: httpx.Headers
    events: list[dict] = field(default_factory=list)
    body: dict | None = None  # the JSON error, for non-200 answers

    def of_type(self, event_type: str) -> list[dict]:
        return [event for event in self.events if event["type"] == event_type]

    @property
    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    @property
    def text(self) -> str:
        return "".join(event["content"] for event in self.of_type("text"))


def stream_chat(
    base_url: str, user_id: int, payload: dict, headers: dict, timeout: float = DEADLINE_S
) -> StreamResult:
    url = f"{base_url}/api/{user_id}/chat/stream"
    with (
        httpx.Client(timeout=timeout) as client,
        connect_sse(client, "POST", url, json=payload, headers=headers) as source,
    ):
        response = source.response
        if response.status_code != 200:
            response.read()
            return StreamResult(response.status_code, response.headers, body=response.json())
        result = StreamResult(response.status_code, response.headers)
        for sse in source.iter_sse():
            assert sse.event == "message", "the stream sends data-only frames"
            result.events.append(json.loads(sse.data))
        return result


@dataclass
class Frame:
    id: str | None
    event: dict


def _frames(lines) -> "list[Frame]":
    frames, frame_id = [], None
    for line in lines:
        if line.startswith("id: "):
            frame_id = line[len("id: ") :]
        elif line.startswith("data: "):
            frames.append(Frame(frame_id, json.loads(line[len("data: ") :])))
            frame_id = None
    return frames


def read_events(
    base_url: str,
    path: str,
    headers: dict,
    *,
    method: str = "GET",
    payload: dict | None = None,
    stop_after: int | None = None,
    timeout: float = DEADLINE_S,
    connected: threading.Event | None = None,
) -> tuple[int, list[Frame], dict | None]:
    """Read an event stream's frames (all of them, or the first `stop_after`, then hang up).
    Returns the status, the frames, and the JSON body of a non-200 answer. `connected` is set
    once the stream's first frame has arrived (a listener in another thread is then live)."""
    with (
        httpx.Client(timeout=timeout) as client,
        client.stream(method, f"{base_url}{path}", json=payload, headers=headers) as response,
    ):
        if response.status_code != 200:
            response.read()
            return response.status_code, [], response.json()
        lines = []
        frames: list[Frame] = []
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("data: "):
                frames = _frames(lines)
                if connected is not None:
                    connected.set()
                if stop_after is not None and len(frames) >= stop_after:
                    break
        return response.status_code, _frames(lines), None
