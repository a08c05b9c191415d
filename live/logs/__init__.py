"""Live logs: where a user's live events go and where their streams read them.

Chosen from settings in one place: Redis (every worker) when `REDIS_URL` is set, else this
process's memory (the embedded default, one worker).
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from live.logs.base import LiveLog


@cache
def live_log() -> LiveLog:
    if settings.REDIS_URL:
        from live.logs.redis import RedisLiveLog

        return RedisLiveLog()
    from live.logs.memory import MemoryLiveLog

    return MemoryLiveLog()


@receiver(setting_changed)
def _forget_log_on_settings_change(*, setting: str, **kwargs) -> None:
    if setting in ("REDIS_URL", "LIVE_REDIS_PREFIX"):
        live_log.cache_clear()
