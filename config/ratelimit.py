"""Rate limits: how many attempts a user or a client address may make per period.

A limit is `<count>/<sec|min|hour|day>` (`0` or empty: off; parsed by config.env). It admits at
most `count` attempts in ANY window of the period (a sliding-window log: the times of the
admitted attempts, the oldest dropped as they leave the window), not twice that across the edge
of a fixed window. With REDIS_URL the log is a sorted set in Redis, checked and updated by one
script (one round trip, atomic, shared by every worker); without, it lives in this process's
memory (the embedded default: one process), each key's times in a deque under a lock, so an
attempt costs the same whatever the limit (the oldest times leave from the front). A refused
attempt is not logged.

`CHAT_RATE_LIMIT` counts chat turns per user (chat/views.py); `AUTH_RATE_LIMIT` sign-in,
token, refresh and password attempts per client address, `REGISTER_RATE_LIMIT` registrations
per client address (accounts/).
"""

import bisect
import ipaddress
import itertools
import logging
import math
import threading
import time
import uuid
from collections import deque

import redis
from django.conf import settings
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from config.env import RateLimit
from ops import metrics
from transport.scripts import Script

logger = logging.getLogger("config.ratelimit")

KEY_PREFIX = "ratelimit"
RATE_LIMITED = "rate_limited"

# Lua, in pieces other scripts reuse (chat.runs.admission). KEYS[1]: the log; ARGV: now (s),
# period (s), count (0: no limit), a member for this attempt. A refusal returns
# {"rate_limited", seconds until the oldest logged attempt leaves the window}.
WINDOW_CHECK = """
local now, period, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if count > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
  if redis.call('ZCARD', KEYS[1]) >= count then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {'rate_limited', tostring(tonumber(oldest[2]) + period - now)}
  end
end
"""
WINDOW_RECORD = """
if count > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000))
end
"""
ADMITTED = "return {'ok', '0'}"
_WINDOW = Script(WINDOW_CHECK + WINDOW_RECORD + ADMITTED)


def window_args(limit: RateLimit | None, now: float) -> list:
    """The script arguments of a sliding window (ARGV[1..4])."""
    if limit is None:
        return [now, 0, 0, ""]
    return [now, limit.period_s, limit.count, f"{now}:{uuid.uuid4().hex[:8]}"]


def log_key(key: str, limit: RateLimit | None) -> str:
    return f"{KEY_PREFIX}:{key}:{limit.period_s if limit else 0}"


def _wait_in_redis(key: str, limit: RateLimit, now: float) -> float | None:
    verdict, waited = _WINDOW.call_blocking([key], window_args(limit, now))
    return None if verdict == b"ok" else float(waited)


class _LocalLogs:
    """The sliding-window logs of the embedded default: per key, the times of the admitted
    attempts, oldest first. Each attempt drops the times that left its key's window, so one
    costs the same at a limit of 10 as at 10 000 (a list in Django's cache was read and
    written whole at every attempt). Keys whose window emptied are forgotten every
    SWEEP_EVERY attempts; at most MAX_KEYS are kept (client addresses are many), the least
    recently used forgotten first, as Django's local-memory cache culled (at 300)."""

    SWEEP_EVERY = 1000
    MAX_KEYS = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # key → (period, times), the least recently used first
        self._logs: dict[str, tuple[int, deque[float]]] = {}
        self._attempts = 0

    def wait(self, key: str, limit: RateLimit, now: float) -> float | None:
        with self._lock:
            self._attempts += 1
            if self._attempts % self.SWEEP_EVERY == 0:
                self._sweep(now)
            log = self._logs.pop(key, None)
            if log is None:
                self._make_room(now)
                log = (limit.period_s, deque())
            self._logs[key] = log  # now the most recently used
            times = log[1]
            while times and times[0] <= now - limit.period_s:
                times.popleft()
            if len(times) >= limit.count:
                return times[0] + limit.period_s - now
            if times and now < times[-1]:  # a clock that went back: keep the log in order
                bisect.insort(times, now)
            else:
                times.append(now)
            return None

    def _sweep(self, now: float) -> None:
        stale = [
            key
            for key, (period, times) in self._logs.items()
            if not times or times[-1] <= now - period
        ]
        for key in stale:
            del self._logs[key]

    def _make_room(self, now: float) -> None:
        if len(self._logs) < self.MAX_KEYS:
            return
        self._sweep(now)
        excess = len(self._logs) - self.MAX_KEYS + 1
        for key in list(itertools.islice(self._logs, max(0, excess))):
            del self._logs[key]

    def forget(self) -> None:
        """Every count from zero (tests: this memory outlives a test)."""
        with self._lock:
            self._logs.clear()


_local_logs = _LocalLogs()
forget_local_attempts = _local_logs.forget


def clock() -> float:
    """Now, in seconds since the epoch (the tests freeze it)."""
    return time.time()


def hit(key: str, limit: RateLimit | None, *, now: float | None = None) -> int | None:
    """Count one attempt for `key`. None when admitted; else the seconds until one more
    would be (for Retry-After)."""
    if limit is None:
        return None
    now = clock() if now is None else now
    wait = _wait_in_redis if settings.REDIS_URL else _local_logs.wait
    try:
        waited = wait(log_key(key, limit), limit, now)
    except redis.RedisError:
        # The shared log (Redis) is away: let the attempt through rather than answer 500.
        logger.warning("rate limit %s not counted: Redis is unavailable", key, exc_info=True)
        return None
    return None if waited is None else max(1, math.ceil(waited))


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXY_IPS)


def client_address(request: HttpRequest) -> str:
    """The socket's peer; behind a proxy in TRUSTED_PROXY_IPS, the right-most address of
    X-Forwarded-For that is not a trusted proxy (what a client writes there itself is to the
    left of what our proxies append, so it is never picked)."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted(address):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage: keep the last address a trusted proxy vouched for
        address = hop
        if not _is_trusted(hop):
            break
    return address


def too_many_message(retry_after: int, what: str = "attempts") -> str:
    return f"Too many {what}. Try again in {retry_after} s."


def auth_attempt_retry_after(request: HttpRequest) -> int | None:
    """Count a sign-in, token or register attempt from this client (AUTH_RATE_LIMIT)."""
    retry_after = hit(f"auth:{client_address(request)}", settings.AUTH_RATE_LIMIT)
    if retry_after is not None:
        metrics.rate_limited("auth")
    return retry_after


def register_attempt_retry_after(request: HttpRequest) -> int | None:
    """Count a registration attempt from this client (REGISTER_RATE_LIMIT), on top of
    AUTH_RATE_LIMIT: accounts are free, so how many one address makes is bounded too."""
    retry_after = hit(f"register:{client_address(request)}", settings.REGISTER_RATE_LIMIT)
    if retry_after is not None:
        metrics.rate_limited("register")
    return retry_after


class RateLimited(exceptions.Throttled):
    default_code = RATE_LIMITED

    def __init__(self, wait: int) -> None:
        super().__init__(wait, detail=too_many_message(wait))


class AuthRateThrottle(BaseThrottle):
    """DRF throttle for the auth endpoints: each POST is an attempt; over the limit, 429 with
    Retry-After (DRF sets the header from `wait`)."""

    counts = staticmethod(auth_attempt_retry_after)

    def allow_request(self, request, view) -> bool:
        if request.method == "POST":
            retry_after = self.counts(request)
            if retry_after is not None:
                raise RateLimited(retry_after)
        return True


class RegisterRateThrottle(AuthRateThrottle):
    """The same for registrations, with REGISTER_RATE_LIMIT (after AuthRateThrottle)."""

    counts = staticmethod(register_attempt_retry_after)
