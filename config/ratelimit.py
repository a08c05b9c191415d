"""Rate limits: how many attempts a user or a client address may make per period.

A limit is `<count>/<sec|min|hour>` (`0` or empty: off; parsed by config.env). Attempts are
counted in Django's cache, in fixed windows aligned to the clock, with an atomic `add` +
`incr` (never read-modify-write): with REDIS_URL every worker shares the same counters.

`CHAT_RATE_LIMIT` counts chat turns per user (chat/views.py); `AUTH_RATE_LIMIT` counts
sign-in, token, refresh and register attempts per client address (accounts/).
"""

import ipaddress
import logging
import math
import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from config.env import RateLimit
from config.errors import error_response
from ops import metrics

logger = logging.getLogger("config.ratelimit")

KEY_PREFIX = "ratelimit"
RATE_LIMITED = "rate_limited"


def hit(key: str, limit: RateLimit | None) -> int | None:
    """Count one attempt for `key`. None when allowed; else the seconds until the window
    ends (for Retry-After)."""
    if limit is None:
        return None
    now = time.time()
    window = int(now // limit.period_s)
    cache_key = f"{KEY_PREFIX}:{key}:{limit.period_s}:{window}"
    try:
        count = _count(cache_key, limit)
    except Exception:
        # The shared cache (Redis) is away: let the attempt through rather than answer 500.
        logger.warning("rate limit %s not counted: the cache is unavailable", key, exc_info=True)
        return None
    if count <= limit.count:
        return None
    return max(1, math.ceil((window + 1) * limit.period_s - now))


def _count(cache_key: str, limit: RateLimit) -> int:
    # The counter outlives its window, so it cannot expire between add and incr.
    cache.add(cache_key, 0, timeout=limit.period_s + 1)
    try:
        return cache.incr(cache_key)
    except ValueError:  # culled meanwhile (a full local-memory cache evicts keys): count anew
        cache.add(cache_key, 1, timeout=limit.period_s + 1)
        return 1


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


def chat_turn_refusal(user: AbstractBaseUser) -> JsonResponse | None:
    """Count a chat turn for `user` (CHAT_RATE_LIMIT): a 429 to return, or None to go on."""
    retry_after = hit(f"chat:{user.pk}", settings.CHAT_RATE_LIMIT)
    if retry_after is None:
        return None
    metrics.rate_limited("chat")
    response = error_response(429, too_many_message(retry_after, "messages"), RATE_LIMITED)
    response["Retry-After"] = str(retry_after)
    return response


def auth_attempt_retry_after(request: HttpRequest) -> int | None:
    """Count a sign-in, token or register attempt from this client (AUTH_RATE_LIMIT)."""
    retry_after = hit(f"auth:{client_address(request)}", settings.AUTH_RATE_LIMIT)
    if retry_after is not None:
        metrics.rate_limited("auth")
    return retry_after


class RateLimited(exceptions.Throttled):
    default_code = RATE_LIMITED

    def __init__(self, wait: int) -> None:
        super().__init__(wait, detail=too_many_message(wait))


class AuthRateThrottle(BaseThrottle):
    """DRF throttle for the auth endpoints: each POST is an attempt; over the limit, 429 with
    Retry-After (DRF sets the header from `wait`)."""

    def allow_request(self, request, view) -> bool:
        if request.method == "POST":
            retry_after = auth_attempt_retry_after(request)
            if retry_after is not None:
                raise RateLimited(retry_after)
        return True
