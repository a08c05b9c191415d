"""Over CHAT_RATE_LIMIT, the chat page says so inline, like its other errors, and stores
nothing; its Retry waits for the time the server named (Retry-After)."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from chat.models import Message
from config.env import RateLimit

pytestmark = pytest.mark.browser


def test_a_refused_turn_is_shown_inline_with_the_wait(ui, user, settings, rate_limit_clock):
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    cache.clear()
    settings.CHAT_RATE_LIMIT = RateLimit(count=1, period_s=3600)
    ui.sign_in(user.username)
    ui.chat("add buy milk")

    ui.send("add buy bread")
    error = ui.replies.last.get_by_role("alert")
    expect(error).to_contain_text("Too many messages. Try again in")
    expect(error.get_by_role("button", name="Retry")).to_be_disabled()
    expect(ui.composer).to_be_enabled()
    assert list(Message.objects.filter(role="user").values_list("content", flat=True)) == [
        "add buy milk"
    ]
    cache.clear()


def test_pages_run_under_their_content_security_policy(make_page, live_server_url, user):
    """No console report of a blocked script or style: on the chat page, the sign-in page
    and Swagger UI (whose start-up script is a file, config.openapi.ApiDocsView)."""
    from tests.browser.chat_ui import ChatUI

    page = make_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server_url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Taskstream API")
    ChatUI(page, live_server_url).sign_in(user.username)
    expect(page.locator("#composer-input")).to_be_visible()
    assert violations == []
