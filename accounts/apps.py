from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # Register the checks, the OpenAPI extensions and LOWER as case folding on SQLite.
        from accounts import casefold, checks, schema  # noqa: F401
        from accounts.sessions import record_sign_in, record_sign_out

        user_logged_in.connect(record_sign_in, dispatch_uid="accounts.record_sign_in")
        user_logged_out.connect(record_sign_out, dispatch_uid="accounts.record_sign_out")
