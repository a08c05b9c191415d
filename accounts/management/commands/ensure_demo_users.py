"""Create (idempotently) the demo user and the staff user of the quick start, and print them."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERS = [
    # username, password, is_staff/superuser
    ("demo", "demo-password-123", False),
    ("admin", "admin-password-123", True),
]


class Command(BaseCommand):
    help = "Create the demo and admin accounts if missing, and print their credentials."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        for username, password, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = user.is_superuser = is_staff
                user.save()
            role = "staff (admin at /admin/)" if is_staff else "demo user"
            state = "created" if created else "exists"
            self.stdout.write(f"  {role:<26} username={username} password={password} ({state})")
