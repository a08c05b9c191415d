"""The conversation list: annotated counts, search over messages, filters, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.admin import with_moderation_stats
from chat.models import Conversation, Message

from .conftest import CONVERSATIONS

pytestmark = pytest.mark.django_db


def shown(response) -> list[Conversation]:
    return list(response.context["cl"].result_list)


def test_columns_show_counts_and_the_last_reply_status(moderator_client, transcript):
    response = moderator_client.get(CONVERSATIONS)

    [row] = shown(response)
    assert (row.message_total, row.tool_call_total, row.last_reply_status) == (4, 2, "error")
    html = response.content.decode()
    for header in ("messages", "tool calls", "last reply", "owner", "flagged"):
        assert header in html.lower()


def test_tool_calls_are_counted_in_assistant_messages_only(user, make_conversation):
    conversation = make_conversation(
        user,
        messages=[
            ("assistant", "a", {"tool_calls": [{"name": "x"}, {"name": "y"}]}),
            ("assistant", "b", {"tool_calls": [{"name": "z"}]}),
            ("assistant", "c", {"tool_calls": {"not": "an array"}}),
            ("assistant", "d"),
            ("user", "e", {"tool_calls": [{"name": "ignored"}]}),
        ],
    )
    empty = make_conversation(user, title="empty")

    rows = {c.pk: c for c in with_moderation_stats(Conversation.objects.all())}

    assert rows[conversation.pk].tool_call_total == 3
    assert rows[conversation.pk].message_total == 5
    assert rows[conversation.pk].last_reply_status == "complete"
    assert (rows[empty.pk].tool_call_total, rows[empty.pk].message_total) == (0, 0)
    assert rows[empty.pk].last_reply_status is None


def test_search_finds_a_conversation_by_a_word_in_its_messages_once(
    moderator_client, user, make_conversation
):
    wanted = make_conversation(
        user,
        title="Weekend",
        messages=[
            ("user", "buy a pineapple"),
            ("assistant", "Pineapple added."),
            ("user", "another pineapple"),
        ],
    )
    make_conversation(user, title="Other", messages=[("user", "buy apples")])

    response = moderator_client.get(CONVERSATIONS, {"q": "pineapple"})

    assert [c.pk for c in shown(response)] == [wanted.pk]
    assert response.context["cl"].result_count == 1
    assert shown(response)[0].message_total == 3  # counts unaffected by the search's join


def test_search_by_username_and_title(moderator_client, user, other_user, make_conversation):
    mine = make_conversation(user, title="Holiday plans")
    theirs = make_conversation(other_user, title="Work")

    by_title = moderator_client.get(CONVERSATIONS, {"q": "holiday"})
    by_owner = moderator_client.get(CONVERSATIONS, {"q": other_user.username})

    assert shown(by_title) == [mine]
    assert shown(by_owner) == [theirs]


def test_flagged_filter(moderator_client, moderator, user, make_conversation):
    flagged = make_conversation(user, title="bad", flagged=True, flag_reason="spam")
    clean = make_conversation(user, title="fine")

    assert shown(moderator_client.get(CONVERSATIONS, {"flagged__exact": "1"})) == [flagged]
    assert shown(moderator_client.get(CONVERSATIONS, {"flagged__exact": "0"})) == [clean]


@pytest.mark.parametrize("status", ["error", "cancelled", "interrupted"])
def test_reply_status_filter_uses_the_last_reply(moderator_client, user, make_conversation, status):
    # The earlier reply failed the same way, but the last one completed: not a match.
    recovered = make_conversation(
        user, messages=[("assistant", "x", {"status": status}), ("assistant", "ok")]
    )
    failing = make_conversation(
        user, messages=[("assistant", "ok"), ("assistant", "x", {"status": status})]
    )
    make_conversation(user, messages=[("user", "only a question")])

    response = moderator_client.get(CONVERSATIONS, {"reply_status": status})

    assert shown(response) == [failing]
    assert recovered not in shown(response)


def test_filters_combine_with_message_search(moderator_client, user, make_conversation):
    failing = make_conversation(
        user, messages=[("user", "weather?"), ("assistant", "weather broke", {"status": "error"})]
    )
    make_conversation(user, messages=[("user", "weather?"), ("assistant", "sunny")])

    response = moderator_client.get(CONVERSATIONS, {"q": "weather", "reply_status": "error"})

    assert shown(response) == [failing]


def test_owner_and_date_filters(moderator_client, user, other_user, make_conversation):
    mine = make_conversation(user)
    theirs = make_conversation(other_user)
    year = mine.created_at.year

    by_owner = moderator_client.get(CONVERSATIONS, {"owner__id__exact": other_user.pk})
    by_year = moderator_client.get(CONVERSATIONS, {"created_at__year": year})
    other_year = moderator_client.get(CONVERSATIONS, {"created_at__year": year - 1})

    assert shown(by_owner) == [theirs]
    assert set(shown(by_year)) == {mine, theirs}
    assert shown(other_year) == []


def make_many(owner, count: int) -> None:
    conversations = Conversation.objects.bulk_create(
        [Conversation(owner=owner, title=f"chat {n}") for n in range(count)]
    )
    Message.objects.bulk_create(
        message
        for conversation in conversations
        for message in (
            Message(conversation=conversation, role="user", content="hello"),
            Message(
                conversation=conversation,
                role="assistant",
                content="hi",
                tool_calls=[{"call_id": "c", "name": "task_list", "arguments": {}, "output": []}],
            ),
        )
    )


def changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CONVERSATIONS, {"q": "hello"})
    assert response.status_code == 200
    return len(queries)


def test_changelist_queries_do_not_grow_with_rows(moderator_client, make_user):
    make_many(make_user("first"), 5)
    few = changelist_queries(moderator_client)

    make_many(make_user("second"), 45)
    many = changelist_queries(moderator_client)

    assert len(shown(moderator_client.get(CONVERSATIONS))) == 50
    assert many == few


def test_flagged_column_names_only_the_flagged(
    moderator_client, moderator, user, make_conversation
):
    make_conversation(user, title="bad", flagged=True, flag_reason="spam")
    make_conversation(user, title="clean")
    html = moderator_client.get(CONVERSATIONS).content.decode()
    assert html.count("⚑ Flagged") == 1
    assert "icon-no.svg" not in html and "icon-yes.svg" not in html


def test_reply_status_filter_offers_streaming(moderator_client, user, make_conversation):
    stuck = make_conversation(user, messages=[("assistant", "", {"status": "streaming"})])
    make_conversation(user, messages=[("assistant", "ok")])
    response = moderator_client.get(CONVERSATIONS, {"reply_status": "streaming"})
    assert shown(response) == [stuck]
    assert "?reply_status=streaming" in response.content.decode()
