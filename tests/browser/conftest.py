"""Headless Chromium (Debian's, not Playwright's download) driving the real pages on a live
uvicorn server. A missing browser fails the run loudly: these tests are never skipped."""

import os
from pathlib import Path

import pytest

from tests.browser.chat_ui import ChatUI

# Playwright's sync API runs an event loop in this thread; Django would then refuse the
# tests' own ORM calls (creating users and tasks) as "async unsafe". They are not async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
            "(or set CHROMIUM_PATH). Browser tests are never skipped.",
            pytrace=False,
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def make_page(browser):
    """New pages (each its own cookie jar); uncaught JavaScript errors fail the test."""
    contexts, errors = [], []

    def make(**options):
        context = browser.new_context(**({"viewport": DESKTOP} | options))
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def ui(make_page, live_server_url) -> ChatUI:
    return ChatUI(make_page(), live_server_url)


@pytest.fixture
def paced(settings):
    """The offline model writes at a human pace, so the reply can be seen growing."""
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 250
    settings.OFFLINE_MODEL_TOKEN_MS = 60
    return settings
