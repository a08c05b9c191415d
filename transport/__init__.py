"""Transport: append-only streams of entries, shared by every worker through Redis, or kept in
this process (the embedded default, one worker).

Below every app (it imports only Django's settings and redis-py): the run broker
(`chat.runs.brokers`) carries a run's events on it, and any other per-key event stream can.
`streams()` picks the backend from settings in one place, as Django picks a cache backend.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from transport.base import Streams


@cache
def streams() -> Streams:
    """This process's streams: Redis when `REDIS_URL` is set, else in-process."""
    if settings.REDIS_URL:
        from transport.redis import RedisStreams

        return RedisStreams()
    from transport.memory import MemoryStreams

    return MemoryStreams()


@receiver(setting_changed)
def _forget_streams_on_settings_change(*, setting: str, **kwargs) -> None:
    if setting == "REDIS_URL":
        streams.cache_clear()
