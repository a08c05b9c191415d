"""Over CHAT_RATE_LIMIT, the chat page says so inline, like its other errors, and stores
nothing; its Retry waits for the time the server named (Retry-After)."""

import pytest
from playwright.sync_api import expect

from chat.models import Message
from config.env import RateLimit
from config.ratelimit import forget_local_attempts

pytestmark = pytest.mark.browser


def test_a_refused_turn_is_shown_inline_with_the_wait(ui, user, settings, rate_limit_clock):
    assert not settings.REDIS_URL
    forget_local_attempts()
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
    forget_local_attempts()


def test_the_wait_counts_down_and_new_attempts_keep_one_notice(ui, user, settings):
    """Issue 27, item 10: "Try again in N s" counts down, the disabled Retry looks disabled,
    another attempt replaces the refused one (one bubble, one notice), and nothing is sent
    again unless the person asks."""
    forget_local_attempts()
    settings.CHAT_RATE_LIMIT = RateLimit(count=1, period_s=60)
    ui.page.clock.install()
    ui.sign_in(user.username)
    ui.chat("add buy milk")

    ui.send("add buy bread")
    error = ui.replies.last.get_by_role("alert")
    expect(error).to_contain_text("Too many messages. Try again in")
    countdown = error.locator(".countdown")
    first = int(countdown.inner_text().split()[0])
    retry = error.get_by_role("button", name="Retry")
    expect(retry).to_be_disabled()
    enabled_look = ui.page.get_by_role("button", name="New chat").evaluate(
        "element => getComputedStyle(element).backgroundColor"
    )
    assert retry.evaluate("element => getComputedStyle(element).color") != retry.evaluate(
        "element => getComputedStyle(element.closest('.error-box')).color"
    )
    assert retry.evaluate("element => getComputedStyle(element).backgroundColor") != enabled_look

    ui.page.clock.fast_forward(3_000)
    expect(countdown).to_have_text(f"{first - 3} s")

    ui.send("add buy eggs")
    expect(ui.page.locator(".error-box")).to_have_count(1)
    expect(ui.user_messages).to_have_text(["You: add buy milk", "You: add buy eggs"])

    ui.page.clock.fast_forward((first + 1) * 1000)
    error = ui.replies.last.get_by_role("alert")
    expect(error).to_contain_text("You can send again now.")
    expect(error.get_by_role("button", name="Retry")).to_be_enabled()
    assert Message.objects.filter(role="user").count() == 1  # nothing was sent by itself
    forget_local_attempts()


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
