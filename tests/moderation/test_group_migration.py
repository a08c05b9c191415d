"""The `moderators` group created by chat 0002, on a fresh database too."""

import importlib
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.moderation.conftest import moderators_group

pytestmark = pytest.mark.django_db

INTENDED = {
    "chat.view_conversation",
    "chat.view_message",
    "chat.flag_conversation",
    "todos.view_task",
}


def group_permissions() -> set[str]:
    # The migration's group; the same rebuilt when a transactional test ran before this one in
    # its process (its flush empties the table: the order differs with pytest-xdist).
    group = moderators_group()
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_the_group_has_exactly_the_intended_permissions():
    assert group_permissions() == INTENDED


def test_a_moderator_can_read_and_flag_but_not_change(moderator):
    assert {p for p in INTENDED if moderator.has_perm(p)} == INTENDED
    for permission in (
        "chat.change_conversation",
        "chat.delete_conversation",
        "chat.change_message",
        "chat.delete_message",
        "todos.change_task",
        "todos.delete_task",
        "todos.add_task",
    ):
        assert not moderator.has_perm(permission)


def test_the_migration_creates_missing_permissions():
    """As on a fresh database, where post_migrate has not created them yet."""
    Group.objects.filter(name="moderators").delete()
    Permission.objects.filter(content_type__app_label__in=["chat", "todos"]).delete()
    migration = importlib.import_module("chat.migrations.0002_moderators_group")
    state = MigrationExecutor(connection).loader.project_state(("chat", "0002_moderators_group"))

    # The function only needs the editor's connection; a real editor cannot open inside
    # the test's transaction on SQLite.
    migration.create_moderators_group(state.apps, SimpleNamespace(connection=connection))

    assert group_permissions() == INTENDED
