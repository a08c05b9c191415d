"""URL helpers shared by the apps' API routes."""

from collections.abc import Callable

from django.urls import URLPattern, path


def optional_slash(route: str, view: Callable, *, name: str) -> list[URLPattern]:
    """`route` with and without its trailing slash.

    APPEND_SLASH would answer ".../tasks" with a redirect, which drops a POST or PATCH body
    (and is an error page under DEBUG); API clients get the endpoint either way instead.
    The slashless alias stays out of the OpenAPI schema (config.openapi).
    """
    return [path(route, view, name=name), path(route.removesuffix("/"), view)]
