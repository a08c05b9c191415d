"""Run brokers: where a run's events go and where its listeners read them.

Chosen from settings in one place (`run_broker()`), as Django picks a cache backend:
`CHAT_RUN_BROKER=memory` (one process; the embedded default) or `redis` (Redis Streams, shared
by every worker; the default when `REDIS_URL` is set), or the dotted path of a `RunBroker`.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from chat.runs.brokers.base import RunBroker

BACKENDS = {
    "memory": "chat.runs.brokers.memory.MemoryRunBroker",
    "redis": "chat.runs.brokers.redis.RedisRunBroker",
}


@cache
def run_broker() -> RunBroker:
    name = settings.CHAT_RUN_BROKER or ("redis" if settings.REDIS_URL else "memory")
    return import_string(BACKENDS.get(name, name))()


@receiver(setting_changed)
def _forget_broker_on_settings_change(*, setting: str, **kwargs) -> None:
    if setting in ("CHAT_RUN_BROKER", "REDIS_URL"):
        run_broker.cache_clear()
