"""axe-core on every page a person meets (issue 27, item 14): no serious or critical
violation, and the chat page has its one heading, at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from chat.models import Conversation, Message
from tests.browser.accessibility import assert_no_serious_violations
from tests.browser.chat_ui import ChatUI
from tests.conftest import PASSWORD
from todos.services import task_create

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
HEADING_ONE = ("page-has-heading-one",)


@pytest.fixture
def chatted(user):
    """A conversation with a reply, tool chips and tasks (one overdue, one due soon)."""
    import datetime

    today = datetime.date.today()
    task_create(owner=user, title="pay rent", due_date=today - datetime.timedelta(days=1))
    task_create(owner=user, title="dentist", due_date=today + datetime.timedelta(days=3))
    return user


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_chat_page_empty_and_with_a_conversation(make_page, live_server_url, chatted, viewport):
    # No animation caught half-way (a chip fading in is not its final contrast).
    page = make_page(reduced_motion="reduce", **({"viewport": viewport} if viewport else {}))
    ui = ChatUI(page, live_server_url).sign_in(chatted.username)
    assert_no_serious_violations(page, also=HEADING_ONE)

    ui.chat("add buy milk due tomorrow")
    ui.chat("what's left?")
    page.locator("#conversation-list .conversation").first.wait_for(state="attached")
    assert_no_serious_violations(page, also=HEADING_ONE)

    if viewport:
        page.get_by_role("button", name="Show Tasks").click()
        expect(page.get_by_role("complementary", name="Tasks")).to_be_visible()
        page.wait_for_function(
            "() => getComputedStyle(document.getElementById('task-panel')).transform === 'none'"
        )
        assert_no_serious_violations(page, also=HEADING_ONE)


def test_sign_in_sign_up_and_account_pages(make_page, live_server_url, user):
    page = make_page(reduced_motion="reduce")
    page.goto(f"{live_server_url}/accounts/login/")
    assert_no_serious_violations(page, also=HEADING_ONE)
    page.goto(f"{live_server_url}/accounts/signup/")
    assert_no_serious_violations(page, also=HEADING_ONE)
    ChatUI(page, live_server_url).sign_in(user.username)
    page.goto(f"{live_server_url}/accounts/account/")
    assert_no_serious_violations(page, also=HEADING_ONE)
    # A refused form shows its errors: still nothing serious.
    page.get_by_label("Your password").fill("not-the-password")
    page.get_by_role("button", name="Delete my account").click()
    expect(
        page.locator(
            ".account__section--danger .form__errors, .account__section--danger .field__errors"
        ).first
    ).to_be_visible()
    assert_no_serious_violations(page)


def test_the_admin_transcript_page(make_page, live_server_url, make_user, user):
    make_user("staff", is_staff=True, is_superuser=True)
    conversation = Conversation.objects.create(owner=user, title="groceries")
    Message.objects.create(conversation=conversation, role="user", content="add buy milk")
    Message.objects.create(
        conversation=conversation,
        role="assistant",
        content='Added "buy milk".',
        tool_calls=[
            {
                "call_id": "c1",
                "name": "add_task",
                "arguments": {"title": "buy milk"},
                "output": {"ok": True, "task": {"id": 1, "title": "buy milk"}},
            }
        ],
    )
    page = make_page(reduced_motion="reduce")
    page.goto(f"{live_server_url}/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server_url}/admin/chat/conversation/{conversation.pk}/change/")
    expect(page.get_by_text("add buy milk").first).to_be_visible()
    assert_no_serious_violations(page)
