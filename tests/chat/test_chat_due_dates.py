"""A chat turn's time zone reaches the agent's instructions and the tools: "tomorrow" is the
user's tomorrow, and "what's due today?" lists the user's today."""

from datetime import timedelta

import pytest
from agents import RunContextWrapper

from chat.llm.agent import instructions, todo_agent
from config.timezones import local_today
from tests.conftest import bearer
from todos.models import Task
from todos.services import task_create
from todos.tools import TaskToolContext

pytestmark = pytest.mark.django_db(transaction=True)

ZONES = ["Pacific/Kiritimati", "America/Los_Angeles"]  # one date from 08 to 10 UTC (in winter)


def chat(client, user, message: str, **extra) -> dict:
    response = client.post(
        f"/api/{user.id}/chat",
        {"message": message, **extra},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(user),
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("zone", ZONES)
def test_the_instructions_carry_the_users_date(user, zone):
    wrapper = RunContextWrapper(context=TaskToolContext(user=user, time_zone=zone))
    text = instructions(wrapper, todo_agent())
    today = local_today(zone)
    assert text.endswith(
        f"Today is {today:%A}, {today.isoformat()} in the user's time zone ({zone})."
    )


def test_without_a_zone_the_instructions_use_the_time_zone_setting(user, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"
    text = instructions(RunContextWrapper(context=TaskToolContext(user=user)), todo_agent())
    assert local_today("Pacific/Kiritimati").isoformat() in text
    assert "(Pacific/Kiritimati)" in text


@pytest.mark.parametrize("zone", ZONES)
def test_tomorrow_is_the_users_tomorrow(client, user, zone, settings):
    settings.TIME_ZONE = "UTC"
    body = chat(client, user, "add call mom tomorrow", timezone=zone)
    tomorrow = local_today(zone) + timedelta(days=1)
    assert Task.objects.get(owner=user).due_date == tomorrow
    (call,) = body["tool_calls"]
    assert call["arguments"] == {"title": "call mom", "due_date": tomorrow.isoformat()}
    assert call["output"]["task"]["due_date"] == tomorrow.isoformat()


def test_whats_due_today_lists_the_users_today(client, user, settings):
    settings.TIME_ZONE = "UTC"
    for zone in ZONES:
        task_create(owner=user, title=f"due in {zone}", due_date=local_today(zone))
    for zone in ZONES:
        body = chat(client, user, "what's due today?", timezone=zone)
        listed = [task["title"] for task in body["tool_calls"][0]["output"]["tasks"]]
        # Tasks due the same day list newest first: the zones' order reversed.
        same_day = [other for other in ZONES[::-1] if local_today(other) == local_today(zone)]
        assert listed == [f"due in {other}" for other in same_day]
        assert f"due in {zone}" in body["response"]


@pytest.mark.parametrize(
    ("locale", "message", "due"),
    [
        ("en-US", "add gym due 12/20", "12-20"),
        ("de-DE", "add gym due 20/12", "12-20"),
        ("en-GB", "add gym due 12/10", "10-12"),
        ("en-US", "add gym due 20.12.", "12-20"),
        ("fr-FR", "add gym due 2026-12-20", None),
    ],
)
def test_numeric_dates_are_read_in_the_users_locale(client, user, settings, locale, message, due):
    """Issue 27, item 3: the browser's locale (the chat request's `locale`) orders a numeric
    date: month/day for en-US, day/month otherwise."""
    settings.TIME_ZONE = "UTC"
    body = chat(client, user, message, locale=locale)
    (call,) = body["tool_calls"]
    today = local_today("UTC")
    expected = call["arguments"]["due_date"]
    assert call["arguments"]["title"] == "gym"
    if due is None:
        assert expected == "2026-12-20"
    else:
        month, day = map(int, due.split("-"))
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
        assert expected == f"{year}-{month:02d}-{day:02d}"


def test_the_instructions_say_how_the_user_writes_dates(user):
    for locale, order in (("en-US", "month/day"), ("en-GB", "day/month"), ("de", "day/month")):
        context = TaskToolContext(user=user, locale=locale)
        text = instructions(RunContextWrapper(context=context), todo_agent())
        assert text.endswith(
            f"The user's locale is {locale}: numeric dates are {order}"
            + (" (12/20 is December 20)." if order == "month/day" else " (20/12 is December 20).")
        )
