"""Usernames are unique regardless of case: refused at registration (API and page), matched at
sign-in (API and page); existing case-duplicates are reported by the migration and warned
about by the check framework, never merged."""

import importlib
import logging

import pytest
from django.apps import apps as live_apps
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.db import IntegrityError, connection, transaction

from accounts.checks import username_case_duplicates
from tests.accounts.conftest import bearer_client, sign_in
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
index_migration = importlib.import_module("accounts.migrations.0003_username_case_insensitive")


@pytest.fixture
def demo(make_user):
    return make_user("demo")


@pytest.mark.parametrize("variant", ["DEMO", "Demo", "dEmO", " demo "])
def test_registering_a_case_variant_is_400_on_username(anon_api, demo, variant):
    response = anon_api.post(
        "/api/auth/register/", {"username": variant, "password": PASSWORD}, format="json"
    )
    body = assert_error(response, 400, "invalid", {"username"})
    assert body["errors"]["username"] == ["A user with that username already exists."]
    assert User.objects.count() == 1


def test_the_sign_up_page_refuses_a_case_variant(client, demo):
    response = client.post(
        "/accounts/signup/", {"username": "DEMO", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_the_database_refuses_a_case_variant_too(demo):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="DEMO", password=PASSWORD)


@pytest.mark.parametrize("spelling", ["demo", "Demo", "DEMO"])
def test_the_token_endpoint_matches_the_username_in_any_case(anon_api, demo, spelling):
    tokens = sign_in(anon_api, spelling)
    me = bearer_client(tokens["access"]).get("/api/auth/me/").json()
    assert (me["id"], me["username"]) == (demo.pk, "demo")


def test_a_wrong_password_still_fails_in_any_case(anon_api, demo):
    response = anon_api.post(
        "/api/auth/token/", {"username": "Demo", "password": "wrong"}, format="json"
    )
    assert_error(response, 401, "no_active_account")


def test_the_sign_in_page_matches_the_username_in_any_case(client, demo):
    response = client.post("/accounts/login/", {"username": "Demo", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").context["user"] == demo


# --- case-duplicates from before the rule ------------------------------------------------------


@pytest.fixture
def legacy_duplicates(make_user):
    """Accounts from before the rule: the index cannot exist while they do."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {index_migration.INDEX_NAME}")
    return [make_user("demo"), make_user("DEMO"), make_user("Alice"), make_user("ALICE")]


def _schema_editor():
    # Not entered as a context: inside the test's transaction SQLite refuses that, and the
    # migration only executes one statement (DDL is transactional on SQLite and PostgreSQL).
    return connection.schema_editor()


def test_the_check_framework_warns_while_case_duplicates_exist(make_user, legacy_duplicates):
    warnings = [w for w in run_checks(databases=["default"]) if w.id == "accounts.W001"]
    assert len(warnings) == 1
    assert "2 usernames differ only in case: Alice / ALICE; demo / DEMO." in warnings[0].msg

    User.objects.filter(username="DEMO").update(username="demo2")
    User.objects.filter(username="ALICE").delete()
    assert not [w for w in run_checks(databases=["default"]) if w.id == "accounts.W001"]


def test_the_check_is_silent_without_duplicates(make_user):
    make_user("demo")
    make_user("demo2")
    assert not [w for w in run_checks(databases=["default"]) if w.id == "accounts.W001"]


def test_the_migration_reports_duplicates_and_merges_nothing(legacy_duplicates, caplog):
    with caplog.at_level(logging.WARNING, "accounts.migrations"):
        index_migration.create_index(live_apps, _schema_editor())
    assert "2 usernames differ only in case (Alice / ALICE; demo / DEMO)" in caplog.text
    assert "NOT created" in caplog.text
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "ALICE",
        "Alice",
        "DEMO",
        "demo",
    ]
    assert username_case_duplicates() == [["Alice", "ALICE"], ["demo", "DEMO"]]


def test_the_migration_adds_the_index_once_duplicates_are_resolved(legacy_duplicates):
    User.objects.filter(username="DEMO").update(username="demo2")
    User.objects.filter(username="ALICE").update(username="alice2")
    index_migration.create_index(live_apps, _schema_editor())
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="Demo", password=PASSWORD)


def test_with_duplicates_the_exact_spelling_signs_in_and_an_ambiguous_one_nobody(
    anon_api, legacy_duplicates
):
    demo, upper = legacy_duplicates[0], legacy_duplicates[1]
    for spelling, expected in [("demo", demo), ("DEMO", upper)]:
        tokens = sign_in(anon_api, spelling)
        assert bearer_client(tokens["access"]).get("/api/auth/me/").json()["id"] == expected.pk
    response = anon_api.post(
        "/api/auth/token/", {"username": "Demo", "password": PASSWORD}, format="json"
    )
    assert_error(response, 401, "no_active_account")


@pytest.mark.parametrize("variant", ["émile", "ÉMILE", "Émile"])
def test_usernames_compare_by_unicode_case_folding_on_every_database(anon_api, make_user, variant):
    make_user("Émile")
    response = anon_api.post(
        "/api/auth/register/", {"username": variant, "password": PASSWORD}, format="json"
    )
    assert_error(response, 400, "invalid", {"username"})
    token = anon_api.post(
        "/api/auth/token/", {"username": variant.lower(), "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200, "signs in by any case"


def test_the_database_refuses_a_unicode_case_variant_too(make_user):
    make_user("Émile")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="éMILE", password=PASSWORD)
