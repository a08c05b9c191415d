"""Task lists: the Inbox every user has, and the lists they make. Reads and writes, each
scoped to an owner: another user's list does not exist.

Names are unique per user whatever their case (`name_key`, the name casefolded: "CAFÉ" and
"café" are one name on every database). The Inbox cannot be renamed or deleted; deleting
another list moves its tasks to the Inbox, or deletes them with it.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet

from config.changes import changed
from config.text import clean_visible_text
from todos.models import INBOX_NAME, LIST_NAME_MAX_LENGTH, Task, TaskList

NAME_REQUIRED = "A list needs a name."


class ListNotFound(Exception):
    def __init__(self, list_ref: object):
        super().__init__(f'List "{list_ref}" not found')
        self.list_ref = list_ref


class InboxProtected(Exception):
    """The Inbox cannot be renamed or deleted."""

    def __init__(self, what: str = "renamed or deleted"):
        super().__init__(f"The Inbox cannot be {what}.")


def list_name_key(name: str) -> str:
    return name.casefold()


def clean_list_name(name: object) -> str:
    """A stripped name of 1 to 60 characters that shows as it reads (the title rule), or a
    ValidationError on `name`."""
    return clean_visible_text(
        name,
        field="name",
        max_length=LIST_NAME_MAX_LENGTH,
        required=NAME_REQUIRED,
        too_long="List names can be up to {max_length} characters — this one has {length}.",
    )


def _name_taken(name: str) -> ValidationError:
    return ValidationError({"name": [f'You already have a list called "{name}".']})


def inbox_for(*, owner: AbstractBaseUser) -> TaskList:
    """The owner's Inbox, made now if the account has none yet."""
    inbox = TaskList.objects.filter(owner=owner, is_inbox=True).first()
    if inbox is not None:
        return inbox
    with transaction.atomic():
        inbox, _ = TaskList.objects.get_or_create(
            owner=owner,
            is_inbox=True,
            defaults={"name": INBOX_NAME, "name_key": list_name_key(INBOX_NAME), "position": 0},
        )
    return inbox


def list_list(*, owner: AbstractBaseUser) -> QuerySet[TaskList]:
    """The owner's lists, the Inbox first, each with `task_count` and `pending_count`."""
    inbox_for(owner=owner)
    counted = TaskList.objects.filter(owner=owner).annotate(
        task_count=Count("tasks"), pending_count=Count("tasks", filter=Q(tasks__completed=False))
    )
    return counted.order_by(*TaskList._meta.ordering)  # Meta.ordering skips GROUP BY queries


def list_get(*, owner: AbstractBaseUser, list_id: object) -> TaskList:
    """The owner's list with this id, or ListNotFound (also for ids that are not integers)."""
    try:
        return TaskList.objects.get(owner=owner, pk=int(list_id))
    except (TaskList.DoesNotExist, TypeError, ValueError):
        raise ListNotFound(list_id) from None


def list_by_name(*, owner: AbstractBaseUser, name: str) -> TaskList:
    """The owner's list called `name` in any case, or ListNotFound."""
    found = TaskList.objects.filter(owner=owner, name_key=list_name_key(name.strip())).first()
    if found is None:
        if list_name_key(name.strip()) == list_name_key(INBOX_NAME):
            return inbox_for(owner=owner)
        raise ListNotFound(name)
    return found


def list_create(*, owner: AbstractBaseUser, name: str) -> TaskList:
    """A new list after the owner's others; a name the owner already uses is refused."""
    name = clean_list_name(name)
    inbox_for(owner=owner)
    try:
        with transaction.atomic():
            last = TaskList.objects.filter(owner=owner).aggregate(last=Max("position"))["last"]
            return TaskList.objects.create(
                owner=owner, name=name, name_key=list_name_key(name), position=(last or 0) + 1
            )
    except IntegrityError:
        raise _name_taken(name) from None


def list_rename(*, task_list: TaskList, name: str) -> TaskList:
    if task_list.is_inbox:
        raise InboxProtected("renamed")
    name = clean_list_name(name)
    task_list.name, task_list.name_key = name, list_name_key(name)
    try:
        with transaction.atomic():
            task_list.save(update_fields=["name", "name_key"])
    except IntegrityError:
        raise _name_taken(name) from None
    return task_list


def list_move(*, task_list: TaskList, position: int) -> TaskList:
    """Put the list at `position` (0 = first after the Inbox) among the owner's other lists,
    which close up around it; positions past the end put it last."""
    if task_list.is_inbox:
        raise InboxProtected("moved")
    if position < 0:
        raise ValidationError({"position": ["A position is 0 or more."]})
    with transaction.atomic():
        others = list(
            TaskList.objects.select_for_update()
            .filter(owner_id=task_list.owner_id, is_inbox=False)
            .exclude(pk=task_list.pk)
            .order_by("position", "id")
        )
        others.insert(min(position, len(others)), task_list)
        for index, each in enumerate(others, start=1):
            each.position = index
        TaskList.objects.bulk_update(others, ["position"])
        for each in others:  # bulk_update sends no post_save
            changed.send(TaskList, kind="updated", user_id=each.owner_id, subject=each)
    return task_list


def list_delete(*, task_list: TaskList, delete_tasks: bool = False) -> int:
    """Delete the list; its tasks move to the Inbox, or go with it when `delete_tasks`.
    Returns how many tasks were moved or deleted."""
    if task_list.is_inbox:
        raise InboxProtected("deleted")
    with transaction.atomic():
        tasks = task_list.tasks.all()
        if delete_tasks:
            count, _ = tasks.delete()
        else:
            moved = list(tasks.values_list("pk", flat=True))
            inbox = inbox_for(owner=task_list.owner)
            count = tasks.update(list=inbox)
            bulk = {"task_ids": moved, "change": {"list": inbox}}
            changed.send(Task, kind="bulk", user_id=task_list.owner_id, subject=bulk)
        task_list.delete()
    return count
