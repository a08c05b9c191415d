"""A page object for the chat page: what a person does, in the tests' words."""

import re

from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD

STREAMING_BODY = ".message--assistant.is-streaming .message__body"


class ChatUI:
    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url

    # --- navigation ---------------------------------------------------------------------------
    def sign_in(self, username: str, password: str = PASSWORD) -> "ChatUI":
        self.page.goto(f"{self.base_url}/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{self.base_url}/")
        self.wait_loaded()
        return self

    def wait_loaded(self) -> None:
        """The page's script has run and loaded the task panel."""
        expect(self.page.locator("#tasks-pending-count")).to_have_text(re.compile(r"\d+"))
        self.page.wait_for_function("() => !document.querySelector('.messages.is-loading')")

    def reload(self) -> None:
        self.page.reload()
        self.wait_loaded()

    def conversation_id_in_url(self) -> int:
        match = re.search(r"/c/(\d+)/$", self.page.url)
        assert match, f"no conversation in {self.page.url}"
        return int(match[1])

    # --- chatting -----------------------------------------------------------------------------
    @property
    def composer(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message")

    @property
    def messages(self) -> Locator:
        return self.page.locator("#messages")

    @property
    def replies(self) -> Locator:
        return self.page.locator("#messages .message--assistant")

    @property
    def user_messages(self) -> Locator:
        return self.page.locator("#messages .message--user")

    def send(self, text: str) -> None:
        self.composer.fill(text)
        self.composer.press("Enter")

    def wait_reply_done(self) -> Locator:
        expect(self.page.locator(".message--assistant.is-streaming")).to_have_count(0)
        expect(self.composer).to_be_enabled()
        return self.replies.last

    def streaming_text_longer_than(self, length: int) -> str:
        """Wait until the reply still streaming shows more than `length` characters."""
        handle = self.page.wait_for_function(
            """([selector, length]) => {
                const body = document.querySelector(selector);
                return body !== null && body.textContent.length > length && body.textContent;
            }""",
            arg=[STREAMING_BODY, length],
        )
        return handle.json_value()

    def chat(self, text: str) -> Locator:
        self.send(text)
        return self.wait_reply_done()

    # --- sidebar and task panel ------------------------------------------------------------
    @property
    def conversations(self) -> Locator:
        return self.page.locator("#conversation-list .conversation")

    def conversation(self, title: str) -> Locator:
        return self.conversations.filter(
            has=self.page.locator(".conversation__title", has_text=title)
        )

    @property
    def pending_tasks(self) -> Locator:
        """The pending tasks' titles (each row also shows the task's number)."""
        return self.page.locator("#pending-tasks .task .task__title")

    @property
    def completed_tasks(self) -> Locator:
        return self.page.locator("#completed-tasks .task .task__title")

    def task_row(self, title: str) -> Locator:
        return self.page.locator(".task").filter(
            has=self.page.locator(".task__title", has_text=title)
        )
