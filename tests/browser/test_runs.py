"""A reply is a run on the server, not a connection (issue 15): the page's Stop cancels it,
a reload reattaches to it, and a dropped stream picks up after the last event seen."""

import re
import time

import pytest
from playwright.sync_api import expect

from chat.llm.offline.talk import HELP_TEXT
from chat.models import Message
from tests.waiting import DEADLINE_S

pytestmark = pytest.mark.browser

# Cuts the first chat stream after its third `text` event, as a dropped network would: the
# page sees the body fail mid-read (a TypeError), and the server sees the client leave.
DROP_STREAM = """
(() => {
  const realFetch = window.fetch;
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    if (!String(input).includes("/chat/stream") || window.__dropped) return response;
    window.__dropped = true;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    const body = new ReadableStream({
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) return controller.close();
        seen += decoder.decode(value, { stream: true });
        controller.enqueue(value);
        if ((seen.match(/"type": ?"text"/g) || []).length >= 3) {
          reader.cancel();
          controller.error(new TypeError("network error"));
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
})();
"""


def saved_reply(conversation_id: int, page, *, until: str) -> Message:
    """The conversation's reply once it is saved with a status other than streaming."""
    deadline = time.monotonic() + DEADLINE_S
    reply = Message.objects.filter(conversation_id=conversation_id, role="assistant").get()
    while reply.status == Message.Status.STREAMING and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # Playwright's own wait: the page's events go on meanwhile
        reply.refresh_from_db()
    assert reply.status == until
    return reply


def test_stop_cancels_the_run_and_keeps_its_text(ui, user, slow_help):
    ui.sign_in(user.username)
    ui.send("help")
    partial = ui.streaming_text_longer_than(10)
    with ui.page.expect_response(re.compile(r"/chat/runs/[^/]+/cancel$")) as cancel:
        ui.page.get_by_role("button", name="Stop").click()
    assert cancel.value.status == 202

    reply = ui.wait_reply_done()
    expect(reply.locator(".message__note--stopped")).to_have_text("Stopped")
    expect(ui.composer).to_be_focused()
    shown = reply.locator(".message__body").text_content()
    assert shown.startswith(partial)
    ui.page.wait_for_timeout(400)
    assert reply.locator(".message__body").text_content() == shown, "nothing after Stop"

    saved = saved_reply(ui.conversation_id_in_url(), ui.page, until=Message.Status.CANCELLED)
    # The text so far is kept: a prefix of the whole reply, at least what was seen before Stop
    # (the reloaded page below renders it exactly as shown).
    assert HELP_TEXT.startswith(saved.content) and len(saved.content.strip()) >= len(partial)
    assert len(saved.content) < len(HELP_TEXT), "stopped before the end"
    ui.reload()
    expect(ui.replies.last.locator(".message__note--stopped")).to_have_text("Stopped")
    expect(ui.replies.last.locator(".message__body")).to_have_text(shown)


def test_a_reload_mid_reply_reattaches_and_streams_on(ui, user, slow_help):
    ui.sign_in(user.username)
    ui.send("help")
    partial = ui.streaming_text_longer_than(20)
    conversation_id = ui.conversation_id_in_url()

    ui.reload()
    # The reply so far is replayed, then it goes on live: never a half answer.
    expect(ui.page.locator(".message--assistant.is-streaming")).to_have_count(1)
    expect(ui.page.locator(".message__note--pending")).to_have_count(0)
    expect(ui.page.get_by_role("button", name="Stop")).to_be_visible()
    replayed = ui.streaming_text_longer_than(len(partial))
    assert replayed.startswith(partial)

    reply = ui.wait_reply_done()
    saved = saved_reply(conversation_id, ui.page, until=Message.Status.COMPLETE)
    expect(reply.locator(".message__body")).to_contain_text("Delete")
    assert reply.locator(".message__body").text_content().startswith(replayed)
    expect(ui.user_messages).to_have_text(["You: help"])
    expect(ui.replies).to_have_count(1)
    assert saved.content == HELP_TEXT


def test_a_dropped_stream_reconnects_after_the_last_event(ui, user, slow_help):
    ui.page.add_init_script(DROP_STREAM)
    ui.sign_in(user.username)
    resumed = []
    ui.page.on(
        "request",
        lambda request: "/events" in request.url and resumed.append(request.url),
    )
    ui.send("help")
    reply = ui.wait_reply_done()

    assert resumed and re.search(r"/chat/runs/[^/]+/events\?after=\d+$", resumed[0])
    saved = saved_reply(ui.conversation_id_in_url(), ui.page, until=Message.Status.COMPLETE)
    expect(reply.locator(".message__note--stopped")).to_have_count(0)
    expect(reply.get_by_role("alert")).to_have_count(0)
    # Every event exactly once: the live text is the saved reply, nothing doubled or missing.
    shown = reply.locator(".message__body").inner_text()
    assert saved.content == HELP_TEXT
    ui.reload()
    assert ui.replies.last.locator(".message__body").inner_text() == shown
