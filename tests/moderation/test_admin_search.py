"""Admin search: a thousand words are answered (the first few are searched), not a 500."""

import pytest

from config.admin_search import ADMIN_SEARCH_MAX_WORDS, bounded_search_term
from todos.services import task_create

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/chat/conversation/",
    "/admin/chat/message/",
    "/admin/todos/task/",
    "/admin/auth/user/",
]
THOUSAND_WORDS = " ".join(f"word{n}" for n in range(1000))


@pytest.mark.parametrize("url", CHANGELISTS)
def test_a_thousand_word_search_answers(superuser_client, url):
    response = superuser_client.get(url, {"q": THOUSAND_WORDS})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_the_first_words_are_searched(superuser_client, user):
    task_create(owner=user, title="buy oat milk")
    extra = " ".join(["milk"] * 1000)
    response = superuser_client.get(CHANGELISTS[2], {"q": f"oat {extra}"})
    assert [task.title for task in response.context["cl"].result_list] == ["buy oat milk"]


def test_bounded_search_term_keeps_quoted_phrases_whole():
    words = " ".join(f"w{n}" for n in range(ADMIN_SEARCH_MAX_WORDS + 5))
    assert bounded_search_term(f'"oat milk" {words}').split(" ", 2)[:2] == ['"oat', 'milk"']
    assert len(list(bounded_search_term(words).split())) == ADMIN_SEARCH_MAX_WORDS
