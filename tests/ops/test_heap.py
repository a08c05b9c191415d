"""A started worker's heap is set aside from the garbage collector (ops.heap), at startup."""

import gc
import weakref

import pytest

from ops.heap import freeze_startup_heap


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
