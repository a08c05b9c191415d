"""Regenerate the README's screenshots in docs/screenshots/ from the real pages.

    .venv/bin/python -m tests.browser.screenshots

Uses a throwaway SQLite database, the offline model and a live uvicorn in this process;
the conversations are made by chatting through the page, like a person would.
"""

import io
import os
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
USERNAME, PASSWORD = "demo", "demo-password-123"


def configure_django(database: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{database}",
        DOTENV_DISABLED="1",
        SECRET_KEY=os.environ.get("SECRET_KEY", "screenshots-only-not-a-secret"),
        OFFLINE_MODEL_FIRST_TOKEN_MS="0",
        OFFLINE_MODEL_TOKEN_MS="0",
        LOG_LEVEL="WARNING",
        # The sync Playwright API keeps an event loop in this thread; the ORM calls here are sync.
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENT_MODEL", "REDIS_URL"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("ensure_demo_users", stdout=io.StringIO())


def seed(ui) -> int:
    """Chat a little; return the id of the conversation to show."""
    from chat.conversations import conversation_rename
    from chat.models import Conversation

    ui.chat("add book flights to Lisbon and renew passport")
    trip = Conversation.objects.get(pk=ui.conversation_id_in_url())
    conversation_rename(conversation=trip, title="Trip to Lisbon")
    ui.page.get_by_role("button", name="New chat").click()
    ui.chat("add pay rent")
    ui.page.get_by_role("button", name="New chat").click()
    ui.chat("add buy milk, call the dentist and water the plants")
    ui.chat("I finished call the dentist")
    ui.page.get_by_role("checkbox", name="pay rent").check()
    ui.chat("what's left?")
    return ui.conversation_id_in_url()


def shoot(ui, name: str) -> None:
    ui.page.mouse.move(0, 0)  # no hover effects
    ui.page.wait_for_timeout(350)  # animations settle
    path = OUT / name
    ui.page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(OUT.parents[1])}")


def main() -> None:
    from django.test import override_settings
    from playwright.sync_api import sync_playwright

    from tests.browser.chat_ui import ChatUI
    from tests.browser.chromium import launch_chromium
    from tests.servers import LiveAsgiServer

    OUT.mkdir(parents=True, exist_ok=True)
    with LiveAsgiServer() as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)

        def new_ui(**options) -> ChatUI:
            page = browser.new_context(**options).new_page()
            page.on("pageerror", lambda error: sys.exit(f"JavaScript error: {error}"))
            return ChatUI(page, server.url)

        ui = new_ui(viewport=DESKTOP, color_scheme="light")
        ui.page.goto(f"{server.url}/accounts/login/")
        shoot(ui, "sign-in.png")
        ui.sign_in(USERNAME, PASSWORD)
        conversation_id = seed(ui)
        url = f"{server.url}/c/{conversation_id}/"
        ui.reload()
        shoot(ui, "chat-desktop.png")

        dark = new_ui(viewport=DESKTOP, color_scheme="dark").sign_in(USERNAME, PASSWORD)
        dark.page.goto(url)
        dark.wait_loaded()
        shoot(dark, "chat-desktop-dark.png")

        phone = new_ui(viewport=PHONE, color_scheme="light", device_scale_factor=2)
        phone.sign_in(USERNAME, PASSWORD)
        phone.page.goto(url)
        phone.wait_loaded()
        shoot(phone, "chat-phone.png")

        # Mid-reply: the tool chips checked, the answer still being written.
        with override_settings(OFFLINE_MODEL_FIRST_TOKEN_MS=0, OFFLINE_MODEL_TOKEN_MS=400):
            ui.page.get_by_role("button", name="New chat").click()
            ui.send("add oat milk, eggs and bread")
            ui.streaming_text_longer_than(48)
            shoot(ui, "chat-desktop-streaming.png")
            ui.page.get_by_role("button", name="Stop").click()
            ui.wait_reply_done()
        browser.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as workdir:
        configure_django(Path(workdir) / "screenshots.sqlite3")
        main()
