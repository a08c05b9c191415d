"""The chat page in a real browser against a live server and the offline model."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from chat.models import Conversation, Message
from tests.browser.fake_stream import answer_chat_with, start_event
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=window.__xss=1>"
# Task ids keep counting across tests (the database is flushed, not recreated).
ADDED_MILK = re.compile(r'^Added "buy milk" \(task #\d+\)\.$')


def test_a_chat_turn_streams_shows_tools_updates_tasks_and_survives_reload(ui, user, paced):
    ui.sign_in(user.username)
    expect(ui.page.get_by_role("heading", name="What needs doing?")).to_be_visible()

    ui.send("add buy milk")
    # The composer keeps the focus (and can hold the next draft); Stop replaces Send.
    expect(ui.composer).to_be_focused()
    expect(ui.page.get_by_role("button", name="Stop")).to_be_visible()
    expect(ui.page.get_by_role("button", name="Send message")).to_be_hidden()
    expect(ui.user_messages.last).to_have_text("You: add buy milk")

    # The tool call shows as a chip as it happens, in words (the function name is its tooltip)...
    chip = ui.replies.last.locator(".tool-chip")
    expect(chip).to_have_attribute("title", "add_task")
    # ...the model thinks again (an indicator before its first token)...
    ui.page.wait_for_function(
        "() => document.querySelector('.is-streaming .thinking:not([hidden])')", polling="raf"
    )
    # ...and the reply grows token by token, with a typing cursor, before it ends.
    first = ui.streaming_text_longer_than(0)
    expect(ui.page.locator(".is-streaming .cursor")).to_be_visible()
    expect(ui.page.locator(".is-streaming .message__body")).to_have_attribute("aria-live", "polite")
    second = ui.streaming_text_longer_than(len(first))
    assert len(second) > len(first) > 0
    assert second.startswith(first)

    # The chip has its check, and the task panel refreshed with the assistant's change.
    expect(chip).to_contain_text("Added")
    expect(chip).to_contain_text("buy milk")
    expect(chip).to_have_class(re.compile(r"\bis-ok\b"))
    expect(ui.pending_tasks).to_have_text(["buy milk"])

    reply = ui.wait_reply_done()
    expect(reply.locator(".message__body")).to_have_text(ADDED_MILK)
    expect(reply.locator(".cursor")).to_have_count(0)
    expect(ui.composer).to_be_focused()

    conversation_id = ui.conversation_id_in_url()
    conversation = Conversation.objects.get(pk=conversation_id, owner=user)
    expect(ui.conversations).to_have_count(1)
    expect(ui.conversation("add buy milk")).to_have_class(re.compile(r"\bis-active\b"))

    ui.reload()
    assert ui.conversation_id_in_url() == conversation.pk
    expect(ui.page.locator("#chat-title")).to_have_text("add buy milk")
    expect(ui.user_messages).to_have_text(["You: add buy milk"])
    stored = ui.replies.last
    expect(stored.locator(".message__body")).to_have_text(ADDED_MILK)
    expect(stored.locator(".tool-chip.is-ok")).to_contain_text("Added")
    expect(stored.locator(".tool-chip.is-ok")).to_contain_text("buy milk")
    expect(ui.pending_tasks).to_have_text(["buy milk"])

    # A second conversation: listed first, and the URL follows it.
    ui.page.get_by_role("button", name="New chat").click()
    assert ui.page.url == f"{ui.base_url}/"
    expect(ui.messages.locator("li")).to_have_count(0)
    ui.chat("list my tasks")
    expect(ui.replies.last.locator(".tool-chip")).to_contain_text("Looked up tasks")
    expect(ui.replies.last.locator(".message__body li")).to_have_text(
        [re.compile(r"^#\d+ buy milk$")]
    )
    assert ui.conversation_id_in_url() != conversation.pk
    expect(ui.page.locator(".conversation__title")).to_have_text(["list my tasks", "add buy milk"])

    # Back to the first one from the sidebar, and with the browser's back button.
    ui.conversation("add buy milk").locator("a").click()
    expect(ui.user_messages).to_have_text(["You: add buy milk"])
    assert ui.conversation_id_in_url() == conversation.pk
    ui.page.go_back()
    expect(ui.user_messages).to_have_text(["You: list my tasks"])


def test_html_from_the_user_or_the_model_renders_as_text_and_runs_nothing(ui, user):
    ui.sign_in(user.username)
    reply = ui.chat(f"add {XSS}")

    expect(ui.user_messages.last).to_have_text(f"You: add {XSS}")
    expect(reply.locator(".tool-chip")).to_contain_text(XSS)
    expect(reply.locator(".message__body")).to_contain_text(XSS)
    expect(ui.pending_tasks).to_have_text([XSS])
    ui.reload()
    expect(ui.user_messages.last).to_have_text(f"You: add {XSS}")
    expect(ui.replies.last.locator(".message__body")).to_contain_text(XSS)
    expect(ui.conversations.first).to_contain_text(XSS)

    assert ui.page.locator("#app img").count() == 0
    assert ui.page.evaluate("() => typeof window.__xss") == "undefined"


def test_markdown_renderer_allows_only_its_own_markup(ui, user):
    """renderMarkdown on hostile input: only known tags, only safe attributes and links."""
    ui.sign_in(user.username)
    report = ui.page.evaluate(
        """async (inputs) => {
            const { renderMarkdown } = await import("/static/js/markdown.js");
            const allowed = new Set(["P", "BR", "STRONG", "EM", "DEL", "CODE", "PRE", "A", "UL",
                "OL", "LI", "BLOCKQUOTE", "H3", "H4", "H5", "H6", "HR", "DIV", "TABLE", "THEAD",
                "TBODY", "TR", "TH", "TD"]);
            const problems = [];
            for (const input of inputs) {
                const template = document.createElement("template");
                template.innerHTML = renderMarkdown(input);
                for (const element of template.content.querySelectorAll("*")) {
                    if (!allowed.has(element.tagName)) {
                        problems.push(`${input}: <${element.tagName}>`);
                    }
                    for (const { name, value } of element.attributes) {
                        const ok = (name === "href" && /^(https?:|mailto:)/i.test(value))
                            || ["class", "target", "rel", "start"].includes(name);
                        if (!ok) problems.push(`${input}: ${element.tagName}[${name}=${value}]`);
                    }
                }
            }
            const sample = renderMarkdown("**Tasks**\\n- #1 `milk`\\n- [docs](https://example.com)");
            return { problems, sample };
        }""",
        [
            XSS,
            "<script>window.__xss=1</script>",
            "[click](javascript:window.__xss=1)",
            "[click](JaVaScRiPt:alert(1))",
            '[x](https://a.b/" onmouseover="alert(1))',
            '[x](https://`a" onclick=`)',
            '<a href="javascript:alert(1)">x</a>',
            "```\n</code></pre><img src=x onerror=alert(1)>\n```",
            "`<svg onload=alert(1)>`",
            "| a | <b>b</b> |\n|---|---|\n| <i>1</i> | 2 |",
            "> <iframe src=//evil>",
            "**<style>*{}</style>**",
            "- <details open ontoggle=alert(1)>",
            "1. x\n   <math><mi xlink:href=javascript:alert(1)>",
            "\u0000" + "0\u0000",
        ],
    )
    assert report["problems"] == []
    assert report["sample"] == (
        "<p><strong>Tasks</strong></p><ul><li>#1 <code>milk</code></li>"
        '<li><a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow">'
        "docs</a></li></ul>"
    )


def test_enter_sends_and_shift_enter_adds_a_line(ui, user):
    ui.sign_in(user.username)
    expect(ui.page.get_by_role("button", name="Send message")).to_be_disabled()
    ui.composer.press_sequentially("add eggs")
    ui.composer.press("Shift+Enter")
    ui.composer.press_sequentially("and bread")
    expect(ui.composer).to_have_value("add eggs\nand bread")
    expect(ui.user_messages).to_have_count(0)
    ui.composer.press("Enter")
    ui.wait_reply_done()
    expect(ui.user_messages).to_have_text(["You: add eggs\nand bread"])
    expect(ui.composer).to_have_value("")


def test_rename_and_delete_conversations_from_the_sidebar(ui, user):
    groceries = Conversation.objects.create(owner=user, title="Groceries")
    Message.objects.create(conversation=groceries, role="user", content="add eggs")
    work = Conversation.objects.create(owner=user, title="Work")
    ui.sign_in(user.username)
    expect(ui.page.locator(".conversation__title")).to_have_text(["Work", "Groceries"])

    # Rename: Enter saves.
    ui.conversation("Groceries").hover()
    ui.page.get_by_role("button", name="Rename “Groceries”").click()
    title = ui.page.get_by_role("textbox", name="Conversation title")
    expect(title).to_be_focused()
    title.fill("Weekly shop")
    title.press("Enter")
    expect(ui.conversation("Weekly shop")).to_have_count(1)
    groceries.refresh_from_db()
    assert groceries.title == "Weekly shop"
    # A rename is an update (the list is most recently updated first): the row moves to the top
    # once the live event's refresh lands. Hovering before that hovered the row that then moved
    # under the pointer, and the Rename button of "Work" stayed hidden (a flake).
    expect(ui.page.locator(".conversation__title")).to_have_text(["Weekly shop", "Work"])
    # Escape cancels.
    ui.conversation("Work").hover()
    ui.page.get_by_role("button", name="Rename “Work”").click()
    ui.page.get_by_role("textbox", name="Conversation title").fill("Nope")
    ui.page.keyboard.press("Escape")
    assert Conversation.objects.get(pk=work.pk).title == "Work"
    # The cancelled rename is no update: the order stays.
    expect(ui.page.locator(".conversation__title")).to_have_text(["Weekly shop", "Work"])

    # Delete asks first; Cancel keeps it.
    ui.conversation("Weekly shop").locator("a").click()
    expect(ui.user_messages).to_have_text(["You: add eggs"])
    ui.page.get_by_role("button", name="Delete “Weekly shop”").focus()  # keyboard users see it too
    ui.page.get_by_role("button", name="Delete “Weekly shop”").click()
    dialog = ui.page.get_by_role("dialog", name="Delete this conversation?")
    expect(dialog).to_contain_text("“Weekly shop” and all its messages will be deleted.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Conversation.objects.filter(pk=groceries.pk).exists()

    ui.page.get_by_role("button", name="Delete “Weekly shop”").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(ui.page.locator(".conversation__title")).to_have_text(["Work"])
    assert not Conversation.objects.filter(pk=groceries.pk).exists()
    # It was open: the page moved to a new chat.
    expect(ui.page).to_have_url(f"{ui.base_url}/")
    expect(ui.page.get_by_role("heading", name="What needs doing?")).to_be_visible()
    assert Conversation.objects.filter(pk=work.pk).exists()


def test_task_panel_checks_off_deletes_and_adds_tasks(ui, user):
    milk = task_create(owner=user, title="buy milk")
    old = task_create(owner=user, title="old task")
    ui.sign_in(user.username)
    expect(ui.pending_tasks).to_have_text(["old task", "buy milk"])
    expect(ui.page.locator("#tasks-pending-count")).to_have_text("2")

    # The panel moves a task at once (optimistically); the database follows with the response.
    with ui.page.expect_response(lambda r: r.request.method == "PATCH"):
        ui.page.get_by_role("checkbox", name="buy milk").check()
    expect(ui.completed_tasks).to_have_text(["buy milk"])
    expect(ui.pending_tasks).to_have_text(["old task"])
    expect(ui.page.locator("#tasks-pending-count")).to_have_text("1")
    milk.refresh_from_db()
    assert milk.completed

    with ui.page.expect_response(lambda r: r.request.method == "DELETE"):
        ui.page.get_by_role("button", name="Delete task “old task”").click()
    expect(ui.pending_tasks).to_have_count(0)
    expect(ui.page.get_by_text("All clear.")).to_be_visible()
    assert not Task.objects.filter(pk=old.pk).exists()

    ui.page.get_by_role("textbox", name="New task").fill("call mom")
    ui.page.get_by_role("textbox", name="New task").press("Enter")
    expect(ui.pending_tasks).to_have_text(["call mom"])
    assert Task.objects.filter(owner=user, title="call mom").exists()

    # The assistant sees the panel's changes, and the panel sees the assistant's.
    ui.chat("complete call mom")
    expect(ui.completed_tasks).to_have_text(["call mom", "buy milk"])


TASK_PAGES = re.compile(r"/api/\d+/tasks/\?")


def test_a_click_keeps_its_row_when_a_refresh_lands_while_the_button_is_down(ui, user):
    """A click is a press and a release on one element. A change made elsewhere reloads the
    panel on its live stream; a reload answered between the press and the release redrew the
    row under the pointer, and the click was lost (proof run 11, two CPU burners: "Delete"
    sent nothing). The panel now keeps its rows as drawn while a button is down."""
    task_create(owner=user, title="old task")
    ui.sign_in(user.username)
    page = ui.page
    expect(ui.pending_tasks).to_have_text(["old task"])
    box = page.get_by_role("button", name="Delete task “old task”").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    with page.expect_response(TASK_PAGES):
        task_create(owner=user, title="from another tab")
    # The page has taken the reload's answer (two frames later), the button still down.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    with page.expect_response(lambda response: response.request.method == "DELETE"):
        page.mouse.up()
    expect(ui.pending_tasks).to_have_text(["from another tab"])
    assert list(Task.objects.filter(owner=user).values_list("title", flat=True)) == [
        "from another tab"
    ]


def test_a_click_that_changes_nothing_leaves_the_task_rows_as_drawn(ui, user):
    """A press holds the panel's redraws, and its end draws only if one was asked for meanwhile.
    Drawing after every click replaced the rows under the pointer (their hover-only actions and
    the focus with them) for a click on the list's heading."""
    task_create(owner=user, title="old task")
    ui.sign_in(user.username)
    page = ui.page
    expect(ui.pending_tasks).to_have_text(["old task"])
    page.evaluate("() => { window.drawnRow = document.querySelector('#pending-tasks .task'); }")
    page.locator("#pending-title").click()
    page.evaluate("() => new Promise((r) => setTimeout(() => requestAnimationFrame(r)))")
    assert page.evaluate("() => document.querySelector('#pending-tasks .task') === window.drawnRow")
    # A redraw asked for during a press is drawn at its end: the rows are new then.
    box = page.locator("#pending-title").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    with page.expect_response(TASK_PAGES):
        task_create(owner=user, title="from another tab")
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    expect(ui.pending_tasks).to_have_text(["old task"])
    page.mouse.up()
    expect(ui.pending_tasks).to_have_text(["from another tab", "old task"])


CONVERSATION_PAGES = re.compile(r"/api/\d+/conversations/?(\?|$)")


def test_a_click_opens_its_conversation_when_a_refresh_lands_while_the_button_is_down(ui, user):
    """The sidebar, like the task panel, keeps its rows as drawn while a button is down: a
    conversation started in another tab reloads it, and a reload answered between the press
    and the release would redraw the link under the pointer and lose the click."""
    groceries = Conversation.objects.create(owner=user, title="Groceries")
    ui.sign_in(user.username)
    page = ui.page
    expect(ui.conversations).to_have_count(1)
    box = ui.conversation("Groceries").locator(".conversation__link").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    with page.expect_response(CONVERSATION_PAGES):
        Conversation.objects.create(owner=user, title="From another tab")
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.mouse.up()
    expect(page).to_have_url(re.compile(rf"/c/{groceries.pk}/$"))
    expect(page.locator(".conversation__title")).to_have_text(["From another tab", "Groceries"])


def test_errors_show_inline_with_retry(ui, user):
    ui.sign_in(user.username)
    attempts = []

    def refuse_then_pass(route):
        attempts.append(route.request.post_data_json)
        if len(attempts) == 1:
            route.fulfill(
                status=503,
                json={"detail": "The model is taking a break.", "code": "model_unavailable"},
            )
        elif len(attempts) == 2:
            route.abort("connectionrefused")
        else:
            route.continue_()

    ui.page.route("**/chat/stream", refuse_then_pass)

    # A refusal before the stream: its detail, inline, with Retry.
    ui.send("add buy milk")
    error = ui.replies.last.get_by_role("alert")
    expect(error).to_contain_text("The model is taking a break.")
    expect(ui.composer).to_be_enabled()

    # Retry, and the network fails: the page sends it again by itself, with the same id (the
    # server would answer a message it had stored with that message's reply).
    error.get_by_role("button", name="Retry").click()
    reply = ui.wait_reply_done()
    expect(reply.locator(".message__body")).to_have_text(ADDED_MILK)
    expect(ui.user_messages).to_have_count(1)
    expect(ui.page.get_by_role("alert")).to_have_count(0)
    assert [a["message"] for a in attempts] == ["add buy milk"] * 3
    ids = [a["client_message_id"] for a in attempts]
    assert ids[1] == ids[2] != ids[0] and all(uuid.UUID(i).version == 4 for i in ids)
    ui.page.unroute("**/chat/stream")

    # An `error` event mid-stream: its message, with Retry.
    conversation_id = ui.conversation_id_in_url()
    answer_chat_with(
        ui.page,
        start_event(conversation_id),
        {"type": "thinking", "seq": 1},
        {"type": "text", "seq": 2, "content": "Let me "},
        {
            "type": "error",
            "seq": 3,
            "code": "model_timeout",
            "message": "The model took too long to answer.",
        },
    )
    ui.send("list my tasks")
    reply = ui.replies.last
    expect(reply.get_by_role("alert")).to_contain_text("The model took too long to answer.")
    expect(reply.get_by_role("alert").get_by_role("button", name="Retry")).to_be_visible()
    expect(reply.locator(".message__body")).to_have_text("Let me")
    expect(ui.composer).to_be_enabled()

    # A stream that just ends: never a silent hang.
    ui.page.unroute("**/chat/stream")
    answer_chat_with(ui.page, start_event(conversation_id))
    ui.send("list my tasks")
    expect(ui.replies.last.get_by_role("alert")).to_contain_text(
        "The connection closed before the reply finished."
    )


def test_signed_out_session_asks_to_sign_in_again(ui, user):
    ui.sign_in(user.username)
    ui.page.context.clear_cookies()
    ui.send("add buy milk")
    error = ui.replies.last.get_by_role("alert")
    expect(error).to_contain_text("Your session ended — sign in again")
    expect(error.get_by_role("link", name="Sign in again")).to_have_attribute(
        "href", "/accounts/login/?next=%2F"
    )


def test_phone_layout_collapses_the_sidebar_into_a_drawer(make_page, live_server_url, user):
    from tests.browser.chat_ui import ChatUI

    ui = ChatUI(make_page(viewport={"width": 360, "height": 740}), live_server_url)
    Conversation.objects.create(owner=user, title="Groceries")
    ui.sign_in(user.username)
    sidebar = ui.page.get_by_role("navigation", name="Conversations")
    expect(sidebar).to_be_hidden()
    toggle = ui.page.get_by_role("button", name="Show conversations")
    toggle.click()
    expect(sidebar).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    ui.page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    expect(toggle).to_be_focused()

    toggle.click()
    ui.conversation("Groceries").locator("a").click()
    expect(sidebar).to_be_hidden()
    expect(ui.page).to_have_url(re.compile(r"/c/\d+/$"))

    tasks = ui.page.get_by_role("complementary", name="Tasks")
    expect(tasks).to_be_hidden()
    ui.page.get_by_role("button", name="Show tasks").click()
    expect(tasks).to_be_visible()
    # Nothing sticks out sideways at 360 px.
    assert ui.page.evaluate("() => document.documentElement.scrollWidth") <= 360
