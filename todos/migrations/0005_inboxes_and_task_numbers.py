"""Every existing user gets an Inbox and a task counter; their tasks go to the Inbox and are
numbered 1, 2, ... in the order they were created."""

from django.conf import settings
from django.db import migrations

INBOX_NAME = "Inbox"  # todos.models.INBOX_NAME as it was when this migration was written


def inboxes_and_numbers(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    TaskList = apps.get_model("todos", "TaskList")
    TaskCounter = apps.get_model("todos", "TaskCounter")
    Task = apps.get_model("todos", "Task")
    for user_id in User.objects.order_by("pk").values_list("pk", flat=True).iterator():
        inbox = TaskList.objects.create(
            owner_id=user_id, name=INBOX_NAME, name_key=INBOX_NAME.casefold(), is_inbox=True
        )
        tasks = list(Task.objects.filter(owner_id=user_id).order_by("created_at", "id"))
        for number, task in enumerate(tasks, start=1):
            task.number = number
            task.list_id = inbox.pk
        Task.objects.bulk_update(tasks, ["number", "list"], batch_size=500)
        TaskCounter.objects.create(owner_id=user_id, last_number=len(tasks))


class Migration(migrations.Migration):
    dependencies = [("todos", "0004_tasklist_priority_number")]

    operations = [migrations.RunPython(inboxes_and_numbers, migrations.RunPython.noop)]
