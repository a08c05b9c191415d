"""What the in-process broker keeps of a finished run (chat.runs.log.FinishedLog)."""

import gc
import sys

from chat.runs.events import EventSequence, EventType
from chat.runs.log import RunLog


def _finished_run_log() -> RunLog:
    sequence = EventSequence()
    log = RunLog()
    log.append(sequence.make(EventType.START, conversation_id=3, run_id="r-1", user_message_id=5))
    log.append(sequence.make(EventType.THINKING))
    log.append(sequence.make(EventType.TEXT, content='Café "au lait"\nand a line'))
    call = {"call_id": "c1", "name": "add_task"}
    log.append(sequence.make(EventType.TOOL_CALL, **call, arguments='{"title": "milk"}'))
    log.append(sequence.make(EventType.TOOL_RESULT, **call, output={"id": 9, "title": "milk"}))
    log.append(sequence.make(EventType.DONE, message_id=6, status="complete"))
    return log


def test_a_finished_run_reads_back_the_events_it_had():
    log = _finished_run_log()
    kept = log.finished()

    assert kept.after(-1) == log.after(-1)
    assert kept.after(2) == log.after(2)
    assert [event.seq for event in kept.after(2)] == [3, 4, 5]
    assert kept.after(5) == [] and kept.after(99) == []
    resumed = kept.after(0)
    assert [e.to_sse() for e in resumed] == [e.to_sse() for e in log.after(0)]


def _frames(kept) -> tuple:
    (frames,) = [referent for referent in gc.get_referents(kept) if type(referent) is tuple]
    return frames


def test_a_kept_run_is_one_object_to_the_garbage_collector():
    kept = _finished_run_log().finished()

    scanned = [r for r in gc.get_referents(kept) if gc.is_tracked(r) and r is not type(kept)]
    assert scanned == [_frames(kept)] and len(_frames(kept)) == 6
    assert not any(gc.is_tracked(frame) for frame in _frames(kept))


def test_a_kept_run_counts_the_memory_it_holds():
    kept = _finished_run_log().finished()

    frames = _frames(kept)
    assert kept.size_bytes == sys.getsizeof(frames) + sum(sys.getsizeof(f) for f in frames)
