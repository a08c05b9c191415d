"""The user's stored time zone and reminder preferences: `PATCH /api/auth/me/`, which zone
applies to a request (the client's, else the account's, else TIME_ZONE) and the sign-in
storing the browser's zone when the account has none."""

import json

import pytest

from accounts.models import Preferences
from accounts.preferences import (
    preferences_update,
    time_zone_set_if_unknown,
    user_time_zone,
)
from chat.turns import turn_start
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"


def test_defaults_without_a_row(api, user):
    body = api.get(ME).json()
    assert (body["time_zone"], body["default_reminder_minutes"]) == ("", None)
    assert (body["remind_in_page"], body["remind_by_email"]) == (True, True)
    assert not Preferences.objects.exists()


def test_patch_sets_the_time_zone_and_the_reminder_preferences_without_a_password(api, user):
    response = api.patch(
        ME,
        {
            "time_zone": "Europe/Berlin",
            "default_reminder_minutes": 30,
            "remind_in_page": True,
            "remind_by_email": False,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["time_zone"], body["default_reminder_minutes"]) == ("Europe/Berlin", 30)
    assert (body["remind_in_page"], body["remind_by_email"]) == (True, False)
    stored = Preferences.objects.get(user=user)
    assert (stored.time_zone, stored.default_reminder_minutes, stored.remind_by_email) == (
        "Europe/Berlin",
        30,
        False,
    )
    # One field at a time leaves the others; null turns the default reminder off.
    body = api.patch(ME, {"default_reminder_minutes": None}, format="json").json()
    assert (body["time_zone"], body["default_reminder_minutes"]) == ("Europe/Berlin", None)
    assert api.patch(ME, {"time_zone": ""}, format="json").json()["time_zone"] == ""
    assert api.get(ME).json()["remind_by_email"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": "x" * 65}, "time_zone"),
        ({"time_zone": 7}, "time_zone"),
        ({"default_reminder_minutes": -5}, "default_reminder_minutes"),
        ({"default_reminder_minutes": 7 * 24 * 60 + 1}, "default_reminder_minutes"),
        ({"default_reminder_minutes": "soon"}, "default_reminder_minutes"),
        ({"remind_by_email": "yes"}, "remind_by_email"),
        ({"remind_in_page": 1}, "remind_in_page"),
        ({"email": "new@example.com"}, "password"),
    ],
)
def test_bad_preferences_are_400_naming_the_field(api, user, body, field):
    assert_error(api.patch(ME, body, format="json"), 400, "invalid", {field})
    assert not Preferences.objects.exists()


def test_an_empty_patch_is_400(api, user):
    assert_error(api.patch(ME, {}, format="json"), 400, "invalid", {"non_field_errors"})


def test_an_unknown_zone_stops_an_address_change_in_the_same_request(api, user):
    response = api.patch(
        ME,
        {"email": "new@example.com", "password": PASSWORD, "time_zone": "Nowhere"},
        format="json",
    )
    assert_error(response, 400, "invalid", {"time_zone"})
    user.refresh_from_db()
    assert user.email == ""


def test_the_address_and_the_zone_together(api, user, mailoutbox):
    response = api.patch(
        ME,
        {"email": "alice@example.com", "password": PASSWORD, "time_zone": "Asia/Tokyo"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["email"], response.json()["time_zone"]) == (
        "alice@example.com",
        "Asia/Tokyo",
    )


# --- which zone applies -------------------------------------------------------------------


def test_the_zone_that_applies_client_then_stored_then_the_setting(user, settings):
    settings.TIME_ZONE = "America/Chicago"
    assert user_time_zone(user.pk) == "America/Chicago"
    preferences_update(user=user, time_zone="Asia/Kolkata")
    assert user_time_zone(user.pk) == "Asia/Kolkata"
    assert user_time_zone(user.pk, "Europe/Lisbon") == "Europe/Lisbon"


def test_a_chat_turn_without_a_zone_uses_the_stored_one(user, settings):
    settings.TIME_ZONE = "UTC"
    preferences_update(user=user, time_zone="Australia/Sydney")
    opened = {"user": user, "conversation_id": None, "model_name": "offline", "history_limit": 5}
    assert turn_start(text="what's due today?", **opened).time_zone == "Australia/Sydney"
    sent = turn_start(text="and tomorrow?", time_zone="America/Denver", **opened)
    assert sent.time_zone == "America/Denver"


# --- the browser's zone at sign-in ----------------------------------------------------------


def test_the_browsers_zone_is_stored_only_when_the_account_has_none(user):
    assert time_zone_set_if_unknown(user=user, time_zone="Europe/Paris") is True
    assert user_time_zone(user.pk) == "Europe/Paris"
    # A zone already known (the user's choice, or an earlier sign-in) is never overwritten.
    assert time_zone_set_if_unknown(user=user, time_zone="Asia/Tokyo") is False
    assert user_time_zone(user.pk) == "Europe/Paris"


@pytest.mark.parametrize("reported", ["", "Not/AZone", "../etc", " "])
def test_a_missing_or_unknown_browser_zone_is_ignored(user, reported):
    assert time_zone_set_if_unknown(user=user, time_zone=reported) is False
    assert not Preferences.objects.exists()


def test_an_existing_row_without_a_zone_gets_one(user):
    preferences_update(user=user, default_reminder_minutes=10)
    assert time_zone_set_if_unknown(user=user, time_zone="Africa/Nairobi") is True
    stored = Preferences.objects.get(user=user)
    assert (stored.time_zone, stored.default_reminder_minutes) == ("Africa/Nairobi", 10)


def test_signing_in_stores_the_browsers_zone(client, user):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "time_zone": "America/Lima"}
    )
    assert response.status_code == 302
    assert user_time_zone(user.pk) == "America/Lima"
    # A later sign-in from elsewhere leaves it (the Account page changes it).
    client.logout()
    client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "time_zone": "Asia/Seoul"}
    )
    assert user_time_zone(user.pk) == "America/Lima"


def test_signing_up_stores_the_browsers_zone(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "bob",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "Europe/Oslo",
        },
    )
    assert response.status_code == 302
    assert Preferences.objects.get(user__username="bob").time_zone == "Europe/Oslo"


def test_a_failed_sign_in_stores_nothing(client, user):
    client.post(
        "/accounts/login/", {"username": "alice", "password": "wrong", "time_zone": "Asia/Seoul"}
    )
    assert not Preferences.objects.exists()


# --- the Account page's section -------------------------------------------------------------


def test_the_account_page_shows_and_saves_the_time_zone_and_reminders(client, user):
    preferences_update(user=user, time_zone="Europe/Madrid", default_reminder_minutes=45)
    client.force_login(user)
    html = client.get("/accounts/account/").content.decode()
    assert "Time zone and reminders" in html
    assert '<option value="Europe/Madrid" selected>' in html
    assert '<option value="45" selected>45 minutes before</option>' in html  # set by the API
    assert "Email reminders start once your address is verified." in html
    response = client.post(
        "/accounts/account/preferences/",
        {
            "preferences-time_zone": "America/Bogota",
            "preferences-default_reminder_minutes": "15",
            "preferences-remind_in_page": "on",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/accounts/account/")
    stored = Preferences.objects.get(user=user)
    assert (stored.time_zone, stored.default_reminder_minutes) == ("America/Bogota", 15)
    assert (stored.remind_in_page, stored.remind_by_email) == (True, False)
    follow = client.get("/accounts/account/").content.decode()
    assert "Your time zone and reminder settings are saved." in follow
    client.post(
        "/accounts/account/preferences/",
        {"preferences-time_zone": "", "preferences-default_reminder_minutes": ""},
    )
    stored.refresh_from_db()
    assert (stored.time_zone, stored.default_reminder_minutes) == ("", None)


def test_the_account_page_refuses_an_unknown_zone(client, user):
    client.force_login(user)
    response = client.post(
        "/accounts/account/preferences/", {"preferences-time_zone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 400
    assert "Mars/Olympus_Mons is not one of the available choices" in response.content.decode()
    assert not Preferences.objects.exists()


def test_the_sign_in_and_sign_up_pages_carry_the_browser_zone_field(client):
    for path in ("/accounts/login/", "/accounts/signup/"):
        html = client.get(path).content.decode()
        assert 'name="time_zone" value="" data-browser-time-zone' in html, path
        assert "js/browser-time-zone" in html, path


def test_the_export_carries_the_preferences(api, user):
    preferences_update(user=user, time_zone="Pacific/Auckland", remind_by_email=False)
    response = api.get("/api/auth/me/export/")
    document = json.loads(b"".join(response.streaming_content))
    assert document["user"]["preferences"] == {
        "time_zone": "Pacific/Auckland",
        "default_reminder_minutes": None,
        "remind_in_page": True,
        "remind_by_email": False,
    }
