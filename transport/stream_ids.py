"""How an entry sits in a Redis stream: position p is the entry id `0-<p + 1>` (so "after
position p" is a stream id, and Redis refuses a position taken), its data the field `e`."""

from transport.base import Entry

FIELD = b"e"


def stream_id(position: int) -> str:
    return f"0-{position + 1}"


def entry_of(stream_entry_id: bytes, fields: dict) -> Entry:
    return Entry(int(stream_entry_id.rsplit(b"-", 1)[1]) - 1, fields[FIELD])
