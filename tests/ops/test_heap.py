"""A started worker's heap is set aside from the garbage collector (ops.heap), at startup."""

import gc
import weakref

import pytest

from ops.heap import freeze_startup_heap, set_collection_thresholds


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _tracked(thing: object) -> bool:
    """Whether the collector's generations hold `thing` (frozen objects are in none)."""
    return any(candidate is thing for candidate in gc.get_objects())


@pytest.fixture
def thaw():
    yield
    gc.unfreeze()  # back into the oldest generation: this test process goes on as before


def test_objects_alive_at_startup_are_frozen_and_later_ones_are_collected_as_usual(thaw):
    alive_at_startup = [_Node()]
    assert _tracked(alive_at_startup)

    frozen = freeze_startup_heap()

    # Reference counting still frees frozen objects (other threads of this process may free
    # some right away): the count can only have gone down since.
    assert frozen >= gc.get_freeze_count() > 0
    assert not _tracked(alive_at_startup)
    made_later = [_Node()]
    assert _tracked(made_later)


def test_garbage_made_while_starting_is_collected_not_frozen(thaw):
    first, second = _Node(), _Node()
    first.other, second.other = second, first  # a cycle: only the collector frees it
    gone = weakref.ref(first)
    del first, second

    freeze_startup_heap()

    assert gone() is None


@pytest.fixture
def collections_started():
    """The generation of each collection started while the test runs; thresholds restored."""
    before, started = gc.get_threshold(), []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(record)
    yield started
    gc.callbacks.remove(record)
    gc.set_threshold(*before)


def _allocate_tracked(count: int) -> list:
    gc.collect()  # the young generation's count back to 0
    return [[] for _ in range(count)]  # each list a tracked object


def test_a_started_worker_collects_its_youngest_generation_less_often(collections_started):
    gc.set_threshold(700, 10, 10)  # CPython's own: 1200 new objects make a young collection
    _allocate_tracked(1200)
    assert 0 in collections_started

    set_collection_thresholds()
    collections_started.clear()
    _allocate_tracked(1200)

    assert collections_started == [2]  # only the explicit full collection
    # The middle generation as CPython has it; the oldest after 50 middle ones, not 10.
    assert gc.get_threshold()[1:] == (10, 50)
