"""Record the web sessions signed in before sessions were recorded at sign-in, so that
"sign out everywhere" ends them too. Only the database session engine can be listed."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

DB_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


def record_existing_sessions(apps, schema_editor):
    if settings.SESSION_ENGINE not in DB_ENGINES:
        return
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    WebSession = apps.get_model("accounts", "WebSession")
    decoder = SessionStore()
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=500):
        user_id = decoder.decode(session.session_data).get("_auth_user_id")
        if user_id and User.objects.filter(pk=user_id).exists():
            WebSession.objects.get_or_create(
                session_key=session.session_key, defaults={"user_id": user_id}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_credentials"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(record_existing_sessions, migrations.RunPython.noop)]
