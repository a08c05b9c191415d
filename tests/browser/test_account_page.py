"""The Account page in a real browser: reached from the chat's header, the password changed
(this tab stays signed in, another browser is signed out) and the data downloaded."""

import json

import pytest
from playwright.sync_api import expect

from chat.models import Message
from tests.browser.chat_ui import ChatUI
from tests.conftest import PASSWORD
from todos.services import task_create

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-brand-new-password-31"


def test_change_the_password_and_download_the_data_from_the_account_page(
    ui, make_page, live_server_url, user
):
    task_create(owner=user, title="buy milk")
    conversation = user.conversations.create(title="groceries")
    Message.objects.create(conversation=conversation, role="user", content="add buy milk")
    Message.objects.create(
        conversation=conversation,
        role="assistant",
        content="Added.",
        tool_calls=[{"call_id": "c1", "name": "add_task", "arguments": {"title": "buy milk"}}],
    )
    elsewhere = ChatUI(make_page(), live_server_url).sign_in(user.username)

    ui.sign_in(user.username)
    ui.page.get_by_role("link", name=f"{user.username} (your account)").click()
    ui.page.wait_for_url(f"{live_server_url}/accounts/account/")
    expect(ui.page.get_by_role("heading", name="Your account")).to_be_visible()

    ui.page.get_by_label("Current password").fill(PASSWORD)
    ui.page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    ui.page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    ui.page.get_by_role("button", name="Change password").click()
    expect(ui.page.get_by_role("status")).to_contain_text("Your password is changed")

    # This tab is still signed in; the other browser is not.
    with ui.page.expect_download() as download_info:
        ui.page.get_by_role("link", name="Download my data").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"taskstream-{user.username}-")
    document = json.loads(download.path().read_text())
    assert document["user"]["username"] == user.username
    assert [task["title"] for task in document["tasks"]] == ["buy milk"]
    (exported,) = document["conversations"]
    assert [m["content"] for m in exported["messages"]] == ["add buy milk", "Added."]
    assert exported["messages"][1]["tool_calls"][0]["name"] == "add_task"

    elsewhere.page.reload()
    assert "/accounts/login/" in elsewhere.page.url

    ui.page.goto(f"{live_server_url}/")
    ui.wait_loaded()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
