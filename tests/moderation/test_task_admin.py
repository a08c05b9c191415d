"""The task admin writes through todos.services and filters by owner."""

import pytest

from todos.models import Task
from todos.services import task_create

pytestmark = pytest.mark.django_db

TASKS = "/admin/todos/task/"


def test_superuser_adds_a_task_through_the_service(superuser_client, user):
    response = superuser_client.post(
        f"{TASKS}add/",
        {"owner": user.pk, "title": "  buy milk  ", "description": "", "completed": "on"},
    )

    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.owner, task.title, task.completed) == (user, "buy milk", True)
    assert task.completed_at is not None


def test_superuser_completes_and_reopens_a_task(superuser_client, user):
    task = task_create(owner=user, title="milk")
    url = f"{TASKS}{task.pk}/change/"

    superuser_client.post(url, {"title": "milk", "description": "", "completed": "on"})
    task.refresh_from_db()
    assert task.completed and task.completed_at is not None

    superuser_client.post(url, {"title": "milk", "description": ""})
    task.refresh_from_db()
    assert not task.completed and task.completed_at is None


def test_blank_title_is_rejected_with_the_services_message(superuser_client, user):
    task = task_create(owner=user, title="milk")

    response = superuser_client.post(f"{TASKS}{task.pk}/change/", {"title": "   "})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"]
    task.refresh_from_db()
    assert task.title == "milk"


def test_list_filters_by_owner(moderator_client, user, other_user):
    task_create(owner=user, title="mine")
    task_create(owner=other_user, title="theirs")

    response = moderator_client.get(TASKS, {"owner__id__exact": other_user.pk})

    assert [t.title for t in response.context["cl"].result_list] == ["theirs"]
    assert f'href="{TASKS}add/"' not in response.content.decode()  # moderators only read


def test_superuser_deletes_tasks(superuser_client, user):
    task = task_create(owner=user, title="milk")

    response = superuser_client.post(f"{TASKS}{task.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Task.objects.exists()


def test_superuser_sets_and_clears_a_due_date(superuser_client, user):
    superuser_client.post(
        f"{TASKS}add/",
        {"owner": user.pk, "title": "pay rent", "description": "", "due_date": "2026-12-04"},
    )
    task = Task.objects.get()
    assert task.due_date.isoformat() == "2026-12-04"
    url = f"{TASKS}{task.pk}/change/"
    superuser_client.post(url, {"title": "pay rent", "description": "", "due_date": "2026-12-07"})
    task.refresh_from_db()
    assert task.due_date.isoformat() == "2026-12-07"
    superuser_client.post(url, {"title": "pay rent", "description": "", "due_date": ""})
    task.refresh_from_db()
    assert task.due_date is None
