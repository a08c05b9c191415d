"""`config.changes.published_together`: what a block commits is published when it ends, each
user's events in one append to the live log (one Redis round trip), in commit order; what a
rollback undid, never. Against both live logs."""

import pytest
import redis
from django.conf import settings
from django.db import transaction

from chat.turns import turn_start
from config.changes import published_together
from live.events import LiveEvent, LiveEventType
from live.logs import live_log
from live.logs.memory import MemoryLiveLog, entry_of
from todos.services import task_create

pytestmark = pytest.mark.django_db(transaction=True)


def logged(user_id: int) -> list[tuple[tuple[int, int], LiveEvent]]:
    """The user's entries in the live log (in-process or Redis), oldest first."""
    log = live_log()
    if isinstance(log, MemoryLiveLog):
        user_log = log._users.get(user_id)
        return [(entry.id, entry.event) for entry in map(entry_of, user_log.entries)]
    raw = redis.Redis.from_url(settings.REDIS_URL).xrange(log.user_key(user_id))
    return [
        (tuple(map(int, entry_id.split(b"-"))), LiveEvent.from_record(fields[b"e"]))
        for entry_id, fields in raw
    ]


@pytest.fixture
def appends(live_backend, monkeypatch) -> list[tuple[int, list[str]]]:
    """Each call of the live log's `append` (which still runs): its user and event types."""
    log = live_log()
    calls = []
    append = log.append

    def counted(user_id: int, *events: LiveEvent, once: str = "") -> bool:
        calls.append((user_id, [event.type for event in events]))
        return append(user_id, *events, once=once)

    monkeypatch.setattr(log, "append", counted)
    return calls


def test_a_turn_start_publishes_its_conversation_message_and_run_in_one_append(user, appends):
    turn = turn_start(
        user=user, conversation_id=None, text="hello", model_name="offline", history_limit=10
    )
    types = ["conversation.created", "message.created", "run.started"]
    assert appends == [(user.pk, types)]
    entries = logged(user.pk)
    assert [event.type for _, event in entries] == types
    ids = [entry_id for entry_id, _ in entries]
    assert ids == sorted(set(ids))  # distinct and in order: a client resumes after any of them
    assert f'"conversation_id":{turn.conversation_id}' in entries[2][1].json


def test_held_events_wait_for_the_outermost_block(user, appends):
    with published_together():
        with published_together():
            task_create(owner=user, title="one")
        assert appends == []
        task_create(owner=user, title="two")
        assert appends == []
    assert appends == [(user.pk, ["task.created", "task.created"])]
    titles = ['"title":"one"' in event.json for _, event in logged(user.pk)]
    assert titles == [True, False]


def test_a_rolled_back_transaction_publishes_nothing_of_its_own(user, appends):
    with published_together():
        task_create(owner=user, title="kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            task_create(owner=user, title="undone")
            raise RuntimeError("rolled back")
    (entry,) = logged(user.pk)
    assert entry[1].type == LiveEventType.TASK_CREATED and '"title":"kept"' in entry[1].json
    assert appends == [(user.pk, ["task.created"])]


def test_what_committed_is_published_however_the_block_ends(user, appends):
    with pytest.raises(RuntimeError), published_together():
        task_create(owner=user, title="committed")
        raise RuntimeError("after the commit")
    assert appends == [(user.pk, ["task.created"])]
    assert len(logged(user.pk)) == 1


def test_each_users_events_go_in_one_append_of_their_own(user, other_user, appends):
    with published_together():
        task_create(owner=user, title="a1")
        task_create(owner=other_user, title="m1")
        task_create(owner=user, title="a2")
    assert sorted(appends) == sorted(
        [(user.pk, ["task.created", "task.created"]), (other_user.pk, ["task.created"])]
    )
    assert ['"title":"a1"' in event.json for _, event in logged(user.pk)] == [True, False]
    assert len(logged(other_user.pk)) == 1
