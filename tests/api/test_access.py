"""Who may call the per-user endpoints: 401 without credentials, 403 for someone else's
/api/<user_id>/ (checked before anything else), and CSRF for session-authenticated writes."""

import secrets

import pytest
from rest_framework.test import APIClient

from chat.models import Message
from tests.api.conftest import assert_error
from tests.conftest import bearer
from todos.models import Task

pytestmark = pytest.mark.django_db


def _endpoint(method: str, path: str, payload: dict | None = None, *marks):
    return pytest.param(method, path, payload, id=f"{method.upper()} {path}", marks=marks)


# The chat views read the database on their own thread pool (config/db_threads.py), which
# sees only committed rows: their cases run with a transactional database.
ON_DB_THREADS = pytest.mark.django_db(transaction=True)

# Every endpoint under /api/<user_id>/, with a body that would be valid for its owner.
ENDPOINTS = [
    _endpoint("get", "/api/{user}/tasks/"),
    _endpoint("post", "/api/{user}/tasks/", {"title": "Buy milk"}),
    _endpoint("get", "/api/{user}/tasks/{task}/"),
    _endpoint("patch", "/api/{user}/tasks/{task}/", {"completed": True}),
    _endpoint("delete", "/api/{user}/tasks/{task}/"),
    _endpoint("get", "/api/{user}/conversations/"),
    _endpoint("get", "/api/{user}/conversations/{conversation}/"),
    _endpoint("patch", "/api/{user}/conversations/{conversation}/", {"title": "Renamed"}),
    _endpoint("delete", "/api/{user}/conversations/{conversation}/"),
    _endpoint("post", "/api/{user}/chat", {"message": "add buy milk"}, ON_DB_THREADS),
    _endpoint("post", "/api/{user}/chat/stream", {"message": "add buy milk"}, ON_DB_THREADS),
]


@pytest.fixture
def owned(other_user, make_task, make_conversation):
    """`other_user` and their data: what the requests below must not reach."""
    task = make_task(other_user, "theirs")
    conversation = make_conversation(other_user, "theirs", [(Message.Role.USER, "secret")])
    return {"user": other_user.id, "task": task.id, "conversation": conversation.id}


def _unchanged(owned) -> bool:
    task = Task.objects.get(pk=owned["task"])
    messages = Message.objects.filter(conversation_id=owned["conversation"])
    return (task.title, task.completed, messages.count()) == ("theirs", False, 1) and (
        Task.objects.count() == 1
    )


@pytest.mark.parametrize("method, path, payload", ENDPOINTS)
def test_no_credentials_is_401(anon_api, owned, method, path, payload):
    response = getattr(anon_api, method)(path.format(**owned), payload, format="json")
    assert_error(response, 401, "not_authenticated")
    assert _unchanged(owned)


@pytest.mark.parametrize("method, path, payload", ENDPOINTS)
def test_invalid_token_is_401(anon_api, owned, method, path, payload):
    anon_api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = getattr(anon_api, method)(path.format(**owned), payload, format="json")
    assert_error(response, 401, "token_not_valid")
    assert _unchanged(owned)


@pytest.mark.parametrize("method, path, payload", ENDPOINTS)
def test_another_users_path_is_403(api, owned, method, path, payload):
    response = getattr(api, method)(path.format(**owned), payload, format="json")
    assert_error(response, 403, "permission_denied")
    assert _unchanged(owned)


@pytest.mark.parametrize("method, path, payload", ENDPOINTS)
def test_a_user_id_that_does_not_exist_is_403(api, owned, method, path, payload):
    response = getattr(api, method)(
        path.format(**{**owned, "user": 10**12}), payload, format="json"
    )
    assert_error(response, 403, "permission_denied")


# --- session authentication and CSRF ---------------------------------------------------------


@pytest.fixture
def session_api(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_session_reads_need_no_csrf_token(session_api, user, make_task):
    make_task(user)
    response = session_api.get(f"/api/{user.id}/tasks/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("post", "/api/{user}/tasks/", {"title": "Buy milk"}),
        ("patch", "/api/{user}/tasks/{task}/", {"completed": True}),
        ("delete", "/api/{user}/tasks/{task}/", None),
        ("patch", "/api/{user}/conversations/{conversation}/", {"title": "Renamed"}),
        ("delete", "/api/{user}/conversations/{conversation}/", None),
    ],
)
def test_session_writes_need_the_csrf_token(
    session_api, user, make_task, make_conversation, method, path, payload
):
    ids = {"user": user.id, "task": make_task(user).id, "conversation": make_conversation(user).id}
    url = path.format(**ids)

    refused = getattr(session_api, method)(url, payload, format="json")
    body = assert_error(refused, 403, "csrf_failed")
    assert body["detail"].startswith("CSRF Failed")

    token = secrets.token_hex(16)
    session_api.cookies["csrftoken"] = token
    accepted = getattr(session_api, method)(url, payload, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code in (200, 201, 204), accepted.content


def test_session_write_with_a_wrong_csrf_token_is_403(session_api, user):
    session_api.cookies["csrftoken"] = secrets.token_hex(16)
    response = session_api.post(
        f"/api/{user.id}/tasks/",
        {"title": "Buy milk"},
        format="json",
        HTTP_X_CSRFTOKEN=secrets.token_hex(16),
    )
    assert_error(response, 403, "csrf_failed")
    assert not Task.objects.exists()


def test_jwt_writes_need_no_csrf_token(user):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    response = client.post(f"/api/{user.id}/tasks/", {"title": "Buy milk"}, format="json")
    assert response.status_code == 201
