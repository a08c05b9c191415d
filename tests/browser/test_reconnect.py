"""A page that loses the network or its worker mid-reply (issue 25): it says "Reconnecting…",
keeps trying, and shows the whole reply once the network is back, with the message and its
task stored once; a reply whose worker was killed shows "Interrupted", its text, and Retry."""

import re
import time
import uuid

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import expect

from chat.models import Message
from tests.browser.chat_ui import ChatUI
from tests.browser.tcp_proxy import TcpProxy
from tests.conftest import PASSWORD
from tests.waiting import wait_until
from tests.workers import start_workers
from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.browser

LIVE_STREAM = re.compile(r"/api/\d+/events(\?|$)")  # the user's live stream, not a run's

CUT_S = 22


def _reply_text(ui: ChatUI) -> str:
    return ui.replies.last.locator(".message__body").text_content()


def test_a_22_s_network_cut_mid_reply_ends_with_the_whole_reply_once(
    make_page, live_server_url, user, settings
):
    settings.OFFLINE_MODEL_FIRST_TOKEN_MS = 3000
    settings.OFFLINE_MODEL_TOKEN_MS = 200
    with TcpProxy(int(live_server_url.rsplit(":", 1)[1])) as proxy:
        ui = ChatUI(make_page(), proxy.url)
        ui.sign_in(user.username)
        ui.send("add buy milk")
        # Stored on the server: now the network goes.
        wait_until(lambda: Message.objects.filter(role="user", content="add buy milk").exists())
        proxy.cut()
        reconnecting = ui.replies.last.get_by_role("status")
        expect(reconnecting).to_have_text("Reconnecting…", timeout=15_000)
        time.sleep(CUT_S)  # the outage itself, not a wait for a result
        proxy.restore()
        reply = ui.wait_reply_done()
        expect(reconnecting).to_be_hidden()
        saved = Message.objects.get(role="assistant")
        assert saved.status == "complete"
        expect(reply.locator(".message__body")).to_have_text(saved.content)
    assert Message.objects.filter(role="user").count() == 1
    assert Task.objects.filter(owner=user).count() == 1
    expect(ui.user_messages).to_have_count(1)


def test_a_live_stream_back_after_the_turn_ended_shows_its_message_and_reply_once(
    make_page, live_server_url, user
):
    """The order the test above can meet by chance, made certain: the page's live stream comes
    back only after the reply's own stream has ended, and replays the turn's announcements
    (`message.created`, `run.started`). They are on screen already: the page shows them once
    (it showed the message twice, and followed the run again)."""
    with TcpProxy(int(live_server_url.rsplit(":", 1)[1])) as proxy:
        ui = ChatUI(make_page(), proxy.url)
        ui.sign_in(user.username)
        page = ui.page
        task_create(owner=user, title="call mom")  # an event id for the live stream to resume at
        expect(ui.pending_tasks).to_have_text(["call mom"])

        def held_until_released(route) -> None:
            page.wait_for_function("() => window.releaseLive === true", polling=50)
            route.continue_()

        page.route(LIVE_STREAM, held_until_released)
        with page.expect_request(LIVE_STREAM, timeout=30_000):  # the live stream's reconnect
            proxy.cut()
            proxy.restore()
        ui.send("add buy milk")
        ui.wait_reply_done()
        page.evaluate("window.releaseLive = true")
        task_create(owner=user, title="call dad")  # after the replay: once shown, it is applied
        expect(ui.pending_tasks).to_contain_text(["call dad"], timeout=30_000)
        expect(ui.user_messages).to_have_count(1)
        expect(ui.replies).to_have_count(1)


@pytest.mark.django_db(transaction=True)  # the workers read what the test writes
def test_a_reply_whose_worker_was_killed_shows_interrupted_with_retry(make_page, user, redis_url):
    a, b = start_workers(
        2,
        REDIS_URL=redis_url,
        CHAT_RUN_REDIS_PREFIX=f"taskstream-test:{uuid.uuid4().hex}:",
        CHAT_RUN_LEASE_S="2",
        OFFLINE_MODEL_FIRST_TOKEN_MS="0",
        OFFLINE_MODEL_TOKEN_MS="250",
    )
    # The workers check passwords with the production hashers, not the tests' fast one.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    try:
        with TcpProxy(a.port) as proxy:
            ui = ChatUI(make_page(), proxy.url)
            ui.sign_in(user.username)
            ui.send("help")
            partial = ui.streaming_text_longer_than(20)
            proxy.upstream_port = b.port  # the load balancer's next choice
            a.kill()
            reply = ui.wait_reply_done()
            expect(reply.locator(".message__note--interrupted")).to_have_text("Interrupted")
            expect(reply.locator(".message__note--stopped")).to_have_count(0)
            assert _reply_text(ui).startswith(partial)
            saved = wait_until(
                lambda: Message.objects.filter(role="assistant", status="interrupted").first()
            )
            assert _reply_text(ui).startswith(saved.content.strip()[:20])
            retry = reply.get_by_role("button", name="Retry")
            expect(retry).to_be_visible()
            retry.click()
            expect(ui.replies).to_have_count(2)
            ui.wait_reply_done()
            expect(ui.replies.last.locator(".message__body")).to_contain_text(re.compile("Delete"))
            ui.reload()
            expect(ui.replies.first.locator(".message__note--interrupted")).to_have_text(
                "Interrupted"
            )
    finally:
        a.close()
        b.close()
