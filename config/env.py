"""Typed readers for configuration taken from environment variables."""

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

N = TypeVar("N", int, float)

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {raw!r}")


def _env_number(name: str, default: N, parse: Callable[[str], N], kind: str) -> N:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ValueError(f"{name} must be {kind}, got {raw!r}") from None


def env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


RATE_PERIODS_S = {"sec": 1, "min": 60, "hour": 3600, "day": 86400}
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class RateLimit:
    count: int
    period_s: int


def env_rate_limit(name: str, default: str) -> RateLimit | None:
    """`20/min` → RateLimit(20, 60); `0` or empty → None (off); anything else is an error
    naming the variable."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    if value in ("", "0"):
        return None
    count, _, period = value.partition("/")
    if not (count.isdigit() and period in RATE_PERIODS_S):
        raise ValueError(
            f"{name} must be <count>/<sec|min|hour|day> (e.g. 20/min), 0 or empty; got {raw!r}"
        )
    return RateLimit(count=int(count), period_s=RATE_PERIODS_S[period]) if int(count) else None


def env_networks(name: str) -> tuple[IpNetwork, ...]:
    """Comma-separated addresses or networks (`10.0.0.1`, `10.0.0.0/8`, `::1`); default none."""
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in env_list(name, []))
    except ValueError as exc:
        raise ValueError(f"{name} must be addresses or networks: {exc}") from None
