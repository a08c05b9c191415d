"""Task rules, in the services and in the database itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from todos.lists import inbox_for
from todos.models import Task
from todos.selectors import TaskNotFound, task_get, task_list
from todos.services import task_complete, task_create, task_update

pytestmark = pytest.mark.django_db


def test_title_is_stripped(user):
    assert task_create(owner=user, title="  buy milk \n").title == "buy milk"


@pytest.mark.parametrize("title", ["", "   ", None, 42, "x" * 201, "a\x00b", "a\ud800b"])
def test_bad_titles_are_rejected(user, title):
    with pytest.raises(ValidationError) as error:
        task_create(owner=user, title=title)
    assert "title" in error.value.message_dict


def test_description_limit(user):
    task_create(owner=user, title="ok", description="d" * 2000)
    with pytest.raises(ValidationError):
        task_create(owner=user, title="ok", description="d" * 2001)


def required_fields(user) -> dict:
    return {"number": 1, "list": inbox_for(owner=user)}


@pytest.mark.parametrize(
    "fields", [{"title": ""}, {"title": "x" * 201}, {"description": "d" * 2001}]
)
def test_database_constraints_hold_without_the_service(user, fields):
    # PostgreSQL's varchar(200) refuses an over-long title before the check constraint does.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Task.objects.create(owner=user, **(required_fields(user) | {"title": "ok"} | fields))


def test_completed_needs_a_timestamp_in_the_database(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(owner=user, **required_fields(user), title="ok", completed=True)


def test_complete_and_reopen(user):
    task = task_complete(task=task_create(owner=user, title="ship it"))
    assert task.completed and task.completed_at is not None
    task = task_update(task=task, completed=False)
    assert not task.completed and task.completed_at is None


def test_reads_are_scoped_to_the_owner(user, other_user):
    mine = task_create(owner=user, title="mine")
    theirs = task_create(owner=other_user, title="theirs")
    assert list(task_list(owner=user)) == [mine]
    with pytest.raises(TaskNotFound, match=f"Task {theirs.id} not found"):
        task_get(owner=user, task_id=theirs.id)


def test_status_filter(user):
    done = task_complete(task=task_create(owner=user, title="done"))
    todo = task_create(owner=user, title="todo")
    assert list(task_list(owner=user, status="pending")) == [todo]
    assert list(task_list(owner=user, status="completed")) == [done]
    assert list(task_list(owner=user, status="all")) == [todo, done]


@pytest.mark.parametrize("description", ["a\x00b", "a\udfffb", ["not", "text"]])
def test_bad_descriptions_are_rejected(user, description):
    with pytest.raises(ValidationError) as error:
        task_create(owner=user, title="ok", description=description)
    assert "description" in error.value.message_dict
