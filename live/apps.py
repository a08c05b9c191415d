from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from live import publications, publisher
        from live.signed_out import session_signed_out

        publications.register_all()
        publisher.connect()
        user_logged_out.connect(session_signed_out, dispatch_uid="live.session_signed_out")
