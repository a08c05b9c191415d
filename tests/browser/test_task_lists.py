"""The task panel's lists, search and changes to many tasks: switching lists, searching as
you type, a bulk action and its one Undo, "Clear completed", at desktop and phone width."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.chat_ui import ChatUI
from tests.browser.conftest import watch_console
from todos.lists import list_create
from todos.models import Task, TaskList
from todos.services import task_complete, task_create

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "360px"])


@pytest.fixture
def shopping(user):
    groceries = list_create(owner=user, name="Groceries")
    task_create(owner=user, title="pay rent", priority=1)
    task_create(owner=user, title="Café au lait")
    task_create(owner=user, title="milk", task_list=groceries)
    task_create(owner=user, title="eggs", task_list=groceries, priority=2)
    return user


@VIEWPORTS
def test_switching_lists_shows_counts_numbers_and_priorities(
    make_page, live_server_url, shopping, viewport
):
    page = make_page(viewport=viewport)
    problems = watch_console(page)
    ui = ChatUI(page, live_server_url)
    ui.sign_in(shopping.username)
    if viewport is PHONE:
        page.get_by_role("button", name="Show tasks").click()
    switcher = page.get_by_role("combobox", name="List", exact=True)
    expect(switcher.locator("option")).to_have_text(["All (4)", "Inbox (2)", "Groceries (2)"])
    expect(ui.pending_tasks).to_have_text(["pay rent", "eggs", "milk", "Café au lait"])
    row = ui.task_row("pay rent")
    expect(row.locator(".task__number")).to_have_text("#1")
    expect(row.locator(".task__priority")).to_have_text("P1")
    expect(ui.task_row("milk").locator(".task__priority")).to_have_count(0)  # P4: nothing

    switcher.select_option(label="Groceries (2)")
    expect(ui.pending_tasks).to_have_text(["eggs", "milk"])
    # A task added now goes to the list shown.
    page.get_by_role("textbox", name="New task").fill("flour")
    page.get_by_role("button", name="Add task").click()
    expect(ui.pending_tasks).to_have_text(["flour", "eggs", "milk"])
    assert Task.objects.get(title="flour").list.name == "Groceries"
    expect(switcher.locator("option")).to_have_text(["All (5)", "Inbox (2)", "Groceries (3)"])

    switcher.select_option(label="Inbox (2)")
    expect(ui.pending_tasks).to_have_text(["pay rent", "Café au lait"])
    if viewport is PHONE:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, "nothing wider than the phone"
    assert not problems


def test_make_rename_and_delete_a_list_by_keyboard(ui, shopping):
    ui.sign_in(shopping.username)
    page = ui.page
    page.get_by_role("button", name="New list").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Work")
    page.keyboard.press("Enter")
    switcher = page.get_by_role("combobox", name="List", exact=True)
    expect(switcher.locator("option:checked")).to_have_text("Work (0)")
    # A name already used, in another case, is refused and said so.
    page.get_by_role("button", name="Rename list").click()
    page.get_by_role("textbox", name="New name for “Work”").fill("GROCERIES")
    page.keyboard.press("Enter")
    expect(page.locator("#tasks-error")).to_contain_text("already have a list")
    page.get_by_role("textbox", name="New name for “Work”").fill("Job")
    page.keyboard.press("Enter")
    expect(switcher.locator("option:checked")).to_have_text("Job (0)")
    page.get_by_role("button", name="Delete list").click()
    page.get_by_role("button", name="Delete list").last.click()  # the dialog's
    expect(switcher.locator("option:checked")).to_have_text("All (4)")
    assert not TaskList.objects.filter(name__in=["Work", "Job"]).exists()
    # The Inbox can be neither renamed nor deleted: it offers neither.
    switcher.select_option(label="Inbox (2)")
    expect(page.get_by_role("button", name="Rename list")).to_be_hidden()
    expect(page.get_by_role("button", name="Delete list")).to_be_hidden()


TASK_PAGES = re.compile(r"/api/\d+/tasks/\?")


def test_a_refused_rename_stays_said_when_a_refresh_lands_after_it(ui, shopping):
    """A change made elsewhere reaches the page on its live stream and reloads the panel; that
    reload may be answered after a refused rename, and its success leaves the refusal shown
    (it once wiped it: the page then said nothing at all)."""
    list_create(owner=shopping, name="Work")
    ui.sign_in(shopping.username)
    page = ui.page
    switcher = page.get_by_role("combobox", name="List", exact=True)
    switcher.select_option(label="Groceries (2)")
    expect(ui.pending_tasks).to_have_text(["eggs", "milk"])

    def held_until_released(route) -> None:  # the panel's reload answers when the test says
        page.wait_for_function("() => window.releaseReloads === true", polling=50)
        route.continue_()

    page.route(TASK_PAGES, held_until_released)
    with page.expect_request(TASK_PAGES):
        task_create(owner=shopping, title="flour", task_list=TaskList.objects.get(name="Groceries"))
    page.get_by_role("button", name="Rename list").click()
    page.get_by_role("textbox", name="New name for “Groceries”").fill("WORK")
    page.keyboard.press("Enter")
    expect(page.locator("#tasks-error")).to_contain_text("already have a list")
    page.evaluate("window.releaseReloads = true")
    expect(ui.task_row("flour")).to_be_visible()  # the reload has landed
    expect(page.locator("#tasks-error")).to_contain_text("already have a list")


def test_search_filters_as_you_type_through_the_api(ui, shopping):
    ui.sign_in(shopping.username)
    page = ui.page
    searches = []
    page.on("request", lambda r: "search=" in r.url and searches.append(r.url))
    page.get_by_role("searchbox", name="Search tasks").press_sequentially("CAFÉ", delay=20)
    expect(ui.pending_tasks).to_have_text(["Café au lait"])
    assert len(searches) <= 2, "debounced: not one request per key"
    page.get_by_role("searchbox", name="Search tasks").fill("")
    expect(ui.pending_tasks).to_have_count(4)


@VIEWPORTS
def test_a_bulk_action_and_its_one_undo(make_page, live_server_url, shopping, viewport):
    ui = ChatUI(make_page(viewport=viewport), live_server_url)
    ui.sign_in(shopping.username)
    page = ui.page
    if viewport is PHONE:
        page.get_by_role("button", name="Show tasks").click()
    page.get_by_role("button", name="Select").click()
    page.get_by_role("checkbox", name="Select #1 pay rent").check()
    page.get_by_role("checkbox", name="Select #3 milk").check()
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    page.get_by_role("toolbar", name="Selected tasks").get_by_role(
        "button", name="Complete"
    ).click()
    expect(ui.completed_tasks).to_have_text(["pay rent", "milk"])
    assert Task.objects.filter(completed=True).count() == 2

    page.get_by_role("button", name="Undo").click()
    expect(ui.completed_tasks).to_have_count(0)
    expect(ui.pending_tasks).to_have_count(4)
    assert not Task.objects.filter(completed=True).exists()

    # Shift-click selects the tasks in between.
    page.get_by_role("checkbox", name="Select #1 pay rent").click()
    page.get_by_role("checkbox", name="Select #2 Café au lait").click(modifiers=["Shift"])
    expect(page.locator("#bulk-count")).to_have_text("4 selected")
    page.get_by_role("checkbox", name="Select #1 pay rent").click()  # one off again
    expect(page.locator("#bulk-count")).to_have_text("3 selected")

    # Move by keyboard: select all, then the "Move to" list.
    page.get_by_role("button", name="Select all").click()
    page.get_by_role("combobox", name="Move to list").select_option(label="Groceries")
    expect(page.get_by_role("combobox", name="List", exact=True).locator("option")).to_have_text(
        ["All (4)", "Inbox (0)", "Groceries (4)"]
    )


def test_clear_completed_is_one_delete_with_one_undo(ui, shopping):
    for title in ("old one", "old two", "old three"):
        task_complete(task=task_create(owner=shopping, title=title))
    ui.sign_in(shopping.username)
    page = ui.page
    expect(ui.completed_tasks).to_have_count(3)
    bulk = []
    page.on("request", lambda r: r.url.endswith("/tasks/bulk/") and bulk.append(r.url))
    page.get_by_role("button", name="Clear completed").click()
    page.locator("#confirm-ok").click()
    expect(ui.completed_tasks).to_have_count(0)
    assert len(bulk) == 1 and not Task.objects.filter(completed=True).exists()
    page.get_by_role("button", name="Undo").click()
    expect(ui.completed_tasks).to_have_count(3)
    numbers = sorted(Task.objects.filter(completed=True).values_list("number", flat=True))
    assert numbers == [5, 6, 7]  # back with their own numbers
