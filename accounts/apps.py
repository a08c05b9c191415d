from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts import checks, schema  # noqa: F401  (register the check and OpenAPI extensions)
        from accounts.sessions import record_sign_in, record_sign_out

        user_logged_in.connect(record_sign_in, dispatch_uid="accounts.record_sign_in")
        user_logged_out.connect(record_sign_out, dispatch_uid="accounts.record_sign_out")
