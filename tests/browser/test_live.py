"""Two pages of one user stay the same (issue 30): a task added or completed in one appears in
the other without a reload, and a reply started in one streams in the other's open
conversation, where its Stop works."""

import re

import pytest
from playwright.sync_api import expect

from chat.models import Message
from tests.browser.chat_ui import ChatUI
from tests.browser.conftest import watch_console

pytestmark = pytest.mark.browser

# Generous for a loaded machine: the point is "without a reload", not a speed.
LIVE_DEADLINE_MS = 15_000


@pytest.fixture
def two_pages(make_page, live_server_url, user) -> tuple[ChatUI, ChatUI]:
    first = ChatUI(make_page(), live_server_url).sign_in(user.username)
    second = ChatUI(make_page(), live_server_url).sign_in(user.username)
    return first, second


def test_a_task_added_or_completed_in_one_page_appears_in_the_other(two_pages):
    first, second = two_pages
    problems = watch_console(second.page)
    first.page.get_by_role("textbox", name="New task").fill("call mom")
    first.page.get_by_role("textbox", name="New task").press("Enter")
    expect(second.pending_tasks).to_have_text(["call mom"], timeout=LIVE_DEADLINE_MS)

    first.page.get_by_role("checkbox", name="call mom").check()
    expect(second.completed_tasks).to_have_text(["call mom"], timeout=LIVE_DEADLINE_MS)
    expect(second.pending_tasks).to_have_count(0)

    first.chat("add buy milk")  # the assistant's change, too
    expect(second.pending_tasks).to_have_text(["buy milk"], timeout=LIVE_DEADLINE_MS)
    expect(second.conversations).to_have_count(1, timeout=LIVE_DEADLINE_MS)
    assert problems == []


def test_a_reply_started_in_one_page_streams_in_the_other_and_stops_there(two_pages, settings):
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 0
    settings.OFFLINE_MODEL_TOKEN_MS = 120  # "help" takes ~8 s
    first, second = two_pages
    first.chat("add buy milk")
    conversation_id = first.conversation_id_in_url()
    second.page.goto(f"{second.base_url}/c/{conversation_id}/")
    second.wait_loaded()
    expect(second.replies).to_have_count(1)

    first.send("help")
    expect(second.user_messages).to_have_text(
        ["You: add buy milk", "You: help"], timeout=LIVE_DEADLINE_MS
    )
    second.streaming_text_longer_than(10)
    stop = second.page.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()
    with second.page.expect_response(re.compile(r"/chat/runs/[^/]+/cancel$")) as cancel:
        stop.click()
    assert cancel.value.status == 202

    for page in (second, first):
        reply = page.wait_reply_done()
        expect(reply.locator(".message__note--stopped")).to_have_text("Stopped")
    latest = Message.objects.filter(conversation_id=conversation_id, role="assistant").last()
    assert latest.status == Message.Status.CANCELLED
    expect(second.replies).to_have_count(2)
