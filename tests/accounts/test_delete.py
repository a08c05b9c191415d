"""DELETE /api/auth/me/ {password}, the Account page and the admin: one service deletes the
user with exactly their rows, in one transaction; nobody else's."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import WebSession
from accounts.services import runs_in_progress
from chat.models import Conversation, Message
from tests.accounts.conftest import bearer_client, is_signed_in, refresh, session_client, sign_in
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD
from todos.models import Task, TaskChange

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def two_accounts(user, other_user, make_conversation, make_task):
    """alice and mallory, each with tasks, two conversations, tokens and a web session; one
    of mallory's conversations was flagged by alice (a moderator, say)."""
    for owner in (user, other_user):
        task = make_task(owner, "one")
        make_task(owner, "two")
        TaskChange.objects.create(owner=owner, call_id="c1", kind="add", task_id=task.pk)
        for title in ("first", "second"):
            make_conversation(owner, title, [("user", "hi"), ("assistant", "hello")])
    Conversation.objects.filter(owner=other_user, title="first").update(
        flagged=True, flagged_by=user, flag_reason="check"
    )
    devices = {"alice": sign_in(APIClient(), "alice"), "mallory": sign_in(APIClient(), "mallory")}
    sessions = {"alice": session_client(user), "mallory": session_client(other_user)}
    return devices, sessions


def _rows(user_id: int) -> dict[str, int]:
    return {
        "tasks": Task.objects.filter(owner_id=user_id).count(),
        "task_changes": TaskChange.objects.filter(owner_id=user_id).count(),
        "conversations": Conversation.objects.filter(owner_id=user_id).count(),
        "messages": Message.objects.filter(conversation__owner_id=user_id).count(),
        "tokens": OutstandingToken.objects.filter(user_id=user_id).count(),
        "sessions": WebSession.objects.filter(user_id=user_id).count(),
        "users": User.objects.filter(pk=user_id).count(),
    }


def _delete(client, password=PASSWORD, **extra):
    return client.delete("/api/auth/me/", {"password": password}, format="json", **extra)


def test_deleting_removes_exactly_this_users_rows(user, other_user, two_accounts):
    devices, sessions = two_accounts
    theirs = _rows(other_user.pk)
    assert _rows(user.pk) == {
        "tasks": 2,
        "task_changes": 1,
        "conversations": 2,
        "messages": 4,
        "tokens": 1,
        "sessions": 1,
        "users": 1,
    }

    response = _delete(bearer_client(devices["alice"]["access"]))

    assert response.status_code == 204
    assert set(_rows(user.pk).values()) == {0}
    assert _rows(other_user.pk) == theirs
    flagged = Conversation.objects.get(owner=other_user, title="first")
    assert flagged.flagged and flagged.flagged_by is None
    # Afterwards alice's credentials are all refused; mallory's still work.
    assert_error(
        bearer_client(devices["alice"]["access"]).get("/api/auth/me/"), 401, "token_not_valid"
    )
    assert_error(refresh(devices["alice"]["refresh"]), 401, "token_not_valid")
    assert not is_signed_in(sessions["alice"])
    assert is_signed_in(bearer_client(devices["mallory"]["access"]))
    assert is_signed_in(sessions["mallory"])


def test_a_wrong_password_is_400_and_deletes_nothing(user, two_accounts):
    devices, _ = two_accounts
    before = _rows(user.pk)
    response = _delete(bearer_client(devices["alice"]["access"]), password="not-it")
    assert_error(response, 400, "invalid", {"password"})
    assert _rows(user.pk) == before


def test_a_missing_password_is_400(user, two_accounts):
    devices, _ = two_accounts
    response = bearer_client(devices["alice"]["access"]).delete("/api/auth/me/", {}, format="json")
    assert_error(response, 400, "invalid", {"password"})


def test_unauthenticated_cannot_delete_anyone(anon_api, user, two_accounts):
    before = _rows(user.pk)
    assert_error(_delete(anon_api), 401, "not_authenticated")
    anon_api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(_delete(anon_api), 401, "token_not_valid")
    assert _rows(user.pk) == before


def test_another_user_cannot_delete_alice_even_knowing_her_password(
    user, other_user, make_user, two_accounts
):
    devices, _ = two_accounts
    before, theirs = _rows(user.pk), _rows(other_user.pk)
    mallory = bearer_client(devices["mallory"]["access"])
    # mallory's own password is not alice's: the request is about mallory only.
    other_user.set_password("a-different-password-9")
    other_user.save()
    assert_error(_delete(mallory, password=PASSWORD), 400, "invalid", {"password"})
    assert _rows(user.pk) == before and _rows(other_user.pk) == theirs


def test_a_session_delete_needs_the_csrf_token(user, two_accounts):
    _, sessions = two_accounts
    browser = sessions["alice"]
    assert_error(_delete(browser), 403, "csrf_failed")
    assert _rows(user.pk)["users"] == 1
    assert _delete(browser, HTTP_X_CSRFTOKEN=browser.csrf_token).status_code == 204
    assert _rows(user.pk)["users"] == 0


def test_runs_in_progress_are_found_for_cancelling(user, other_user, make_conversation):
    import uuid

    run_id = uuid.uuid4()
    make_conversation(
        user, "live", [("user", "hi"), ("assistant", "", {"status": "streaming", "run_id": run_id})]
    )
    make_conversation(user, "done", [("assistant", "ok", {"run_id": uuid.uuid4()})])
    make_conversation(
        other_user, "theirs", [("assistant", "", {"status": "streaming", "run_id": uuid.uuid4()})]
    )
    assert runs_in_progress(user=user) == [run_id]


# --- the Account page ------------------------------------------------------------------------


def test_the_account_page_deletes_the_account_after_password_and_confirmation(
    client, user, other_user, two_accounts
):
    client.force_login(user)
    theirs = _rows(other_user.pk)

    unconfirmed = client.post("/accounts/account/delete/", {"password": PASSWORD})
    assert unconfirmed.status_code == 400
    wrong = client.post("/accounts/account/delete/", {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 400
    assert "The password is not correct." in wrong.content.decode()
    assert _rows(user.pk)["users"] == 1

    response = client.post("/accounts/account/delete/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert set(_rows(user.pk).values()) == {0}
    assert _rows(other_user.pk) == theirs
    assert client.get("/accounts/account/").status_code == 302


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_lists_when_users_signed_up_and_last_signed_in(staff_client, user):
    html = staff_client.get("/admin/auth/user/").content.decode()
    assert "Date joined" in html and "Last login" in html


def test_deleting_from_the_admin_goes_through_the_account_service(
    staff_client, user, other_user, two_accounts
):
    theirs = _rows(other_user.pk)
    response = staff_client.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    # Django's own cascade would have kept the tokens (SET_NULL): the service deletes them.
    assert set(_rows(user.pk).values()) == {0}
    assert not OutstandingToken.objects.filter(user__isnull=True).exists()
    assert _rows(other_user.pk) == theirs


def test_the_admin_bulk_delete_goes_through_the_account_service(
    staff_client, user, other_user, two_accounts
):
    response = staff_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [user.pk, other_user.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert set(_rows(user.pk).values()) == {0} and set(_rows(other_user.pk).values()) == {0}
    assert not OutstandingToken.objects.exists()


def test_the_admin_refuses_renaming_to_a_case_variant(staff_client, user, other_user):
    response = staff_client.post(
        f"/admin/auth/user/{other_user.pk}/change/",
        {
            "username": "ALICE",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    other_user.refresh_from_db()
    assert other_user.username == "mallory"


def test_an_api_sign_in_counts_as_the_last_login_the_admin_shows(user):
    assert user.last_login is None
    sign_in(APIClient(), "alice")
    user.refresh_from_db()
    assert user.last_login is not None
