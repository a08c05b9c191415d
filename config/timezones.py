"""The user's local date, from the IANA time zone the client sends with each request.

Nothing is stored per user: the page sends the browser's zone as the `X-Timezone` header on
API calls and as the `timezone` field of a chat request; without one, `TIME_ZONE` applies.
"""

from datetime import date, datetime
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


def zone_from_header(request: HttpRequest) -> str:
    """The request's `X-Timezone` zone name ("" when absent), or UnknownTimeZone."""
    return checked_zone_name(request.headers.get(TIMEZONE_HEADER, "").strip() or None)
