"""Due dates on the chat page: set, see after reload, clear; overdue tasks marked.

The browser runs in Pacific/Kiritimati (UTC+14) while the server's TIME_ZONE is UTC, so on
most hours of the day the page's "today" is the server's tomorrow: the page must send its zone.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from config.timezones import local_today
from tests.browser.chat_ui import ChatUI
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.browser

ZONE = "Pacific/Kiritimati"


@pytest.fixture
def ui(make_page, live_server_url, settings) -> ChatUI:
    settings.TIME_ZONE = "UTC"
    return ChatUI(make_page(timezone_id=ZONE), live_server_url)


def rows(ui: ChatUI):
    """The pending task rows (ui.pending_tasks gives their titles)."""
    return ui.page.locator("#pending-tasks .task")


def _patched(response) -> bool:
    return response.request.method == "PATCH" and response.ok


def test_set_a_date_see_it_after_reload_clear_it_and_see_overdue_marked(ui, user):
    today = local_today(ZONE)
    late = task_create(owner=user, title="old bill", due_date=today - timedelta(days=1))
    rent = task_create(owner=user, title="pay rent")
    ui.sign_in(user.username)

    overdue = rows(ui).filter(has_text="old bill").locator(".task-due")
    expect(overdue).to_have_class(re.compile(r"\bis-overdue\b"))
    expect(overdue).to_contain_text("yesterday")
    expect(overdue).to_contain_text("overdue")
    expect(ui.pending_tasks).to_have_text(["old bill", "pay rent"])

    ui.page.get_by_role("button", name="Set a due date for “pay rent”").click()
    field = ui.page.get_by_role("textbox", name="Due date of “pay rent”")
    expect(field).to_be_focused()
    with ui.page.expect_response(_patched):
        field.fill((today + timedelta(days=1)).isoformat())
        field.press("Enter")
    rent_due = rows(ui).filter(has_text="pay rent").locator(".task-due")
    expect(rent_due).to_have_text("tomorrow")
    expect(rent_due).not_to_have_class(re.compile(r"\bis-overdue\b"))
    rent.refresh_from_db()
    assert rent.due_date == today + timedelta(days=1)

    ui.reload()
    expect(rows(ui).filter(has_text="pay rent").locator(".task-due")).to_have_text("tomorrow")
    expect(rows(ui).filter(has_text="old bill").locator(".task-due")).to_contain_text("overdue")

    # A date further out shows as a month and day; the list re-sorts as the API does.
    ui.page.get_by_role("button", name=re.compile("change the date of “pay rent”")).click()
    with ui.page.expect_response(_patched):
        field.fill(f"{today.year + 1}-02-05")  # next year, and never within a week
        field.press("Enter")
    expect(rows(ui).filter(has_text="pay rent").locator(".task-due")).to_have_text(
        f"Feb 5, {today.year + 1}"
    )

    with ui.page.expect_response(_patched):
        ui.page.get_by_role("button", name="Remove the due date of “old bill”").click()
    expect(rows(ui).filter(has_text="old bill").locator(".task-due")).not_to_contain_text("overdue")
    # Undated tasks sort last.
    expect(ui.pending_tasks).to_have_text(["pay rent", "old bill"])
    late.refresh_from_db()
    assert late.due_date is None
    assert Task.objects.get(pk=rent.pk).due_date.year == today.year + 1


def test_a_tool_chip_names_the_date_the_assistant_set(ui, user):
    ui.sign_in(user.username)
    reply = ui.chat("add call mom tomorrow")
    expect(reply.locator(".tool-chip")).to_contain_text("call mom · due tomorrow")
    expect(reply.locator(".message__body")).to_contain_text('Added "call mom"')
    tomorrow = local_today(ZONE) + timedelta(days=1)
    assert Task.objects.get(owner=user).due_date == tomorrow
    expect(rows(ui).filter(has_text="call mom").locator(".task-due")).to_have_text("tomorrow")

    reply = ui.chat("what's due this week?")
    expect(reply.locator(".tool-chip")).to_contain_text("due this week")
    expect(reply.locator(".message__body")).to_contain_text("You have 1 task due this week")


def test_phone_width_keeps_working_with_dates(make_page, live_server_url, user):
    ui = ChatUI(
        make_page(viewport={"width": 360, "height": 740}, timezone_id=ZONE), live_server_url
    )
    today = local_today(ZONE)
    task_create(owner=user, title="renew the passport before the trip", due_date=today)
    task_create(owner=user, title="old bill", due_date=today - timedelta(days=9))
    ui.sign_in(user.username)
    ui.page.get_by_role("button", name="Show tasks").click()
    expect(rows(ui).filter(has_text="old bill").locator(".task-due")).to_contain_text("overdue")
    ui.page.get_by_role("button", name=re.compile("change the date of “old bill”")).click()
    expect(ui.page.get_by_role("textbox", name="Due date of “old bill”")).to_be_visible()
    assert ui.page.evaluate("() => document.documentElement.scrollWidth") <= 360
    panel = ui.page.get_by_role("complementary", name="Tasks")
    assert ui.page.evaluate(
        "(panel) => panel.scrollWidth <= panel.clientWidth", panel.element_handle()
    )
