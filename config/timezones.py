"""The user's local date and wall-clock moments, from an IANA time zone name.

A client may send the browser's zone with a request (the `X-Timezone` header on API calls,
the `timezone` field of a chat request); otherwise the zone stored on the account applies
(accounts.preferences decides which), and without either the `TIME_ZONE` setting.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest

TIMEZONE_HEADER = "X-Timezone"
MAX_ZONE_NAME_LENGTH = 64  # the longest IANA name is about 32 characters


class UnknownTimeZone(ValueError):
    def __init__(self, name: str):
        super().__init__(f'Unknown time zone "{name[:MAX_ZONE_NAME_LENGTH]}": send an IANA name.')
        self.name = name


def time_zone(name: str | None) -> ZoneInfo:
    """The zone called `name` (e.g. "Europe/Paris"); None or "" means the TIME_ZONE setting."""
    if not name:
        return ZoneInfo(settings.TIME_ZONE)
    if len(name) > MAX_ZONE_NAME_LENGTH or name != name.strip():
        raise UnknownTimeZone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path-like or malformed key
        raise UnknownTimeZone(name) from None


def checked_zone_name(name: str | None) -> str:
    """`name` if it is a known zone ("" when absent), or UnknownTimeZone."""
    time_zone(name)
    return name or ""


def local_today(zone_name: str | None) -> date:
    """Today's date where the user is."""
    return datetime.now(time_zone(zone_name)).date()


def local_now(zone_name: str | None) -> datetime:
    """The user's wall-clock time now, naive (what a repeating task's occurrences are in)."""
    return datetime.now(time_zone(zone_name)).replace(tzinfo=None)


def local_moment(day: date, at: time, zone_name: str | None) -> datetime:
    """The UTC moment of wall-clock `at` on `day` in the zone. A time that does not exist
    that day (skipped by a daylight-saving change) is the moment the clocks jumped past it
    plus the same offset (02:30 on a spring-forward night is 03:30); a time that happens twice
    is its first occurrence (PEP 495's fold=0 gives both)."""
    return datetime.combine(day, at, tzinfo=time_zone(zone_name)).astimezone(UTC)


def zone_from_header(request: HttpRequest) -> str:
    """The request's `X-Timezone` zone name ("" when absent), or UnknownTimeZone."""
    return checked_zone_name(request.headers.get(TIMEZONE_HEADER, "").strip() or None)
