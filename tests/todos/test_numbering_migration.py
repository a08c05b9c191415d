"""The migration that gives existing users an Inbox and numbers their tasks by creation order,
run on a database that already holds tasks (MigrationExecutor, forwards from 0003)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("todos", "0003_task_due_date")]
AFTER = [("todos", "0006_task_number_list_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_existing_tasks_get_an_inbox_and_numbers_by_creation_order(old_apps):
    User = old_apps.get_model("auth", "User")
    Task = old_apps.get_model("todos", "Task")
    alice = User.objects.create(username="alice_m")
    bob = User.objects.create(username="bob_m")
    User.objects.create(username="carol_m")  # no tasks: still gets an Inbox
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Created in this order, inserted in another: numbers follow created_at, not the id.
    for title, owner, minutes in [
        ("a3", alice, 30),
        ("b1", bob, 5),
        ("a1", alice, 10),
        ("a2", alice, 20),
    ]:
        task = Task.objects.create(owner=owner, title=title)
        Task.objects.filter(pk=task.pk).update(created_at=start + timedelta(minutes=minutes))

    apps = migrate(AFTER)

    Task = apps.get_model("todos", "Task")
    TaskList = apps.get_model("todos", "TaskList")
    TaskCounter = apps.get_model("todos", "TaskCounter")
    numbered = {
        (task.owner.username, task.title): (task.number, task.list.name, task.list.is_inbox)
        for task in Task.objects.select_related("owner", "list")
    }
    assert numbered == {
        ("alice_m", "a1"): (1, "Inbox", True),
        ("alice_m", "a2"): (2, "Inbox", True),
        ("alice_m", "a3"): (3, "Inbox", True),
        ("bob_m", "b1"): (1, "Inbox", True),
    }
    inboxes = TaskList.objects.filter(owner__username__endswith="_m", is_inbox=True)
    assert sorted(inboxes.values_list("owner__username", flat=True)) == [
        "alice_m",
        "bob_m",
        "carol_m",
    ]
    counters = dict(
        TaskCounter.objects.filter(owner__username__endswith="_m").values_list(
            "owner__username", "last_number"
        )
    )
    assert counters == {"alice_m": 3, "bob_m": 1, "carol_m": 0}
    assert {task.priority for task in Task.objects.all()} == {4}
