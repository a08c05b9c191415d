"""The streams contract: per key, an append-only list of entries, each with a position.

A position is an integer ≥ 0 chosen by the writer, strictly increasing within a stream: a
second writer of the same position is refused (that is how two processes agree on who wrote
an entry). Readers ask for the entries after a position.
"""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple


class Entry(NamedTuple):
    position: int
    data: bytes


class StreamsUnavailable(Exception):
    """The shared store cannot be reached (Redis is down or unreachable)."""


class Streams(ABC):
    @abstractmethod
    async def append(self, key: str, entries: Sequence[Entry], *, ttl_s: float) -> list[bool]:
        """Append `entries` in order, in one round trip, and keep the stream `ttl_s` from now.
        One flag per entry: False where its position was taken (not after the last)."""

    async def append_many(
        self, appends: Sequence[tuple[str, Sequence[Entry]]], *, ttl_s: float
    ) -> list[list[bool]]:
        """`append` to several streams (each key once) at once, in one round trip where the
        backend can; one list of flags per stream. Raises StreamsUnavailable for the whole
        call: which entries were stored is then unknown (`last` tells)."""
        return [await self.append(key, entries, ttl_s=ttl_s) for key, entries in appends]

    @abstractmethod
    async def read(self, key: str, *, after: int, count: int = 1000) -> list[Entry]:
        """Up to `count` entries with a position > `after` (nothing for an unknown key)."""

    @abstractmethod
    async def last(self, key: str) -> Entry | None:
        """The stream's last entry."""

    @abstractmethod
    def subscribe(self, key: str, *, after: int, idle_s: float) -> AsyncIterator[list[Entry]]:
        """The entries after position `after` in batches as they arrive, and `[]` after
        `idle_s` without any, until the caller stops; StreamsUnavailable if the store fails."""

    @abstractmethod
    async def expire(self, key: str, *, ttl_s: float) -> None:
        """Keep the stream `ttl_s` from now, then forget it."""
