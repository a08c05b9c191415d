"""Every account starts with an Inbox and a task counter, whoever creates it (sign-up, the
admin, createsuperuser, a test)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from todos.lists import inbox_for
from todos.models import TaskCounter


@receiver(post_save, sender=get_user_model(), dispatch_uid="todos_inbox_for_new_user")
def inbox_for_new_user(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        inbox_for(owner=instance)
        TaskCounter.objects.get_or_create(owner=instance)
