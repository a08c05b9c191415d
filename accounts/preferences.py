"""A user's preferences for local times and reminders: their time zone, the reminder a task
with a due time gets by default, and the channels reminders arrive on.

The zone that applies to one request: the client's (`X-Timezone`, a chat's `timezone`) when it
sent one, else the one stored here, else the `TIME_ZONE` setting. A user without a
Preferences row has the defaults; the first change creates the row.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from accounts.models import Preferences
from config.precompiled import PrecompiledSelect
from config.timezones import UnknownTimeZone, checked_zone_name

# The longest a default reminder can come before the due time: a week.
DEFAULT_REMINDER_MAX_MINUTES = 7 * 24 * 60
UNCHANGED = object()


def preferences_for(user: AbstractBaseUser) -> Preferences:
    """The user's preferences: their row, or the defaults (unsaved) when they have none."""
    try:
        return Preferences.objects.get(user=user)
    except Preferences.DoesNotExist:
        return Preferences(user=user)


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
    if remind_in_page is not None:
        preferences.remind_in_page = bool(remind_in_page)
    if remind_by_email is not None:
        preferences.remind_by_email = bool(remind_by_email)
    preferences.save()
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
