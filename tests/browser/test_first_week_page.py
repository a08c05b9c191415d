"""What a careful first week on the chat page still tripped over (issue 27, items 5 to 13), each
shown in a real browser, at desktop and 360 px where layout matters."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from chat.models import Conversation, Message
from tests.browser.chat_ui import ChatUI
from tests.browser.fake_stream import answer_chat_with, start_event
from tests.conftest import PASSWORD
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "360px"])

# How many lines the text of an element (its text nodes, icons aside) is laid out on.
LINES_OF = """element => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const tops = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects())
            if (rect.width) tops.add(Math.round(rect.bottom));
    }
    return tops.size;
}"""
CUT_OFF = "element => element.scrollWidth > element.clientWidth"


def open_tasks_on_a_phone(ui: ChatUI) -> None:
    ui.page.get_by_role("button", name="Show Tasks").click()
    expect(ui.page.get_by_role("complementary", name="Tasks")).to_be_visible()


@VIEWPORTS
def test_an_overdue_badge_stays_on_one_line(make_page, live_server_url, user, viewport):
    """6"""
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    task_create(owner=user, title="pay the electricity bill before they cut it", due_date=yesterday)
    ui = ChatUI(make_page(viewport=viewport), live_server_url).sign_in(user.username)
    if viewport is PHONE:
        open_tasks_on_a_phone(ui)
    badge = ui.task_row("electricity").locator(".task-due__badge")
    expect(badge).to_contain_text("overdue")
    assert badge.evaluate(LINES_OF) == 1


def test_deleting_from_the_keyboard_keeps_the_place_and_undo_one_key_away(ui, user):
    """7"""
    for title in ("buy milk", "call mom", "water plants"):
        task_create(owner=user, title=title)
    ui.page.clock.install()
    ui.sign_in(user.username)
    ui.task_row("call mom").get_by_role("button", name="Delete task “call mom”").focus()
    ui.page.keyboard.press("Enter")

    expect(ui.pending_tasks).to_have_count(2)
    next_delete = ui.task_row(ui.pending_tasks.nth(1).inner_text()).locator("[data-role=delete]")
    expect(next_delete).to_be_focused()
    toast = ui.page.locator("#toast")
    expect(toast).to_contain_text("Deleted “call mom”.")
    expect(toast.get_by_role("button", name="Undo")).to_have_attribute(
        "aria-keyshortcuts", "Control+Z"
    )
    expect(ui.page.locator("#announcer")).to_contain_text("Control+Z")
    # The toast sits above the composer, never over it.
    toast_box, composer_box = toast.bounding_box(), ui.page.locator("#composer").bounding_box()
    assert toast_box["y"] + toast_box["height"] <= composer_box["y"]

    ui.page.keyboard.press("Control+z")
    expect(toast).to_be_hidden()
    expect(ui.pending_tasks).to_have_count(3)
    expect(ui.pending_tasks).to_contain_text(["call mom"])

    # Deleted again; while the pointer rests on the toast it does not time out.
    ui.task_row("call mom").locator("[data-role=delete]").focus()
    ui.page.keyboard.press("Enter")
    toast.hover()
    ui.page.clock.fast_forward(20_000)
    expect(toast).to_be_visible()
    assert Task.objects.filter(owner=user, title="call mom").exists()
    ui.page.mouse.move(5, 5)
    ui.page.clock.fast_forward(6_000)
    expect(toast).to_be_hidden()
    expect(ui.pending_tasks).to_have_count(2)

    # The last task deleted: the focus goes to the one before it; the only one: to the list.
    ui.task_row("water plants").locator("[data-role=delete]").focus()
    ui.page.keyboard.press("Enter")
    expect(ui.task_row("buy milk").locator("[data-role=delete]")).to_be_focused()
    ui.page.keyboard.press("Enter")
    expect(ui.page.locator("#pending-tasks")).to_be_focused()


def test_the_toast_stays_above_the_composer_on_a_phone(make_page, live_server_url, user):
    """7, at 360 px"""
    task_create(owner=user, title="buy milk")
    ui = ChatUI(make_page(viewport=PHONE), live_server_url).sign_in(user.username)
    open_tasks_on_a_phone(ui)
    ui.task_row("buy milk").locator("[data-role=delete]").click()
    toast = ui.page.locator("#toast")
    expect(toast).to_be_visible()
    toast_box, composer_box = toast.bounding_box(), ui.page.locator("#composer").bounding_box()
    assert toast_box["y"] + toast_box["height"] <= composer_box["y"]


def test_the_phone_task_drawer_keeps_the_focus_until_closed(make_page, live_server_url, user):
    """8"""
    task_create(owner=user, title="buy milk")
    ui = ChatUI(make_page(viewport=PHONE), live_server_url).sign_in(user.username)
    toggle = ui.page.get_by_role("button", name="Show Tasks")
    toggle.focus()
    ui.page.keyboard.press("Enter")
    panel = ui.page.locator("#task-panel")
    expect(panel).to_be_visible()
    inside = "() => document.getElementById('task-panel').contains(document.activeElement)"
    for key in ["Tab"] * 15 + ["Shift+Tab"] * 15:
        ui.page.keyboard.press(key)
        assert ui.page.evaluate(inside), f"{key} left the drawer"
    assert ui.page.locator("#chat").evaluate("element => element.inert")

    ui.page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(toggle).to_be_focused()
    assert not ui.page.locator("#chat").evaluate("element => element.inert")


def test_a_refused_account_deletion_keeps_the_user_at_the_form(ui, user):
    """9"""
    ui.sign_in(user.username)
    ui.page.goto(f"{ui.base_url}/accounts/account/")
    ui.page.get_by_label("Your password").fill("not-my-password")
    ui.page.get_by_role("checkbox", name=re.compile("^I understand")).check()
    ui.page.get_by_role("button", name="Delete my account").click()

    password = ui.page.get_by_label("Your password")
    expect(password).to_be_focused()
    described = password.get_attribute("aria-describedby")
    expect(ui.page.locator(f"#{described}")).to_contain_text("password")
    expect(ui.page.locator("#delete-account")).to_be_in_viewport()
    assert ui.page.evaluate("() => window.scrollY") > 0


def test_the_sign_in_page_says_why_after_deleting_or_signing_out_everywhere(ui, make_user):
    """9"""
    make_user("bob")
    ui.sign_in("bob")
    ui.page.goto(f"{ui.base_url}/accounts/account/")
    ui.page.get_by_role("button", name="Sign out everywhere").click()
    expect(ui.page.get_by_role("status")).to_contain_text("signed out everywhere")

    ui.sign_in("bob")
    ui.page.goto(f"{ui.base_url}/accounts/account/")
    ui.page.get_by_label("Your password").fill(PASSWORD)
    ui.page.get_by_role("checkbox", name=re.compile("^I understand")).check()
    ui.page.get_by_role("button", name="Delete my account").click()
    ui.page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(ui.page.get_by_role("status")).to_contain_text("account and all its data are deleted")


def test_a_phone_shows_the_conversation_title_and_the_products_name(
    make_page, live_server_url, user
):
    """11 and 13"""
    page = make_page(viewport=PHONE)
    page.goto(f"{live_server_url}/accounts/login/")
    expect(page.locator(".brand__name")).to_be_visible()
    expect(page.locator(".brand__name")).to_have_text("Taskstream")
    page.goto(f"{live_server_url}/accounts/signup/")
    expect(page.locator(".brand__name")).to_be_visible()

    ui = ChatUI(page, live_server_url).sign_in(user.username)
    note = page.locator("#offline-note > span")
    expect(note).to_have_text(re.compile(r"^Demo"))
    assert not note.evaluate(CUT_OFF)
    ui.chat("add buy milk")
    title = page.get_by_role("heading", level=1)
    expect(title).to_be_visible()
    expect(title).to_have_text("add buy milk")
    expect(title).to_have_attribute("dir", "auto")


@VIEWPORTS
def test_a_chip_keeps_its_due_date_whatever_the_title(make_page, live_server_url, user, viewport):
    """11"""
    ui = ChatUI(make_page(viewport=viewport), live_server_url).sign_in(user.username)
    ui.chat("add renew the passport with the new photos before the summer holidays due tomorrow")
    chip = ui.replies.last.locator('.tool-chip[data-tool="add_task"]')
    due = chip.locator(".tool-chip__due")
    expect(due).to_have_text(" · due tomorrow")
    chip_box, due_box = chip.bounding_box(), due.bounding_box()
    assert due_box["x"] + due_box["width"] <= chip_box["x"] + chip_box["width"]
    assert not due.evaluate(CUT_OFF)


def test_sidebar_previews_are_plain_text_and_its_buttons_cover_nothing(ui, user):
    """12"""
    conversation = Conversation.objects.create(owner=user, title="groceries")
    Message.objects.create(conversation=conversation, role="user", content="what's left?")
    Message.objects.create(
        conversation=conversation,
        role="assistant",
        content='- "buy milk" (#3)\n- **Add** `eggs` to [the list](https://example.com)',
    )
    ui.sign_in(user.username)
    row = ui.conversation("groceries")
    expect(row.locator(".conversation__preview")).to_have_text(
        '"buy milk" (#3) Add eggs to the list'
    )

    row.hover()
    actions = row.locator(".conversation__actions")
    expect(actions).to_be_visible()
    buttons = actions.get_by_role("button").first.bounding_box()
    for part in (".conversation__title", ".conversation__time"):
        box = row.locator(part).bounding_box()
        assert box["x"] + box["width"] <= buttons["x"], f"{part} is under the buttons"


def test_a_long_first_message_titles_the_chat_at_a_word_with_an_ellipsis(ui, user, paced):
    """12"""
    text = "add " + "remember to water the tomato plants on the balcony every evening " * 2
    ui.sign_in(user.username)
    ui.send(text.strip())
    title = ui.page.locator("#chat-title")
    expect(title).to_have_text(re.compile("…$"))
    shown = title.inner_text()[:-1]
    assert text.startswith(shown + " ")
    ui.wait_reply_done()
    expect(title).to_have_text(shown + "…")  # the server's title is the same


def test_a_date_change_reads_moved(make_page, live_server_url, user):
    """5: the chip of a call that only moved a task's date, and its Undo button."""
    ui = ChatUI(make_page(), live_server_url)
    conversation = Conversation.objects.create(owner=user, title="x")
    task = task_create(owner=user, title="dentist")
    friday = datetime.date.today() + datetime.timedelta(days=3)
    ui.sign_in(user.username)
    answer_chat_with(
        ui.page,
        start_event(conversation.id),
        {
            "type": "tool_call",
            "seq": 1,
            "call_id": "c1",
            "name": "update_task",
            "arguments": {"task_id": task.id, "due_date": friday.isoformat()},
        },
        {
            "type": "tool_result",
            "seq": 2,
            "call_id": "c1",
            "name": "update_task",
            "output": {
                "ok": True,
                "task": {"id": task.id, "title": "dentist", "due_date": friday.isoformat()},
            },
        },
        {"type": "done", "seq": 3, "message_id": 5, "status": "complete"},
    )
    ui.send("move dentist to friday")
    chip = ui.replies.last.locator(".tool-chip")
    weekday = friday.strftime("%a")
    expect(chip).to_contain_text(f"Moved dentist to {weekday}")
    expect(chip.get_by_role("button", name=f"Undo: Moved dentist to {weekday}")).to_be_visible()


def test_undo_asked_of_the_assistant_shows_on_the_chip_it_took_back(ui, user):
    """4"""
    ui.sign_in(user.username)
    ui.chat("add buy milk")
    added = ui.replies.first.locator('.tool-chip[data-tool="add_task"]')
    expect(ui.pending_tasks).to_have_text(["buy milk"])

    reply = ui.chat("undo that")
    expect(reply.locator('.tool-chip[data-tool="undo_last_change"]')).to_contain_text("buy milk")
    expect(reply.locator(".message__body")).to_have_text(
        re.compile(r'^Undone: "buy milk" \(task #\d+\) is removed again\.$')
    )
    expect(added).to_have_class(re.compile(r"\bis-undone\b"))
    expect(added.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    expect(ui.pending_tasks).to_have_count(0)
    assert not Task.objects.filter(owner=user).exists()

    ui.reload()
    stored = ui.replies.first.locator('.tool-chip[data-tool="add_task"]')
    expect(stored).to_have_class(re.compile(r"\bis-undone\b"))
