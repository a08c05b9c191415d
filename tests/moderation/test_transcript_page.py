"""The conversation page: the whole transcript, read-only, escaped, with tool calls and usage."""

import pytest
from django.utils import timezone

from chat.export import export_markdown
from chat.models import Conversation
from todos.models import TaskChange
from todos.services import task_create

from .conftest import change_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(moderator_client, transcript) -> str:
    response = moderator_client.get(change_url(transcript))
    assert response.status_code == 200
    return response.content.decode()


def test_every_message_appears_in_order(page, transcript):
    positions = [page.index(f'id="message-{m.pk}"') for m in transcript.messages.all()]
    assert positions == sorted(positions)
    for text in ("Added milk.", "And eggs?", "Sorry, something broke."):
        assert text in page
    assert "taskstream-message--user" in page and "taskstream-message--assistant" in page


def test_user_text_is_escaped(page):
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_tool_calls_show_pretty_arguments_and_output(page):
    assert "task_create" in page and "call_1" in page
    assert "task_list" in page and "call_2" in page
    # Indented JSON, escaped (the argument holds markup).
    assert "{\n  &quot;title&quot;: &quot;milk &lt;b&gt;now&lt;/b&gt;&quot;\n}" in page
    assert "&quot;id&quot;: 7," in page
    assert "no more tasks" in page  # a text output as it is


def test_usage_timings_model_status_and_error_code(page):
    for text in ("gpt-test", "120", "34", "210 ms", "1450 ms", "model_timeout", "Error"):
        assert text in page


def test_links_to_the_owners_tasks(moderator_client, page, user, other_user):
    task_create(owner=user, title="alice's task")
    task_create(owner=other_user, title="mallory's task")
    url = f"/admin/todos/task/?owner__id__exact={user.pk}"
    assert f'href="{url}"' in page

    tasks = moderator_client.get(url)

    assert tasks.status_code == 200
    assert [t.title for t in tasks.context["cl"].result_list] == ["alice's task"]


def test_escapes_titles_and_flag_reasons(moderator_client, moderator, user, make_conversation):
    from chat.moderation import conversation_flag

    conversation = make_conversation(user, title="<img src=x onerror=alert(1)>")
    conversation_flag(conversation=conversation, moderator=moderator, reason="<b>bad</b>")

    html = moderator_client.get(change_url(conversation)).content.decode()

    assert "<img src=x" not in html and "<b>bad</b>" not in html
    assert "&lt;b&gt;bad&lt;/b&gt;" in html


def test_a_tool_call_cut_off_before_its_output(moderator_client, user, make_conversation):
    conversation = make_conversation(
        user,
        messages=[
            (
                "assistant",
                "",
                {
                    "status": "interrupted",
                    "tool_calls": [
                        {"call_id": "c9", "name": "task_delete", "arguments": {"id": 3}},
                        "not a call object",
                    ],
                },
            )
        ],
    )

    html = moderator_client.get(change_url(conversation)).content.decode()
    markdown = "".join(export_markdown(Conversation.objects.filter(pk=conversation.pk)))

    assert "task_delete" in html and "the run stopped before the tool returned" in html
    assert "(unrecognised)" in html and "not a call object" in html
    assert "Output: *none, the run stopped before the tool returned*" in markdown
    assert "(no text)" in html


def test_one_moderation_box_first_and_save_delete_after_the_transcript(
    superuser_client, transcript
):
    html = superuser_client.get(change_url(transcript)).content.decode()
    assert html.count(">Moderation<") == 1
    moderation = html.index('id="moderation-heading"')
    transcript_at = html.index('id="transcript-heading"')
    save = html.index('name="_save"')
    assert moderation < transcript_at < save
    assert html.index('class="deletelink"') > transcript_at


def test_an_untitled_conversation_shows_the_title_its_heading_uses(
    client, moderator, superuser, user, make_conversation
):
    untitled = make_conversation(user, title="")
    name = f"Conversation {untitled.pk}"
    client.force_login(moderator)
    page = client.get(change_url(untitled)).content.decode()
    field = page[page.index("field-shown_title") :]
    assert ">Title:<" in field[:400] and f'<div class="readonly">{name}</div>' in field[:600]
    assert "field-title" not in page

    client.force_login(superuser)
    editor = client.get(change_url(untitled)).content.decode()
    assert "shown as “Conversation” and its number" in editor


def test_an_undone_tool_call_is_marked_with_who_and_when(
    moderator_client, transcript, user, other_user
):
    undone = TaskChange.objects.create(
        owner=user,
        call_id="call_1",
        kind=TaskChange.Kind.ADD,
        task_id=7,
        after={"title": "milk"},
        undone_at=timezone.now(),
        undone_by=user,
    )
    # The same call id in somebody else's changes says nothing about this transcript.
    TaskChange.objects.create(
        owner=other_user,
        call_id="call_2",
        kind=TaskChange.Kind.ADD,
        task_id=8,
        undone_at=timezone.now(),
        undone_by=other_user,
    )

    page = moderator_client.get(change_url(transcript)).content.decode()

    assert page.count("taskstream-tool-call--undone") == 1
    marked = page[page.index("taskstream-tool-call--undone") :]
    assert marked.index("call_1") < marked.index("Undone") < marked.index("call_2")
    assert f"by <strong>{user.username}</strong>" in marked
    assert undone.undone_at.isoformat(timespec="seconds")[:19] in marked
    assert "task_create" in page  # the call itself stays, arguments and output included
