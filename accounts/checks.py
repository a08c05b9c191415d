"""System check: usernames that differ only in case (from before they were refused).

A database check: `manage.py migrate` and `manage.py check --database default` run it.
"""

from django.contrib.auth import get_user_model
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.db.models import Count
from django.db.models.functions import Lower

DUPLICATES_SHOWN = 10


def username_case_duplicates(using: str = "default", user_model=None) -> list[list[str]]:
    """Groups of usernames equal regardless of case, e.g. [["demo", "DEMO"]]."""
    User = user_model or get_user_model()
    users = User._default_manager.using(using)
    lowered = (
        users.annotate(lowered=Lower("username"))
        .values("lowered")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("lowered", flat=True)
    )
    groups: dict[str, list[str]] = {}
    named = users.annotate(lowered=Lower("username")).filter(lowered__in=lowered)
    for lower, username in named.order_by("lowered", "pk").values_list("lowered", "username"):
        groups.setdefault(lower, []).append(username)
    return list(groups.values())


@register(Tags.database)
def check_username_case_duplicates(app_configs=None, databases=None, **kwargs) -> list:
    warnings = []
    for alias in databases or []:
        try:
            groups = username_case_duplicates(alias)
        except DatabaseError:  # not migrated yet
            continue
        if groups:
            shown = "; ".join(" / ".join(group) for group in groups[:DUPLICATES_SHOWN])
            more = (
                f" and {len(groups) - DUPLICATES_SHOWN} more"
                if len(groups) > DUPLICATES_SHOWN
                else ""
            )
            warnings.append(
                Warning(
                    f"{len(groups)} usernames differ only in case: {shown}{more}.",
                    hint="Rename all but one of each group in the admin, then run "
                    "`manage.py migrate accounts 0002 && manage.py migrate accounts` to add the "
                    "case-insensitive unique index. Until then the exact spelling signs in.",
                    id="accounts.W001",
                )
            )
    return warnings
