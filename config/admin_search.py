"""Admin changelist search with a bounded number of words.

Django's admin adds one condition per word and search field; a thousand words make a query
SQLite refuses ("Expression tree is too large"), so only the first words are searched.
"""

from itertools import islice

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.text import smart_split

ADMIN_SEARCH_MAX_WORDS = 10


def bounded_search_term(search_term: str) -> str:
    """The first `ADMIN_SEARCH_MAX_WORDS` words of `search_term` ("quoted phrases" count as one)."""
    return " ".join(islice(smart_split(search_term), ADMIN_SEARCH_MAX_WORDS))


class BoundedSearchMixin:
    """Mixed into a ModelAdmin before `admin.ModelAdmin`: searches at most a few words."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Model], search_term: str
    ) -> tuple[QuerySet[Model], bool]:
        return super().get_search_results(  # type: ignore[misc]
            request, queryset, bounded_search_term(search_term)
        )
