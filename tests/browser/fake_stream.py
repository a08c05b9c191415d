"""Hand-written chat streams, for what the offline model never does (a failed tool with a long
error, an `error` event mid-reply, a stream that just ends)."""

import json


def sse(*events: dict) -> str:
    return "".join(f"data: {json.dumps(event)}\n\n" for event in events)


def start_event(conversation_id: int) -> dict:
    return {
        "type": "start",
        "seq": 0,
        "conversation_id": conversation_id,
        "run_id": "r1",
        "user_message_id": 99,
    }


def answer_chat_with(page, *events: dict) -> None:
    """Every chat stream the page opens from now on answers `events`, whatever was sent."""
    page.route(
        "**/chat/stream",
        lambda route: route.fulfill(
            status=200, content_type="text/event-stream", body=sse(*events)
        ),
    )
