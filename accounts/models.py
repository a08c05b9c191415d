"""What the product keeps about a person's credentials beyond Django's user row."""

from django.conf import settings
from django.db import models


class CredentialGeneration(models.Model):
    """The generation of a user's credentials.

    Every token carries the generation it was issued in (accounts.tokens); signing out
    everywhere and changing the password start the next one, which refuses every token issued
    before, access tokens included, without waiting for them to expire. No row: generation 0.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="credential_generation",
    )
    number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: generation {self.number}"


class WebSession(models.Model):
    """A web session a user signed in with, recorded at sign-in (accounts.sessions), so that
    signing out everywhere can end it whatever the session backend: Django itself cannot list
    a user's sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}: session from {self.created_at:%Y-%m-%d %H:%M}"


class EmailVerification(models.Model):
    """The address a user proved to receive mail at (they opened its verification link).

    A user's address is verified while it equals the one recorded here, so any change of
    `User.email` (the Account page, the API, the admin) leaves the new address unverified
    until its own link is opened (accounts.addresses).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_verification",
    )
    email = models.EmailField(max_length=254)
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id}: address verified {self.verified_at:%Y-%m-%d %H:%M}"


class Preferences(models.Model):
    """A user's settings for local times and reminders. No row: the defaults below.

    `time_zone` is an IANA name ("" until known: the page sets it from the browser at sign-in;
    then TIME_ZONE applies). A client's `X-Timezone` header, or a chat's `timezone`, still
    overrides it for one request. `default_reminder_minutes`: the reminder a task with a due
    time gets unless one is asked for: None off, 0 at the due time, N minutes before.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preferences",
    )
    time_zone = models.CharField(max_length=64, blank=True, default="")
    default_reminder_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The channels reminders are delivered on; email only to a verified address.
    remind_in_page = models.BooleanField(default=True)
    remind_by_email = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone or 'zone unknown'}"
