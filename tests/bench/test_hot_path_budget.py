"""The chat path's work, counted exactly: SQL statements per turn and Python calls per event.

Streamed `benchmark <N>` turns run in-process through the ASGI application (bench/inprocess.py),
with the offline model paced by the stream's own writes, so every text event takes the whole
path alone (one event, one write) however loaded the machine is. Calls are counted with
`sys.setprofile` on the event loop's thread (the server's side; the test's client is two tiny
callables) and, apart, on the database threads; statements on every database thread. Counts,
not times: a change that adds work to the hot path fails here; how long the work takes is the
benchmark's business (bench/).

The budgets are the counts measured when this test was written, plus about 20% for the
features landing on this path (each budget says what it was measured at). Raise one only for
work the product needs, and say so in docs/PERFORMANCE.md.
"""

import uuid

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from bench.inprocess import WritePacing, post_stream, serve, turn_call_figures
from chat.llm.offline import model as offline_model
from config.env import RateLimit

# SQL statements of one turn (authentication, opening it, finishing it), on every thread.
# Measured (2026-12-05, perf branch): in a new conversation 7 on SQLite (its two BEGIN
# IMMEDIATE included), 5 on PostgreSQL; in a conversation with history 9 and 7 (11 and 9
# before turn_start read the conversation's streaming replies once and locked its row by
# the update that moves it to the top). 8 and 10 on SQLite once the account's time zone was
# read (issue 31); 7 and 9 again since the token's user comes with its preferences
# (accounts/tokens.py), 5 and 7 on PostgreSQL.
STATEMENTS_NEW_CONVERSATION = 7
STATEMENTS_WITH_HISTORY = 9

# Python calls (Python and C functions) per text event on the event loop, from the model's
# event to the bytes handed to ASGI `send`, the test's pacing included (about 15). Measured:
# 143 in all, of which 38 in Taskstream's own code (chat/ but the offline model, config/,
# ops/, accounts/); 192 and 45 before the relay's changes of issue 26.
CALLS_PER_TEXT_EVENT = 170
OUR_CALLS_PER_TEXT_EVENT = 44

# The same with the Redis broker: each event goes into the run's stream in Redis (one script
# call, one round trip: the model waits for the relay) before it is relayed; and per turn
# besides (the run's lease and info, its slot, its end). Measured (2026-12-06): 485-496 an
# event and 14000-14400 a turn through redis-py's client (its pool, retry, metrics hooks, a
# task per socket write, its packer; and a PING before each turn), 258 and 9025 on the
# appender's own connection (transport/redis.py), without the PING; 9176 later, and 8258 once the
# agent's tools were checked for ambiguous routing once rather than at every turn
# (chat/llm/sdk_costs.py). 270 and 6921 (2026-12-07) once the run's registration, its
# retirement and its slot's release went from redis-py's client to pipelined script calls on
# the script connection (transport/scripts.py; its reader task adds ~11 calls to a write); the
# turn's budget 10% above that, so going back through the client (8074) fails here.
REDIS_CALLS_PER_TEXT_EVENT = 300
REDIS_CALLS_PER_TURN = 7600

# Python calls of one turn besides its text events, on the event loop: the request,
# authentication's hop, the run's setup and end, the SDK's run (its share grows with the
# agent's tools), the response. Measured: 6346 before the request signals ran on the loop,
# 5796 after, 6931 once the list tools (issue of lists) and sliding-window limits merged;
# 7365 later, and 6419 once the agent's tools were checked for ambiguous routing once, not at
# every turn.
CALLS_PER_TURN = 7700

# Python calls of one turn on the database threads (authenticating, admitting and opening it,
# the final save, the live events published at their commits), in a new conversation.
# Measured (2026-12-06): 5984 on SQLite and 6955 on PostgreSQL before the second round of
# issue 26, 2280 and 2707 after it (the turn's INSERTs and UPDATEs precompiled, the access
# token verified once, the live message event described by one serializer instance); 2375 and
# 2841 with the account's time zone read (issue 31), 2000 and 2466 once the precompiled
# statements passed the values their fields store unchanged as they are and the run's end was
# announced without a Message instance, 1884 and 2350 with the live message event described
# by config/representation.py rather than DRF's per-field calls, 1854 on SQLite once the
# token's user came with its preferences (the account's time zone without a read of its own).
DATABASE_CALLS_PER_TURN = 2800


@pytest.fixture
def chat_settings(settings):
    """Every feature of a turn on (rate limit included), no keepalive during a count, and a
    run broker of its own: the process's broker holds the runs of the tests before, and a
    turn's end tidies them (expired ones, a size cap), so the count depended on what ran
    first: 8257 calls per turn after ~700 tests in one process."""
    settings.CHAT_KEEPALIVE_S = 3600
    settings.CHAT_RUN_BROKER = "memory"  # a setting change makes run_broker() a new one
    settings.CHAT_RATE_LIMIT = RateLimit(count=1000, period_s=60)
    return settings


@pytest.fixture
def paced_by_writes(monkeypatch, chat_settings):
    """Each text delta waits for the previous event's write (WritePacing decides when)."""
    chat_settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 1000  # so that every delta pauses
    chat_settings.OFFLINE_MODEL_TOKEN_MS = 1000
    monkeypatch.setattr(offline_model, "asyncio", WritePacing())


def _token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def _figures(app, user) -> dict:
    """bench.inprocess's call figures (the least of three counts per turn size)."""
    return serve(lambda: turn_call_figures(app, user.pk, _token(user)))


def _hot(functions: dict[str, float]) -> str:
    return ", ".join(f"{name} {count:g}" for name, count in list(functions.items())[:15])


def test_calls_per_text_event_and_per_turn_stay_within_budget(
    transactional_db, user, app, paced_by_writes
):
    figures = _figures(app, user)
    per_event, per_turn = figures["calls_per_text_event"], figures["calls_per_turn_fixed"]
    ours = figures["calls_per_text_event_by_part"]["ours"]
    hot = _hot(figures["functions_per_text_event"])
    assert per_event <= CALLS_PER_TEXT_EVENT, f"{per_event} calls per text event: {hot}"
    assert ours <= OUR_CALLS_PER_TEXT_EVENT, f"{ours} of our calls per text event: {hot}"
    assert per_turn <= CALLS_PER_TURN, f"{per_turn} calls per turn"
    database = figures["database_calls_per_turn"]
    top = _hot(figures["database_functions_per_turn"])
    assert database <= DATABASE_CALLS_PER_TURN, f"{database} database calls: {top}"


def test_calls_per_text_event_with_the_redis_broker_stay_within_budget(
    transactional_db, user, app, paced_by_writes, chat_settings, redis_url
):
    chat_settings.CHAT_RUN_BROKER = "redis"
    chat_settings.REDIS_URL = redis_url
    prefix = f"taskstream-test:{uuid.uuid4().hex}:"
    chat_settings.CHAT_RUN_REDIS_PREFIX = prefix
    chat_settings.LIVE_REDIS_PREFIX = f"{prefix}live:"
    figures = _figures(app, user)
    per_event, per_turn = figures["calls_per_text_event"], figures["calls_per_turn_fixed"]
    hot = _hot(figures["functions_per_text_event"])
    assert per_event <= REDIS_CALLS_PER_TEXT_EVENT, f"{per_event} calls per text event: {hot}"
    assert per_turn <= REDIS_CALLS_PER_TURN, f"{per_turn} calls per turn"


def test_sql_statements_per_turn_stay_within_budget(
    transactional_db, user, app, chat_settings, query_log
):
    token = _token(user)

    async def two_turns() -> tuple[int, int]:
        await post_stream(app, user.pk, token, "benchmark 3")  # warm up
        query_log.statements.clear()
        first = await post_stream(app, user.pk, token, "benchmark 3")
        in_new_conversation = len(query_log)
        query_log.statements.clear()
        conversation_id = first.events[0]["conversation_id"]
        second = await post_stream(
            app, user.pk, token, "benchmark 3", conversation_id=conversation_id
        )
        assert [first.events[-1]["type"], second.events[-1]["type"]] == ["done", "done"]
        return in_new_conversation, len(query_log)

    new_conversation, with_history = serve(two_turns)
    # The counting itself works: at least the statements PostgreSQL needs (SQLite adds BEGINs).
    assert new_conversation >= 5 and with_history >= 7, query_log.statements
    assert new_conversation <= STATEMENTS_NEW_CONVERSATION, query_log.statements
    assert with_history <= STATEMENTS_WITH_HISTORY, query_log.statements
