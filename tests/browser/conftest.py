"""Headless Chromium (Debian's, not Playwright's download) driving the real pages on a live
uvicorn server. A missing browser fails the run loudly: these tests are never skipped."""

import os
import re

import pytest

from tests.browser.chat_ui import ChatUI
from tests.browser.chromium import ChromiumMissing, launch_chromium
from tests.waiting import DEADLINE_S

DESKTOP = {"width": 1280, "height": 800}
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
# Playwright's waits (expect, actions, navigation) last as long as a loaded machine may need;
# a passing test never waits that long.
DEADLINE_MS = DEADLINE_S * 1000


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an event loop running in the test's thread, so Django would
    refuse the tests' own synchronous ORM calls (creating users, checking rows) as "async
    unsafe". They are not async: allow them while this module's browser is open, only.
    """
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEADLINE_MS)
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            try:
                browser = launch_chromium(playwright)
            except ChromiumMissing as missing:
                pytest.fail(str(missing), pytrace=False)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def make_page(browser, live_server_url):
    """New pages (each its own cookie jar); uncaught JavaScript errors fail the test.

    The pages close before the test's server stops, whatever order a test names the two
    fixtures in: a page's live stream never ends by itself, and a server stopping with one
    open waits for it (10 s, then gives up, leaving its thread behind)."""
    contexts, errors = [], []

    def make(**options):
        context = browser.new_context(**({"viewport": DESKTOP} | options))
        context.set_default_timeout(DEADLINE_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# The page's live stream (GET /api/<user_id>/events) never ends by itself: leaving or reloading
# the page is the only way it stops, and the browser reports that as an aborted request.
LIVE_STREAM = re.compile(r"/api/\d+/events(?:\?|$)")


class _Navigations:
    """Which of the page's navigations each request began under: a request the browser aborts
    because the page left for another (a favicon, a stream) is no failure of the product. That
    includes one the old page began after the next navigation was asked for but before the new
    page replaced it (a list the page loads just as a test moves on)."""

    def __init__(self, page) -> None:
        self.page = page
        self.requested = 0  # main-frame navigations asked for
        self.loaded = 0  # new documents of the main frame (a pushState is none)
        self.began: dict[object, tuple[int, int]] = {}  # Playwright gives one object per request

    def request(self, request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.requested += 1
        self.began[request] = (self.requested, self.loaded)

    def document_loaded(self, page) -> None:
        self.loaded += 1

    def cut_by_leaving(self, request) -> bool:
        if "ERR_ABORTED" not in (request.failure or ""):
            return False
        requested, loaded = self.began.get(request, (self.requested, self.loaded))
        leaving_then = loaded < requested  # a navigation asked for, its page not there yet
        return bool(LIVE_STREAM.search(request.url)) or requested < self.requested or leaving_then


def watch_console(page) -> list[str]:
    """Everything a person with the developer console open would see go wrong on `page`:
    console errors, failed requests (aborted ones too, but for those the page cut by leaving)
    and error responses."""
    problems: list[str] = []
    navigations = _Navigations(page)
    page.on("request", navigations.request)
    page.on("domcontentloaded", navigations.document_loaded)
    page.on(
        "console",
        lambda message: message.type == "error" and problems.append(f"console: {message.text}"),
    )
    page.on(
        "requestfailed",
        lambda request: (
            navigations.cut_by_leaving(request)
            or problems.append(f"failed: {request.url} {request.failure}")
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"{response.status}: {response.url}")
        ),
    )
    return problems


@pytest.fixture
def ui(make_page, live_server_url) -> ChatUI:
    return ChatUI(make_page(), live_server_url)


@pytest.fixture
def paced(settings):
    """The offline model writes at a slow human pace, so the reply can be seen growing: its
    "thinking" lasts 2 s and a short reply ("Added …", 5 tokens) streams for 2.5 s, time
    enough for a loaded machine to look at it (and type) more than once."""
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 2000
    settings.OFFLINE_MODEL_TOKEN_MS = 500
    return settings


@pytest.fixture
def slow_help(settings):
    """ "help" is ~70 tokens: at 250 ms each the reply takes ~18 s unless someone stops it,
    long enough for a loaded machine to act on it while it streams."""
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 0
    settings.OFFLINE_MODEL_TOKEN_MS = 250
    return settings
