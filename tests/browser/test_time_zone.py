"""The user's time zone in a real browser: signing in stores the browser's zone (an account
without one keeps it), and the Account page changes it and the reminder settings."""

import pytest
from playwright.sync_api import expect

from accounts.models import Preferences
from tests.browser.chat_ui import ChatUI

pytestmark = pytest.mark.browser


def test_the_browsers_zone_at_sign_in_then_the_account_page(make_page, live_server_url, user):
    page = make_page(timezone_id="Asia/Tokyo")
    ChatUI(page, live_server_url).sign_in(user.username)
    assert Preferences.objects.get(user=user).time_zone == "Asia/Tokyo"

    page.goto(f"{live_server_url}/accounts/account/")
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("Asia/Tokyo")
    zone.select_option("Europe/Berlin")
    page.get_by_label("Default reminder").select_option(label="30 minutes before")
    page.get_by_label("By email, to your verified address").uncheck()
    page.get_by_role("button", name="Save time zone and reminders").click()
    expect(page.get_by_role("status")).to_contain_text("time zone and reminder settings are saved")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/Berlin")
    stored = Preferences.objects.get(user=user)
    assert (stored.time_zone, stored.default_reminder_minutes) == ("Europe/Berlin", 30)
    assert (stored.remind_in_page, stored.remind_by_email) == (True, False)

    # Signing in again from another zone leaves the chosen one.
    elsewhere = make_page(timezone_id="America/Sao_Paulo")
    ChatUI(elsewhere, live_server_url).sign_in(user.username)
    assert Preferences.objects.get(user=user).time_zone == "Europe/Berlin"
