"""The JSON 404/405/500 answers under /api/ (config/errors.py); other paths keep HTML."""

import pytest
from django.test import Client

from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def crashing_client(settings) -> Client:
    settings.ROOT_URLCONF = "tests.api.failing_urls"
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("path", ["/api/crash/", "/api/crash-drf/"])
def test_api_crash_is_json_500_without_details(crashing_client, path):
    response = crashing_client.get(path)
    assert_error(response, 500, "server_error")
    assert b"secret" not in response.content


def test_page_crash_stays_html(crashing_client):
    response = crashing_client.get("/crash/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    ["/api/nothing/", "/api/{user}/nothing/", "/api/{user}/tasks/not-a-number/", "/api/{user}/"],
)
def test_unknown_api_path_is_json_404(api, user, path):
    assert_error(api.get(path.format(user=user.id)), 404, "not_found")


def test_unknown_page_stays_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "method, path",
    [
        ("put", "/api/{user}/tasks/"),
        ("post", "/api/{user}/conversations/"),
        ("put", "/api/{user}/conversations/1/"),
    ],
)
def test_wrong_method_is_json_405(api, user, method, path):
    response = getattr(api, method)(path.format(user=user.id), {}, format="json")
    assert_error(response, 405, "method_not_allowed")


def test_not_acceptable_is_json_406(api, user):
    response = api.get(f"/api/{user.id}/tasks/", HTTP_ACCEPT="text/html")
    assert_error(response, 406, "not_acceptable")


@pytest.mark.parametrize(
    "path",
    [
        "/api/{user}/tasks/",
        "/api/{user}/tasks/1/",
        "/api/{user}/conversations/",
        "/api/{user}/conversations/1/",
    ],
)
def test_options_describes_the_endpoint(api, user, path):
    # Found by schemathesis: DRF's OPTIONS metadata crashed on a GenericAPIView without a
    # serializer_class.
    response = api.options(path.format(user=user.id))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "name" in response.json()


def test_options_on_task_list_describes_the_post_body(api, user):
    actions = api.options(f"/api/{user.id}/tasks/").json()["actions"]
    assert set(actions["POST"]) == {
        "title",
        "description",
        "due_date",
        "due_time",
        "recurrence",
        "list",
        "priority",
    }


def test_json_nested_too_deeply_is_400(api, user):
    body = '{"title": "x", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api.generic("POST", f"/api/{user.id}/tasks/", body, content_type="application/json")
    assert_error(response, 400, "parse_error")
