"""Email addresses that differ only in case, from before they were refused: the migration
reports them and waits, the check framework warns (accounts.W002), and none of them gets a
password reset link; once they are changed the migration adds the index."""

import importlib
import logging

import pytest
from django.apps import apps as live_apps
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.checks import email_case_duplicates
from accounts.models import EmailVerification
from accounts.password_reset import _password_reset_mail

pytestmark = pytest.mark.django_db

User = get_user_model()
index_migration = importlib.import_module("accounts.migrations.0005_email_case_insensitive")


@pytest.fixture
def legacy_duplicates(make_user):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {index_migration.INDEX_NAME}")
    return [
        make_user("ann", email="ann@example.com"),
        make_user("ann2", email="ANN@example.com"),
        make_user("bea"),
        make_user("cid"),  # two accounts without an address are no duplicates
    ]


def _w002() -> list:
    return [w for w in run_checks(databases=["default"]) if w.id == "accounts.W002"]


def test_the_check_warns_while_duplicates_exist(legacy_duplicates):
    (warning,) = _w002()
    assert "1 email addresses differ only in case: ann@example.com / ANN@example.com." in (
        warning.msg
    )
    User.objects.filter(username="ann2").update(email="ann2@example.com")
    assert not _w002()


def test_the_migration_reports_them_and_adds_the_index_once_they_are_changed(
    legacy_duplicates, caplog
):
    with caplog.at_level(logging.WARNING, "accounts.migrations"):
        index_migration.create_index(live_apps, connection.schema_editor())
    assert "1 email addresses differ only in case" in caplog.text and "NOT created" in caplog.text
    assert email_case_duplicates() == [["ann@example.com", "ANN@example.com"]]

    User.objects.filter(username="ann2").update(email="ann2@example.com")
    index_migration.create_index(live_apps, connection.schema_editor())
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(username="bea").update(email="Ann@Example.com")
    User.objects.filter(username="bea").update(email="")  # still: no address is no duplicate


def test_none_of_them_gets_a_reset_link(legacy_duplicates, mailoutbox):
    for user in legacy_duplicates[:2]:
        EmailVerification.objects.create(user=user, email=user.email, verified_at=timezone.now())
    # The job a reset request hands to the background, run here (this test's transaction is
    # invisible to the background threads).
    _password_reset_mail(email="ann@example.com", site_url="http://testserver")
    assert mailoutbox == []
