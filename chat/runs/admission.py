"""Whether a user may start a chat turn now: the limits that hold against many free accounts.

Checked after the request is authenticated and parsed (a malformed request uses up nothing),
before anything is stored, on the database thread that then opens the turn:

- `CHAT_DAILY_TOKEN_BUDGET`: the user's model tokens today (one indexed read, only when a
  budget is set) → 429 `quota_exceeded` with the reset time;
- `CHAT_RATE_LIMIT`: turns per user in any window of the period (config.ratelimit) → 429
  `rate_limited`;
- `CHAT_MAX_ACTIVE_RUNS_PER_USER`: runs the user has executing at once → 429
  `too_many_active_runs`. The run holds a slot (its run id) from here until it ends.

With the Redis run broker (several workers) the rate limit and the slot are one script, so one
round trip, atomic across workers. A run's slot lapses with the run's lease, so a worker that
dies frees its users' slots once its leases expire. With the in-process broker both live in
this process. `CHAT_MAX_ACTIVE_RUNS` (per worker, 503 `busy`) is the view's: it needs no
lookup (chat.runs.execution).
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from redis.exceptions import RedisError

from chat.runs.brokers import run_broker
from chat.runs.brokers.base import BrokerUnavailable
from chat.runs.brokers.redis import RedisRunBroker
from chat.usage import budget_resets_at, tokens_used_today
from config import ratelimit
from transport.client import sync_redis
from transport.scripts import Script

logger = logging.getLogger("chat.runs")

TOO_MANY_ACTIVE_RUNS = "too_many_active_runs"
QUOTA_EXCEEDED = "quota_exceeded"

# KEYS[2]: the user's slots (a sorted set: run id → when it was taken). ARGV[5]: the most a
# user may hold (0: no cap), ARGV[6]: this run's id, ARGV[7]: the broker's key prefix (a
# run's lease is <prefix><run id>:lease), ARGV[8]: how long a new run may take to show its
# lease, ARGV[9]: the longest a run lives.
_SLOT_TAKE = """
local most, grace, longest = tonumber(ARGV[5]), tonumber(ARGV[8]), tonumber(ARGV[9])
if most > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - longest)
  if redis.call('ZCARD', KEYS[2]) >= most then
    for _, held in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - grace)) do
      if redis.call('EXISTS', ARGV[7] .. held .. ':lease') == 0 then
        redis.call('ZREM', KEYS[2], held)
      end
    end
    if redis.call('ZCARD', KEYS[2]) >= most then
      return {'too_many_active_runs', '0'}
    end
  end
  redis.call('ZADD', KEYS[2], now, ARGV[6])
  redis.call('PEXPIRE', KEYS[2], math.ceil(longest * 1000))
end
"""


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    detail: str
    retry_after_s: int
    extra: dict


def _shared() -> bool:
    """True when runs are shared through Redis (the slots must be too)."""
    return isinstance(run_broker(), RedisRunBroker)


def _slots_key(user_id: int) -> str:
    return f"{settings.CHAT_RUN_REDIS_PREFIX}user:{user_id}:runs"


def _longest_run_s() -> float:
    return settings.CHAT_RUN_TIMEOUT_S + settings.CHAT_SAVE_RETRY_S


_ADMISSION = Script(
    ratelimit.WINDOW_CHECK + _SLOT_TAKE + ratelimit.WINDOW_RECORD + ratelimit.ADMITTED
)
# A run's slot given back from the loop, on the script connection (transport.scripts).
_RELEASE = Script("return redis.call('ZREM', KEYS[1], ARGV[1])")


_local_slots: dict[int, set[str]] = {}
_local_slots_lock = threading.Lock()


def _take_local_slot(user_id: int, run_id: str) -> bool:
    most = settings.CHAT_MAX_ACTIVE_RUNS_PER_USER
    with _local_slots_lock:
        held = _local_slots.setdefault(user_id, set())
        if most and len(held) >= most:
            return False
        held.add(run_id)
        return True


def _verdict(user: AbstractBaseUser, run_id: str) -> tuple[str, float]:
    limit, now = settings.CHAT_RATE_LIMIT, ratelimit.clock()
    rate_key = ratelimit.log_key(f"chat:{user.pk}", limit)
    if _shared():
        args = [
            *ratelimit.window_args(limit, now),
            settings.CHAT_MAX_ACTIVE_RUNS_PER_USER,
            run_id,
            run_broker().prefix,
            settings.CHAT_RUN_LEASE_S,
            _longest_run_s(),
        ]
        try:
            verdict, waited = _ADMISSION.call_blocking([rate_key, _slots_key(user.pk)], args)
        except RedisError as exc:
            logger.warning("Redis is unavailable: new runs are refused (%r)", exc)
            raise BrokerUnavailable() from exc
        return verdict.decode(), float(waited)
    waited = ratelimit.hit(f"chat:{user.pk}", limit, now=now)
    if waited is not None:
        return ratelimit.RATE_LIMITED, waited
    if not _take_local_slot(user.pk, run_id):
        return TOO_MANY_ACTIVE_RUNS, 0.0
    return "ok", 0.0


def _over_budget(user: AbstractBaseUser) -> Refusal | None:
    budget = settings.CHAT_DAILY_TOKEN_BUDGET
    if not budget or tokens_used_today(user_id=user.pk) < budget:
        return None
    resets_at = budget_resets_at()
    return Refusal(
        status=429,
        code=QUOTA_EXCEEDED,
        detail=f"You have used today's {budget} model tokens; the budget resets at "
        f"{resets_at.isoformat()}.",
        retry_after_s=max(1, int((resets_at.timestamp() - time.time()) + 0.999)),
        extra={"resets_at": resets_at.isoformat()},
    )


def admit_turn(user: AbstractBaseUser) -> uuid.UUID | Refusal:
    """The id of the run the user may start now (its slot taken), or why not. Call
    `release_turn` once that run ended, or at once if it never starts. Raises
    BrokerUnavailable when the runs are shared and Redis cannot be reached: the one Redis
    round trip before anything is stored tells that too."""
    if (refusal := _over_budget(user)) is not None:
        return refusal
    run_id = uuid.uuid4()
    verdict, waited = _verdict(user, str(run_id))
    if verdict == ratelimit.RATE_LIMITED:
        wait = max(1, int(waited + 0.999))
        detail = ratelimit.too_many_message(wait, "messages")
        return Refusal(429, ratelimit.RATE_LIMITED, detail, wait, {})
    if verdict == TOO_MANY_ACTIVE_RUNS:
        most = settings.CHAT_MAX_ACTIVE_RUNS_PER_USER
        detail = f"You have {most} replies being written; wait for one to finish or cancel it."
        return Refusal(429, TOO_MANY_ACTIVE_RUNS, detail, 1, {})
    return run_id


def release_slot_now(*, user_id: int, run_id: uuid.UUID) -> None:
    """Give back a slot from a thread (a turn that did not open); blocking."""
    if _shared():
        sync_redis().zrem(_slots_key(user_id), str(run_id))
    else:
        _release_local(user_id, str(run_id))


async def release_turn(*, user_id: int, run_id: uuid.UUID | str) -> None:
    """Give back the slot of a run that ended (or never started). With Redis away the slot
    is left to lapse: a run without a lease loses it at the next admission that needs it."""
    if _shared():
        try:
            await _RELEASE([_slots_key(user_id)], [str(run_id)])
        except RedisError as exc:
            logger.warning("run %s: its slot is left to lapse (%r)", run_id, exc)
    else:
        _release_local(user_id, str(run_id))


def _release_local(user_id: int, run_id: str) -> None:
    with _local_slots_lock:
        held = _local_slots.get(user_id)
        if held is not None:
            held.discard(run_id)
            if not held:
                del _local_slots[user_id]
