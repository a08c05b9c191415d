"""The documented protocol is the implemented one: every event type and field is in the docs."""

import re
from pathlib import Path

from chat.runs.events import EVENT_FIELDS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "STREAMING.md").read_text()


def test_every_event_type_is_documented_with_exactly_its_fields():
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", DOC, flags=re.MULTILINE))
    for event_type, fields in EVENT_FIELDS.items():
        documented = rows[event_type.value]
        assert re.findall(r"`(\w+)`", documented) == list(fields), event_type
