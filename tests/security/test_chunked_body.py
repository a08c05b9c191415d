"""A body sent without Content-Length (`Transfer-Encoding: chunked`) is read by the DRF
endpoints, within DATA_UPLOAD_MAX_MEMORY_SIZE, or refused with 411; never silently ignored."""

import json

import httpx
import pytest

from tests.api.conftest import assert_error
from tests.conftest import bearer
from todos.models import Task


def chunks(document: dict, size: int = 7):
    """The JSON body in small pieces: httpx sends an iterator chunked, with no Content-Length."""
    body = json.dumps(document).encode()
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.fixture
def task(user, make_task):
    return make_task(user, "Buy milk")


def _send(url: str, method: str, user, document: dict) -> httpx.Response:
    request = httpx.Request(
        method,
        url,
        content=chunks(document),
        headers={"Authorization": bearer(user), "Content-Type": "application/json"},
    )
    assert request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in request.headers
    with httpx.Client(timeout=30) as client:
        return client.send(request)


def test_a_chunked_patch_changes_the_task(live_server_url, user, task):
    response = _send(
        f"{live_server_url}/api/{user.id}/tasks/{task.id}/",
        "PATCH",
        user,
        {"title": "Buy oat milk", "completed": True},
    )
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Buy oat milk"
    task.refresh_from_db()
    assert (task.title, task.completed) == ("Buy oat milk", True)


def test_a_chunked_post_is_validated_like_any_other(live_server_url, user):
    created = _send(f"{live_server_url}/api/{user.id}/tasks/", "POST", user, {"title": "Call Bo"})
    invalid = _send(f"{live_server_url}/api/{user.id}/tasks/", "POST", user, {"title": ""})
    assert created.status_code == 201
    assert invalid.status_code == 400 and invalid.json()["code"] == "invalid"
    assert list(Task.objects.values_list("title", flat=True)) == ["Call Bo"]


def test_a_chunked_body_over_the_upload_limit_is_refused(live_server_url, user, task, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _send(
        f"{live_server_url}/api/{user.id}/tasks/{task.id}/",
        "PATCH",
        user,
        {"description": "x" * 2000},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    task.refresh_from_db()
    assert task.description == ""


def test_a_chunked_chat_turn_is_read(live_server_url, user):
    response = _send(f"{live_server_url}/api/{user.id}/chat", "POST", user, {"message": "add tea"})
    assert response.status_code == 200, response.text
    assert Task.objects.get(owner=user).title == "tea"


def test_a_body_that_cannot_be_measured_is_411(api, user, task):
    """Under WSGI the stream cannot be measured: the API says so instead of ignoring it."""
    response = api.generic(
        "PATCH",
        f"/api/{user.id}/tasks/{task.id}/",
        json.dumps({"title": "Ignored?"}),
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert_error(response, 411, "length_required")
    task.refresh_from_db()
    assert task.title == "Buy milk"
