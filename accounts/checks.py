"""System checks: usernames or email addresses that differ only in case (from before they
were refused), and mail that would only reach the console in production.

The duplicate checks are database checks: `manage.py migrate` and `manage.py check
--database default` run them.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.db.models import Count
from django.db.models.functions import Lower

DUPLICATES_SHOWN = 10
CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def case_duplicates(field: str, using: str = "default", user_model=None) -> list[list[str]]:
    """Groups of a user field's values equal regardless of case, e.g. [["demo", "DEMO"]];
    empty values (no email address) are not duplicates."""
    User = user_model or get_user_model()
    users = User._default_manager.using(using).exclude(**{field: ""})
    lowered = (
        users.annotate(lowered=Lower(field))
        .values("lowered")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("lowered", flat=True)
    )
    groups: dict[str, list[str]] = {}
    named = users.annotate(lowered=Lower(field)).filter(lowered__in=lowered)
    for lower, value in named.order_by("lowered", "pk").values_list("lowered", field):
        groups.setdefault(lower, []).append(value)
    return list(groups.values())


def username_case_duplicates(using: str = "default", user_model=None) -> list[list[str]]:
    return case_duplicates("username", using, user_model)


def email_case_duplicates(using: str = "default", user_model=None) -> list[list[str]]:
    return case_duplicates("email", using, user_model)


def _duplicates_warning(
    groups: list[list[str]], *, what: str, migration: str, id: str, meanwhile: str
) -> Warning:
    shown = "; ".join(" / ".join(group) for group in groups[:DUPLICATES_SHOWN])
    more = f" and {len(groups) - DUPLICATES_SHOWN} more" if len(groups) > DUPLICATES_SHOWN else ""
    previous = f"{int(migration[:4]) - 1:04d}"
    return Warning(
        f"{len(groups)} {what} differ only in case: {shown}{more}.",
        hint="Change all but one of each group in the admin, then run "
        f"`manage.py migrate accounts {previous} && manage.py migrate accounts` to add the "
        f"case-insensitive unique index. {meanwhile}",
        id=id,
    )


@register(Tags.database)
def check_case_duplicates(app_configs=None, databases=None, **kwargs) -> list:
    warnings = []
    for alias in databases or []:
        try:
            usernames, emails = username_case_duplicates(alias), email_case_duplicates(alias)
        except DatabaseError:  # not migrated yet
            continue
        if usernames:
            warnings.append(
                _duplicates_warning(
                    usernames,
                    what="usernames",
                    migration="0003_username_case_insensitive",
                    id="accounts.W001",
                    meanwhile="Until then the exact spelling signs in.",
                )
            )
        if emails:
            warnings.append(
                _duplicates_warning(
                    emails,
                    what="email addresses",
                    migration="0005_email_case_insensitive",
                    id="accounts.W002",
                    meanwhile="Until then none of them can reset a password.",
                )
            )
    return warnings


@register()
def check_mail_backend(app_configs=None, **kwargs) -> list:
    if settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND:
        return []
    return [
        Warning(
            "Mail (password reset and address verification links) goes to the server's "
            "console: only who reads it there receives it.",
            hint="Fine on your own machine. Anywhere else set "
            "EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST "
            "(README's settings table).",
            id="accounts.W003",
        )
    ]
