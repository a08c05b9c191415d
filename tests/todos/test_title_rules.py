"""Task titles show as they read: none of only invisible characters, no direction controls.

One rule (todos.services.clean_title, over config.text) for the API, the tools and the admin.
"""

import json

import pytest
from agents.tool_context import ToolContext
from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError

from tests.api.conftest import assert_error
from todos.models import Task
from todos.services import TITLE_REQUIRED, clean_title, task_create
from todos.tools import TASK_TOOLS, TaskToolContext

pytestmark = pytest.mark.django_db(transaction=True)

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u3164",  # Hangul filler
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u115f\u1160",  # Hangul choseong / jungseong fillers
    "\uffa0",  # halfwidth Hangul filler
    "\u2800",  # Braille blank
    "\u034f\ufe0f",  # combining grapheme joiner, variation selector
    "\U000e0020\U000e0041",  # tag characters
    "\u200b \u200c\u200d\u2063 \u3164",  # a mix, with spaces
]
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI_MESSAGE = "Bidirectional override and isolate characters are not allowed."
FINE = ["buy milk", "\U0001f468\u200d\U0001f469\u200d\U0001f467 family", "\u0646\u0635", "a\u200bb"]


@pytest.mark.parametrize("title", INVISIBLE)
def test_a_title_of_only_invisible_characters_is_an_empty_title(title):
    with pytest.raises(ValidationError) as error:
        clean_title(title)
    assert error.value.message_dict == {"title": [TITLE_REQUIRED]}


@pytest.mark.parametrize("control", BIDI)
def test_direction_controls_are_refused(control):
    with pytest.raises(ValidationError) as error:
        clean_title(f"invoice{control}txt.exe")
    assert error.value.message_dict == {"title": [BIDI_MESSAGE]}


@pytest.mark.parametrize("title", FINE)
def test_visible_titles_are_kept_as_written(title):
    assert clean_title(title) == title


def test_the_api_answers_400_and_stores_nothing(api, user):
    for title in [*INVISIBLE, "pay\u202egnp.exe"]:
        response = api.post(f"/api/{user.id}/tasks/", {"title": title}, format="json")
        assert_error(response, 400, "invalid", {"title"})
    task = task_create(owner=user, title="milk")
    renamed = api.patch(f"/api/{user.id}/tasks/{task.id}/", {"title": "\u3164"}, format="json")
    assert_error(renamed, 400, "invalid", {"title"})
    assert list(Task.objects.values_list("title", flat=True)) == ["milk"]


def test_the_tools_answer_an_error_the_model_can_relay(user):
    (add_task,) = [tool for tool in TASK_TOOLS if tool.name == "add_task"]
    for title, message in [("\u200b\u3164", TITLE_REQUIRED), ("a\u2066b", BIDI_MESSAGE)]:
        raw = json.dumps({"title": title})
        context = ToolContext(
            context=TaskToolContext(user=user),
            tool_name="add_task",
            tool_call_id="call_test",
            tool_arguments=raw,
        )
        result = json.loads(async_to_sync(add_task.on_invoke_tool)(context, raw))
        assert result == {"ok": False, "error": f"title: {message}"}
    assert not Task.objects.exists()


def test_the_admin_shows_the_rule_next_to_the_title(client, make_user, user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/todos/task/add/", {"owner": user.pk, "title": "\u3164", "description": ""}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"] == [TITLE_REQUIRED]
    assert not Task.objects.exists()
