"""The event protocol's one definition: numbering, fields, SSE encoding."""

import json

import pytest

from chat.runs.events import EventSequence, EventType


def test_events_are_numbered_from_zero():
    sequence = EventSequence()
    events = [sequence.make(EventType.THINKING), sequence.make(EventType.TEXT, content="hi")]
    assert [event.seq for event in events] == [0, 1]


@pytest.mark.parametrize(
    "event_type, data",
    [
        (EventType.TEXT, {}),
        (EventType.TEXT, {"content": "x", "extra": 1}),
        (EventType.DONE, {"message_id": 1}),
    ],
)
def test_an_event_must_carry_exactly_its_fields(event_type, data):
    with pytest.raises(ValueError, match=str(event_type)):
        EventSequence().make(event_type, **data)


def _data(frame: bytes) -> dict:
    id_line, data_line, *rest = frame.split(b"\n")
    assert id_line.startswith(b"id: ") and data_line.startswith(b"data: ") and rest == [b"", b""]
    return json.loads(data_line[len(b"data: ") :])


def test_sse_frame_without_its_id_is_one_data_line():
    event = EventSequence().make(EventType.TEXT, content="hi")
    assert event.to_sse(with_id=False) == b'data: {"type":"text","seq":0,"content":"hi"}\n\n'


def test_sse_frame_is_an_id_line_and_one_data_line():
    event = EventSequence().make(EventType.TEXT, content='two\nlines and "quotes" ✓')
    frame = event.to_sse()
    assert frame.startswith(b"id: 0\ndata: ") and frame.endswith(b"\n\n")
    assert frame.count(b"\n") == 3
    assert _data(frame) == {
        "type": "text",
        "seq": 0,
        "content": 'two\nlines and "quotes" ✓',
    }


def test_a_lone_surrogate_does_not_break_the_stream():
    frame = EventSequence().make(EventType.TEXT, content="half \ud83d").to_sse()
    assert _data(frame)["content"] == "half ?"
