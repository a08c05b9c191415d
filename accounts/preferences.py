"""A user's preferences for local times and reminders: their time zone, the reminder a task
with a due time gets by default, and the channels reminders arrive on.

The zone that applies to one request: the client's (`X-Timezone`, a chat's `timezone`) when it
sent one, else the one stored here, else the `TIME_ZONE` setting. A user without a
Preferences row has the defaults; the first change creates the row.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from accounts.models import Preferences
from config.precompiled import PrecompiledSelect
from config.timezones import UnknownTimeZone, checked_zone_name

# The longest a default reminder can come before the due time: a week.
DEFAULT_REMINDER_MAX_MINUTES = 7 * 24 * 60
UNCHANGED = object()
# What a user sets (the API's and the Account page's fields, the export's keys).
PREFERENCE_FIELDS = ("time_zone", "default_reminder_minutes", "remind_in_page", "remind_by_email")


def preferences_for(user: AbstractBaseUser) -> Preferences:
    """The user's preferences: their row, or the defaults (unsaved) when they have none. One
    read per user instance: Django keeps the row (or its absence) on `user`."""
    try:
        return user.preferences
    except Preferences.DoesNotExist:
        # By the user's id: `user=user` would make the two refer to each other, a reference
        # cycle that outlives the request until a full collection.
        return Preferences(user_id=user.pk)


def preferences_as_dict(user: AbstractBaseUser) -> dict[str, Any]:
    preferences = preferences_for(user)
    return {name: getattr(preferences, name) for name in PREFERENCE_FIELDS}


# Every chat turn without a client zone reads it: written once per database.
_TIME_ZONE_OF = PrecompiledSelect(Preferences, columns=["time_zone"], where=["user"])


def stored_time_zone(user_id: int) -> str:
    """The IANA zone stored on the account, "" when unknown."""
    rows = _TIME_ZONE_OF([user_id])
    return (rows[0][0] if rows else "") or ""


def user_time_zone(user_id: int, override: str = "") -> str:
    """The zone that applies: `override` (a zone the client sent, already checked) when
    given, else the account's, else TIME_ZONE. Reads the database only without an override."""
    return override or stored_time_zone(user_id) or settings.TIME_ZONE


def time_zone_of(user: AbstractBaseUser, override: str = "") -> str:
    """`user_time_zone` for a user instance: its preferences as loaded with it (a token's
    user comes with them, accounts.tokens), else one read, kept on the instance."""
    return override or preferences_for(user).time_zone or settings.TIME_ZONE


def clean_time_zone(name: object) -> str:
    """A known IANA zone name ("" for unknown), or a ValidationError on `time_zone`."""
    if not isinstance(name, str):
        raise ValidationError({"time_zone": ["Give an IANA time zone such as Europe/Paris."]})
    try:
        return checked_zone_name(name.strip())
    except UnknownTimeZone as unknown:
        raise ValidationError({"time_zone": [str(unknown)]}) from None


def clean_default_reminder(minutes: object) -> int | None:
    """None (no default reminder), 0 (at the due time) or minutes before it, up to a week."""
    if minutes is None:
        return None
    is_number = isinstance(minutes, int) and not isinstance(minutes, bool)
    if not is_number or not 0 <= minutes <= DEFAULT_REMINDER_MAX_MINUTES:
        raise ValidationError(
            {
                "default_reminder_minutes": [
                    "null (none), 0 (at the due time) or the minutes before it, up to "
                    f"{DEFAULT_REMINDER_MAX_MINUTES}."
                ]
            }
        )
    return minutes


def preferences_update(
    *,
    user: AbstractBaseUser,
    time_zone: object = UNCHANGED,
    default_reminder_minutes: object = UNCHANGED,
    remind_in_page: bool | None = None,
    remind_by_email: bool | None = None,
) -> Preferences:
    """Change the given preferences (UNCHANGED / None leaves one as it is) and store them."""
    preferences = preferences_for(user)
    if time_zone is not UNCHANGED:
        preferences.time_zone = clean_time_zone(time_zone)
    if default_reminder_minutes is not UNCHANGED:
        preferences.default_reminder_minutes = clean_default_reminder(default_reminder_minutes)
    for name, value in (("remind_in_page", remind_in_page), ("remind_by_email", remind_by_email)):
        if value is not None and not isinstance(value, bool):
            raise ValidationError({name: ["true or false."]})
        if value is not None:
            setattr(preferences, name, value)
    preferences.save()
    user.preferences = preferences  # what the user's next read sees
    return preferences


def time_zone_set_if_unknown(*, user: AbstractBaseUser, time_zone: str) -> bool:
    """Store the zone the browser reported at sign-in when the account has none yet (a zone
    the user chose is never overwritten); an unknown name is ignored. True when stored."""
    try:
        name = checked_zone_name(time_zone.strip())
    except UnknownTimeZone:
        return False
    if not name or stored_time_zone(user.pk):
        return False
    updated = Preferences.objects.filter(user=user, time_zone="").update(time_zone=name)
    if not updated:
        _, created = Preferences.objects.get_or_create(user=user, defaults={"time_zone": name})
        return created
    return True
