"""With REDIS_URL, the cache is the real Redis (the run broker and rate limits build on it)."""

import uuid

from django.core.cache import cache


def test_the_cache_round_trips_through_redis(settings, redis_url):
    import redis

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    key = f"taskstream-test-{uuid.uuid4().hex}"
    cache.set(key, {"answer": 42}, timeout=30)
    try:
        assert cache.get(key) == {"answer": 42}
        raw_keys = redis.Redis.from_url(redis_url).keys(f"*{key}*")
        assert len(raw_keys) == 1, "the value lives in Redis, not in this process"
    finally:
        cache.delete(key)
    assert cache.get(key) is None
