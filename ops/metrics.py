"""Every Prometheus metric of Taskstream, and the small named functions that record them.

Callers never touch a metric object: `metrics.run_started()`, `metrics.tool_called(name)`, ...
Each is a counter or histogram update in memory (a few µs; in multiprocess mode a write into
this process's mmap file), cheap enough for the per-event path.

With `PROMETHEUS_MULTIPROC_DIR` set (read by prometheus-client at import), every worker
process writes its values into that directory and a scrape of any worker adds them all up,
so several uvicorn workers on one host report one consistent set. Without it, each process
reports its own values.
"""

import glob
import os
import re
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from chat.runs.events import EventType, RunEvent

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

_runs_started = Counter("taskstream_runs_started", "Chat runs started.")
_runs_finished = Counter(
    "taskstream_runs_finished", "Chat runs finished, by the reply's saved status.", ["status"]
)
# livesum: the sum over the worker processes that are alive now.
_runs_active = Gauge(
    "taskstream_runs_active", "Chat runs executing now.", multiprocess_mode="livesum"
)
_events_relayed = Counter(
    "taskstream_events_relayed", "Run events written to SSE clients (streams and resumes)."
)
_time_to_first_token = Histogram(
    "taskstream_time_to_first_token_seconds",
    "From the start of a run to its first text event.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
_run_duration = Histogram(
    "taskstream_run_duration_seconds",
    "From the start of a run to its saved outcome.",
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)
_model_errors = Counter(
    "taskstream_model_errors", "Runs ended by a model failure, by error code.", ["code"]
)
_tool_calls = Counter("taskstream_tool_calls", "Tool calls made by the agent, by tool.", ["tool"])
_rate_limited = Counter(
    "taskstream_rate_limited", "Requests refused by a rate limit, by scope.", ["scope"]
)
_reminders_delivered = Counter(
    "taskstream_reminders_delivered",
    "Reminders handed to a channel, by channel (page, email).",
    ["channel"],
)
_reminder_failures = Counter(
    "taskstream_reminder_failures",
    "Reminder deliveries that failed and wait for a retry (or were given up), by channel.",
    ["channel"],
)
_http_responses = Counter(
    "taskstream_http_responses", "HTTP responses, by status class (2xx, 4xx, 5xx).", ["class"]
)


# --- What the product records ------------------------------------------------------------------
def run_started() -> None:
    _runs_started.inc()
    _runs_active.inc()


def run_finished(status: str, duration_s: float, ttft_s: float | None) -> None:
    """A run's end: its saved status, how long it took, and its time to first token (None
    when it produced no text)."""
    _runs_active.dec()
    _runs_finished.labels(status=status).inc()
    _run_duration.observe(duration_s)
    if ttft_s is not None:
        _time_to_first_token.observe(ttft_s)


def events_relayed(count: int = 1) -> None:
    """`count` events written to a client: callers on the per-event path count a batch once."""
    _events_relayed.inc(count)


def model_error(code: str) -> None:
    _model_errors.labels(code=code).inc()


def tool_called(name: str) -> None:
    _tool_calls.labels(tool=name).inc()


def rate_limited(scope: str) -> None:
    _rate_limited.labels(scope=scope).inc()


def reminder_delivered(channel: str) -> None:
    _reminders_delivered.labels(channel=channel).inc()


def reminder_failed(channel: str) -> None:
    _reminder_failures.labels(channel=channel).inc()


def http_response(status: int) -> None:
    _http_responses.labels(**{"class": f"{status // 100}xx"}).inc()


class RunMeter:
    """One run's metrics, read from the events it publishes: `run_started` when made, then
    `saw(event)` for each event (a type comparison; a tool call or error adds a count), and
    `run_finished` with the status the terminal event names."""

    __slots__ = ("_first_text_s", "_started", "_status")

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._first_text_s: float | None = None
        self._status = "interrupted"  # no terminal event seen
        run_started()

    def saw(self, event: RunEvent) -> None:
        if event.type is EventType.TEXT:
            if self._first_text_s is None:
                self._first_text_s = time.monotonic() - self._started
        elif event.type is EventType.TOOL_CALL:
            tool_called(event.data["name"])
        elif event.type is EventType.DONE:
            self._status = event.data["status"]
        elif event.type is EventType.ERROR:
            code = event.data["code"]
            self._status = "interrupted" if code == "interrupted" else "error"
            if code != "interrupted":
                model_error(code)

    def finished(self) -> None:
        run_finished(self._status, time.monotonic() - self._started, self._first_text_s)


# --- Exposition -----------------------------------------------------------------------------------
def multiproc_dir() -> str:
    return os.environ.get(MULTIPROC_DIR_VARIABLE, "")


def render() -> bytes:
    """The Prometheus text format: every worker's values in multiprocess mode, else this
    process's. Reads one small file per worker and metric kind: call it off the event loop."""
    directory = multiproc_dir()
    if not directory:
        return generate_latest(REGISTRY)
    forget_dead_processes(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db$")


def forget_dead_processes(directory: str) -> None:
    """Drop the live gauges of worker processes that are gone (a SIGKILLed worker never says
    so), so `taskstream_runs_active` counts only runs that can still be running."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        match = _LIVE_GAUGE_FILE.search(path)
        if match and not _process_alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), directory)


def process_exiting() -> None:
    """This worker is exiting normally: its live gauges stop counting at once."""
    if multiproc_dir():
        multiprocess.mark_process_dead(os.getpid(), multiproc_dir())


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True
