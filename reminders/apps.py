from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from reminders.scheduler import reminder_saved
        from todos.models import Reminder

        post_save.connect(reminder_saved, sender=Reminder, dispatch_uid="reminders.saved")
