"""What a first-time user tripped over on the chat page (issue 22), each shown in a browser."""

import re
import time

import pytest
from playwright.sync_api import expect

from chat.models import Conversation, Message
from tests.browser.chat_ui import ChatUI
from tests.browser.conftest import watch_console
from tests.browser.fake_stream import answer_chat_with, start_event
from tests.conftest import PASSWORD
from tests.todos.factories import bulk_tasks
from tests.waiting import DEADLINE_S
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "360px"])
ADDED_MILK = re.compile(r'^Added "buy milk" \(task #(\d+)\)\.$')


def test_a_whole_session_leaves_the_console_clean(make_page, live_server_url, user):
    """15: no failed request (the stream is read to its end), no 404 (favicon), no error."""
    page = make_page()
    problems = watch_console(page)
    ui = ChatUI(page, live_server_url)
    ui.sign_in(user.username)
    ui.chat("add buy milk and call mom")
    ui.chat("what's left?")
    ui.chat("complete buy milk")
    ui.page.get_by_role("checkbox", name="call mom").check()
    expect(ui.completed_tasks).to_have_count(2)
    ui.page.get_by_role("button", name="New chat").click()
    ui.chat("hello")
    ui.conversations.last.locator("a").click()
    expect(ui.user_messages).to_have_count(3)
    ui.reload()
    page.goto(f"{live_server_url}/favicon.ico")
    page.goto(f"{live_server_url}/admin/login/")
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_enter_during_a_reply_keeps_the_reply_and_the_next_draft(ui, user, paced):
    """1: a second Enter (or typing on) while the reply streams neither stops it nor sends."""
    ui.sign_in(user.username)
    ui.send("add buy milk")
    ui.composer.press("Enter")
    ui.composer.press_sequentially(" what's left?")
    ui.composer.press("Enter")
    expect(ui.composer).to_be_focused()
    expect(ui.composer).to_have_value(" what's left?")

    reply = ui.wait_reply_done()
    expect(reply.locator(".message__body")).to_have_text(ADDED_MILK)
    expect(reply.locator(".message__note--stopped")).to_have_count(0)
    expect(ui.user_messages).to_have_count(1)
    # Stop is a click or Escape, never a Tab stop a key press could land on.
    assert ui.page.locator("#stop-button").get_attribute("tabindex") == "-1"

    # Once the reply is over, Enter sends the draft.
    ui.composer.press("Enter")
    ui.wait_reply_done()
    expect(ui.user_messages).to_have_text(["You: add buy milk", "You: what's left?"])


def test_escape_stops_the_reply_on_screen(ui, user, slow_help):
    ui.sign_in(user.username)
    ui.send("help")
    ui.streaming_text_longer_than(10)
    ui.page.keyboard.press("Escape")
    reply = ui.wait_reply_done()
    expect(reply.locator(".message__note--stopped")).to_have_text("Stopped")
    expect(ui.composer).to_be_focused()


def test_another_conversation_works_while_one_streams(ui, user, slow_help):
    """2: the composer and Stop belong to the conversation on screen."""
    ui.sign_in(user.username)
    ui.send("help")
    ui.streaming_text_longer_than(5)
    slow = ui.conversation_id_in_url()
    stop = ui.page.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()

    # A new chat: its own composer, its suggestions work, while the first reply goes on.
    ui.page.get_by_role("button", name="New chat").click()
    expect(stop).to_be_hidden()
    expect(ui.composer).to_be_enabled()
    ui.page.get_by_role("button", name="add buy milk").click()
    reply = ui.wait_reply_done()
    expect(reply.locator(".message__body")).to_have_text(ADDED_MILK)
    expect(ui.conversation("help")).to_have_class(re.compile(r"\bis-streaming\b"))

    # Back to the first: still streaming live, and its Stop stops it (only it).
    ui.conversation("help").locator("a").click()
    assert ui.conversation_id_in_url() == slow
    expect(ui.page.locator(".message--assistant.is-streaming")).to_have_count(1)
    stop.click()
    reply = ui.wait_reply_done()
    expect(reply.locator(".message__note--stopped")).to_have_text("Stopped")
    replies = Message.objects.filter(conversation__owner=user, role="assistant")
    assert replies.filter(status="complete").count() == 1


def test_task_numbers_in_the_panel_match_the_assistant(ui, user):
    """3: the panel shows each task's number as the assistant names it."""
    ui.sign_in(user.username)
    reply = ui.chat("add buy milk")
    number = ADDED_MILK.match(reply.locator(".message__body").text_content())[1]
    expect(ui.task_row("buy milk").locator(".task__number")).to_have_text(f"#{number}")


def test_task_panel_shows_the_true_count_and_loads_the_rest(ui, user):
    """4: 217 pending tasks: the count says 217, and scrolling loads them all."""
    bulk_tasks(user, (f"task {n:03}" for n in range(217)))
    ui.sign_in(user.username)
    expect(ui.page.locator("#tasks-pending-count")).to_have_text("217")
    rows = ui.page.locator("#pending-tasks .task")
    assert rows.count() < 217
    deadline = time.monotonic() + DEADLINE_S
    while rows.count() < 217 and time.monotonic() < deadline:
        ui.page.locator("#pending-more").scroll_into_view_if_needed()
        ui.page.wait_for_timeout(150)  # each scroll to the end loads the next page
    expect(rows).to_have_count(217)
    expect(ui.page.locator("#pending-more")).to_be_hidden()
    expect(ui.pending_tasks.last).to_have_text("task 000")


@VIEWPORTS
def test_a_failed_tool_with_a_long_error_wraps(make_page, live_server_url, user, viewport):
    """5: the chip wraps its error; nothing is wider than the screen."""
    ui = ChatUI(make_page(viewport=viewport), live_server_url)
    conversation = Conversation.objects.create(owner=user, title="x")
    error = "Task titles can be up to 200 characters — " + "this one is far too long " * 12
    ui.sign_in(user.username)
    answer_chat_with(
        ui.page,
        start_event(conversation.id),
        {
            "type": "tool_call",
            "seq": 1,
            "call_id": "c1",
            "name": "add_task",
            "arguments": {"title": "x" * 300},
        },
        {
            "type": "tool_result",
            "seq": 2,
            "call_id": "c1",
            "name": "add_task",
            "output": {"ok": False, "error": error},
        },
        {"type": "text", "seq": 3, "content": "That title is too long to save."},
        {"type": "done", "seq": 4, "message_id": 5, "status": "complete"},
    )
    ui.send("add a very long task")
    chip = ui.replies.last.locator(".tool-chip.is-failed")
    expect(chip).to_contain_text("Couldn't add")
    expect(chip).to_contain_text("this one is far too long")
    width = viewport["width"]
    sizes = ui.page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            messages: document.getElementById("messages").scrollWidth,
            chip: document.querySelector(".tool-chip.is-failed").getBoundingClientRect().right,
            body: document.querySelector(".message--assistant .message__body")
                .getBoundingClientRect().right,
        })"""
    )
    assert sizes["page"] <= width
    assert sizes["chip"] <= width and sizes["body"] <= width
    assert sizes["messages"] <= ui.page.locator("#messages").bounding_box()["width"] + 1


def test_long_text_gets_a_counter_and_is_never_cut(ui, user):
    """6: past the limit the boxes say by how much and refuse to send; nothing is cut."""
    ui.sign_in(user.username)
    ui.composer.fill("a" * 4500)
    expect(ui.composer).to_have_value("a" * 4500)
    count = ui.page.locator("#composer-count")
    expect(count).to_have_text("4,500 / 4,000 — 500 characters too long. Shorten it to send.")
    expect(ui.page.get_by_role("button", name="Send message")).to_be_disabled()
    ui.composer.press("Enter")
    expect(ui.user_messages).to_have_count(0)
    ui.composer.fill("a" * 3700)
    expect(count).to_have_text("3,700 / 4,000")
    ui.composer.fill("")
    expect(count).to_be_hidden()

    task_box = ui.page.get_by_role("textbox", name="New task")
    task_box.fill("t" * 250)
    expect(ui.page.locator("#task-add-count")).to_contain_text("50 characters too long")
    task_box.press("Enter")
    expect(task_box).to_have_value("t" * 250)
    assert not Task.objects.exists()

    # In chat, a title over 200 characters gets an answer in plain words.
    reply = ui.chat("add " + "x" * 300)
    expect(reply.locator(".message__body")).to_contain_text(
        "Task titles can be up to 200 characters — this one has 300."
    )
    assert not Task.objects.exists()


def test_signed_out_panel_and_sidebar_ask_to_sign_in_again(ui, user):
    """7: the same "session ended" as the chat, with a sign-in link, not a raw API message."""
    ui.sign_in(user.username)
    ui.page.context.clear_cookies()
    ui.page.get_by_role("textbox", name="New task").fill("buy milk")
    ui.page.get_by_role("textbox", name="New task").press("Enter")
    error = ui.page.locator("#tasks-error")
    expect(error).to_contain_text("Your session ended — sign in again")
    expect(error.get_by_role("link", name="Sign in again")).to_have_attribute(
        "href", "/accounts/login/?next=%2F"
    )
    expect(error).not_to_contain_text("credentials")


def test_markdown_in_a_task_title_shows_as_text(ui, user):
    """8: what the assistant quotes from a task is text, never a link."""
    ui.sign_in(user.username)
    reply = ui.chat("add [link](https://evil.example) now")
    body = reply.locator(".message__body")
    expect(body).to_contain_text("[link](https://evil.example) now")
    expect(body.locator("a")).to_have_count(0)
    ui.chat("what's left?")
    expect(ui.replies.last.locator(".message__body")).to_contain_text(
        "[link](https://evil.example)"
    )
    ui.reload()
    assert ui.page.locator("#messages .message__body a").count() == 0
    expect(ui.pending_tasks).to_have_text(["[link](https://evil.example) now"])


def test_chips_say_what_happened_in_words(ui, user):
    """9: "Added #1 buy milk" (the user's own number), with the function name as the tooltip."""
    ui.sign_in(user.username)
    chips = ui.chat("add buy milk").locator(".tool-chip")
    expect(chips).to_have_text([re.compile(r"^Added\s*#1 buy milk")])
    expect(chips).to_have_attribute("title", "add_task")
    expect(ui.chat("complete buy milk").locator(".tool-chip")).to_have_text(
        [re.compile(r"^Looked up tasks"), re.compile(r"^Completed\s*#1 buy milk")]
    )
    expect(ui.chat("rename it to buy oat milk").locator(".tool-chip")).to_have_text(
        [re.compile(r"^Renamed\s*#1 buy oat milk")]
    )
    expect(ui.chat("delete it").locator(".tool-chip")).to_have_text(
        [re.compile(r"^Deleted\s*#1 buy oat milk")]
    )
    assert ui.page.locator(".tool-chip", has_text="_task").count() == 0


@VIEWPORTS
def test_the_demo_banner_speaks_to_users(make_page, live_server_url, user, viewport):
    """10: users read "Demo assistant", not an operator's hint."""
    ui = ChatUI(make_page(viewport=viewport), live_server_url)
    ui.sign_in(user.username)
    note = ui.page.locator("#offline-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Demo assistant")
    expect(note).not_to_contain_text("OPENAI_API_KEY")
    fits = note.evaluate("note => note.querySelector('span').scrollWidth <= note.clientWidth")
    assert fits, "the banner's words are not cut off"


def test_error_pages_and_signing_out(make_page, live_server_url, user):
    """11: styled 404, a sign-out page with a confirm button, and a "signed out" message."""
    ui = ChatUI(make_page(), live_server_url)
    ui.sign_in(user.username)
    page = ui.page
    response = page.goto(f"{live_server_url}/no/such/page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator(".auth__card")).to_have_css("border-radius", re.compile(r"[1-9]"))
    page.get_by_role("link", name="Back to your chats").click()
    ui.wait_loaded()

    page.goto(f"{live_server_url}/accounts/logout/")
    expect(page.get_by_role("heading", name="Sign out?")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server_url}/accounts/login/")
    expect(page.get_by_role("status")).to_have_text("You've signed out.")

    ui.sign_in(user.username)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You've signed out.")


def test_jump_to_latest_after_scrolling_up(ui, user, slow_help):
    """12: a small scroll up is not pulled back; "Jump to latest" returns to the bottom."""
    conversation = Conversation.objects.create(owner=user, title="long")
    for n in range(30):
        Message.objects.create(conversation=conversation, role="user", content=f"message {n}")
    ui.sign_in(user.username)
    ui.conversation("long").locator("a").click()
    expect(ui.user_messages).to_have_count(30)
    ui.send("help")
    ui.streaming_text_longer_than(5)
    ui.page.locator("#transcript").hover()
    ui.page.mouse.wheel(0, -40)
    jump = ui.page.get_by_role("button", name="Jump to latest")
    expect(jump).to_be_visible()
    before = ui.page.locator("#transcript").evaluate("t => t.scrollTop")
    ui.streaming_text_longer_than(40)
    assert ui.page.locator("#transcript").evaluate("t => t.scrollTop") == before
    jump.click()
    expect(jump).to_be_hidden()
    at_bottom = "t => t.scrollHeight - t.scrollTop - t.clientHeight < 4"
    assert ui.page.locator("#transcript").evaluate(at_bottom)


def test_a_question_after_a_list_is_its_own_paragraph(ui, user):
    """13: "Which one should I complete?" is not part of the last bullet."""
    task_create(owner=user, title="buy milk")
    task_create(owner=user, title="buy oat milk")
    ui.sign_in(user.username)
    body = ui.chat("complete milk").locator(".message__body")
    expect(body.locator("li")).to_have_count(2)
    expect(body.locator("li").last).not_to_contain_text("Which one")
    expect(body.locator("p").last).to_contain_text("Which one should I complete?")


@VIEWPORTS
def test_right_to_left_text_is_laid_out_right_to_left(make_page, live_server_url, user, viewport):
    """14: Hebrew and Arabic messages and tasks run right to left."""
    ui = ChatUI(make_page(viewport=viewport), live_server_url)
    task_create(owner=user, title="לקנות חלב")
    ui.sign_in(user.username)
    ui.chat("شراء الحليب")
    direction = "element => getComputedStyle(element).direction"
    expect(ui.user_messages.last).to_contain_text("شراء الحليب")
    assert ui.user_messages.last.locator(".message__bubble").evaluate(direction) == "rtl"
    assert ui.page.locator("#composer-input").get_attribute("dir") == "auto"
    if viewport is PHONE:
        ui.page.get_by_role("button", name="Show tasks").click()
    row = ui.task_row("לקנות חלב")
    assert row.locator(".task__label").evaluate(direction) == "rtl"
    # Right to left: the number starts the line at the right edge, the title follows it leftwards.
    number = row.locator(".task__number").bounding_box()
    title = row.locator(".task__title").bounding_box()
    label = row.locator(".task__label").bounding_box()
    assert number["x"] + number["width"] >= label["x"] + label["width"] - 2
    assert title["x"] + title["width"] <= number["x"]


def test_the_composer_waits_for_the_page_script(make_page, live_server_url, user):
    """16: until the script is wired the box is disabled, so the first Enter is never lost."""
    ui = ChatUI(make_page(), live_server_url)
    ui.sign_in(user.username)

    def slow_script(route):
        ui.page.wait_for_timeout(1500)
        route.continue_()

    ui.page.route(re.compile(r"/static/js/chat\.[0-9a-f]{12}\.js$"), slow_script)
    ui.page.goto(f"{live_server_url}/", wait_until="commit")
    expect(ui.composer).to_be_disabled()
    expect(ui.composer).to_be_enabled()
    expect(ui.composer).to_be_focused()
    ui.page.keyboard.type("add buy milk")
    ui.page.keyboard.press("Enter")
    ui.wait_reply_done()
    expect(ui.user_messages).to_have_text(["You: add buy milk"])


def test_admin_conversation_list_fits_1366_pixels(make_page, live_server_url, make_user, user):
    """17: every column of the conversation list shows beside its filters."""
    make_user("root", is_staff=True, is_superuser=True)
    for n in range(5):
        Conversation.objects.create(owner=user, title=f"plan the week {n} " + "and more " * 20)
    page = make_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{live_server_url}/admin/login/?next=/admin/chat/conversation/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    fits = page.evaluate(
        """() => {
            const results = document.querySelector(".results");
            return results.scrollWidth <= results.clientWidth
                && document.documentElement.scrollWidth <= window.innerWidth;
        }"""
    )
    assert fits, "the last column is cut off"
    expect(page.locator("#result_list thead th").last).to_be_in_viewport()


def test_rename_undo_delete_and_clear_completed_in_the_panel(ui, user):
    """Small things: inline rename (Enter saves, Escape cancels), Undo for a delete, Clear
    completed after a confirmation."""
    milk = task_create(owner=user, title="buy milk")
    rent = task_create(owner=user, title="pay rent")
    for title in ("done one", "done two"):
        Task.objects.filter(pk=task_create(owner=user, title=title).pk).update(
            completed=True, completed_at="2026-01-01T00:00:00Z"
        )
    ui.sign_in(user.username)
    page = ui.page

    page.get_by_role("button", name="Rename task “buy milk”").click()
    box = page.get_by_role("textbox", name="New title for “buy milk”")
    expect(box).to_be_focused()
    box.fill("buy oat milk")
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        box.press("Enter")
    expect(ui.pending_tasks).to_have_text(["pay rent", "buy oat milk"])
    milk.refresh_from_db()
    assert milk.title == "buy oat milk"
    page.get_by_role("button", name="Rename task “pay rent”").click()
    page.get_by_role("textbox", name="New title for “pay rent”").fill("nope")
    page.keyboard.press("Escape")
    expect(ui.pending_tasks).to_have_text(["pay rent", "buy oat milk"])

    # Delete is at once, with a few seconds to undo it.
    page.get_by_role("button", name="Delete task “pay rent”").click()
    expect(ui.pending_tasks).to_have_text(["buy oat milk"])
    toast = page.locator("#toast")
    expect(toast).to_contain_text("Deleted “pay rent”.")
    toast.get_by_role("button", name="Undo").click()
    expect(ui.pending_tasks).to_have_text(["pay rent", "buy oat milk"])
    page.wait_for_timeout(5_500)
    assert Task.objects.filter(pk=rent.pk).exists()

    # Clear completed asks first.
    expect(ui.completed_tasks).to_have_count(2)
    page.get_by_role("button", name="Clear completed").click()
    dialog = page.get_by_role("dialog", name="Clear completed tasks?")
    expect(dialog).to_contain_text("All 2 completed tasks will be deleted.")
    dialog.get_by_role("button", name="Clear completed").click()
    expect(ui.completed_tasks).to_have_count(0)
    assert list(Task.objects.filter(owner=user).values_list("title", flat=True)) == [
        "pay rent",
        "buy oat milk",
    ]


def test_messages_show_their_time_and_replies_can_be_copied(make_page, live_server_url, user):
    page = make_page(permissions=["clipboard-read", "clipboard-write"])
    ui = ChatUI(page, live_server_url)
    ui.sign_in(user.username)
    reply = ui.chat("add buy milk")
    reply.get_by_role("button", name="Copy reply").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert ADDED_MILK.match(copied)
    ui.reload()
    for message in (ui.user_messages.last, ui.replies.last):
        assert re.search(r"\d{4}", message.get_attribute("title")), "a time on hover"
