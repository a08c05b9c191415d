"""Lists (the Inbox, names unique in any case, deleting) and each user's own task numbers."""

import pytest
from django.core.exceptions import ValidationError

from todos.bulk import tasks_bulk_change
from todos.changes import change_group_undo
from todos.lists import (
    InboxProtected,
    inbox_for,
    list_create,
    list_delete,
    list_list,
    list_move,
    list_rename,
)
from todos.models import Task, TaskList
from todos.services import task_complete, task_create, task_delete

pytestmark = pytest.mark.django_db


def test_every_new_account_has_an_inbox(user):
    (inbox,) = TaskList.objects.filter(owner=user)
    assert inbox.name == "Inbox" and inbox.is_inbox
    assert task_create(owner=user, title="milk").list == inbox


def test_two_users_each_count_from_one(user, other_user):
    assert [task_create(owner=user, title=t).number for t in "abc"] == [1, 2, 3]
    assert task_create(owner=other_user, title="x").number == 1


def test_a_number_is_never_given_again_and_an_undone_delete_gets_it_back(user):
    first, second = (task_create(owner=user, title=t) for t in ("a", "b"))
    result = tasks_bulk_change(owner=user, action="delete", ids=[second.pk])
    assert task_create(owner=user, title="c").number == 3  # 2 stays free
    change_group_undo(owner=user, change_id=result.change_id, user=user)
    assert sorted(Task.objects.filter(owner=user).values_list("number", flat=True)) == [1, 2, 3]
    task_delete(task=Task.objects.get(owner=user, number=3))
    assert task_create(owner=user, title="d").number == 4
    assert first.number == 1


@pytest.mark.parametrize("name", ["work", "WORK", " Work ", "wORk"])
def test_names_are_unique_whatever_the_case(user, name):
    list_create(owner=user, name="Work")
    with pytest.raises(ValidationError) as refused:
        list_create(owner=user, name=name)
    assert "already have a list" in str(refused.value)


def test_unicode_case_counts_too_and_other_users_may_use_the_name(user, other_user):
    list_create(owner=user, name="Café")
    with pytest.raises(ValidationError):
        list_create(owner=user, name="CAFÉ")
    list_create(owner=other_user, name="CAFÉ")
    with pytest.raises(ValidationError):
        list_create(owner=user, name="inbox")


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200b", "x" * 61, "a\u202eb"])
def test_list_names_follow_the_title_rule(user, name):
    with pytest.raises(ValidationError) as refused:
        list_create(owner=user, name=name)
    assert "name" in refused.value.message_dict


def test_a_name_of_60_characters_is_fine(user):
    assert list_create(owner=user, name="x" * 60).name == "x" * 60


def test_the_inbox_cannot_be_renamed_moved_or_deleted(user):
    inbox = inbox_for(owner=user)
    for attempt in (
        lambda: list_rename(task_list=inbox, name="Other"),
        lambda: list_move(task_list=inbox, position=2),
        lambda: list_delete(task_list=inbox),
    ):
        with pytest.raises(InboxProtected):
            attempt()
    assert TaskList.objects.get(pk=inbox.pk).name == "Inbox"


def test_renaming_to_another_case_of_its_own_name_is_fine(user):
    work = list_create(owner=user, name="work")
    assert list_rename(task_list=work, name="Work").name == "Work"


def test_deleting_a_list_moves_its_tasks_to_the_inbox(user):
    work = list_create(owner=user, name="Work")
    task = task_create(owner=user, title="report", task_list=work)
    assert list_delete(task_list=work) == 1
    task.refresh_from_db()
    assert task.list == inbox_for(owner=user)


def test_deleting_a_list_with_its_tasks(user):
    work = list_create(owner=user, name="Work")
    task_create(owner=user, title="report", task_list=work)
    kept = task_create(owner=user, title="milk")
    list_delete(task_list=work, delete_tasks=True)
    assert list(Task.objects.filter(owner=user)) == [kept]


def test_lists_come_inbox_first_in_their_order_with_counts(user):
    _, b, c = (list_create(owner=user, name=n) for n in "abc")
    list_move(task_list=c, position=0)
    task_create(owner=user, title="one", task_list=b)
    task_complete(task=task_create(owner=user, title="two", task_list=b))
    listed = list(list_list(owner=user))
    assert [each.name for each in listed] == ["Inbox", "c", "a", "b"]
    assert [(each.task_count, each.pending_count) for each in listed] == [
        (0, 0),
        (0, 0),
        (0, 0),
        (2, 1),
    ]


def test_a_task_cannot_go_to_another_users_list(user, other_user):
    theirs = list_create(owner=other_user, name="theirs")
    with pytest.raises(ValidationError):
        task_create(owner=user, title="sneaky", task_list=theirs)
