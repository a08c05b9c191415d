"""Web sessions are recorded at sign-in (accounts.sessions) so that signing out everywhere
can end them; the ones from before this release are found by migration 0002."""

import importlib

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.test import APIClient

from accounts.models import WebSession
from tests.accounts.conftest import bearer_client, is_signed_in, session_client, sign_in

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("accounts.migrations.0002_record_existing_sessions")


def test_signing_in_and_out_records_and_forgets_the_session(client, user):
    client.force_login(user)
    (recorded,) = WebSession.objects.filter(user=user)
    assert recorded.session_key == client.session.session_key
    client.post("/accounts/logout/")
    assert not WebSession.objects.exists()


def test_a_sign_in_forgets_the_users_sessions_that_ended_on_their_own(user):
    expired = session_client(user)
    SessionStore(expired.session.session_key).delete()  # expired and cleared
    session_client(user)
    assert WebSession.objects.filter(user=user).count() == 1


def test_sessions_from_before_they_were_recorded_are_found_by_the_migration(user, other_user):
    old, theirs = session_client(user), session_client(other_user)
    WebSession.objects.all().delete()  # as before this release

    backfill.record_existing_sessions(apps, None)

    assert {(row.user_id, row.session_key) for row in WebSession.objects.all()} == {
        (user.pk, old.session.session_key),
        (other_user.pk, theirs.session.session_key),
    }
    bearer_client(sign_in(APIClient(), "alice")["access"]).post(
        "/api/auth/logout/", {"all": True}, format="json"
    )
    assert not is_signed_in(old)
    assert is_signed_in(theirs)
