from django.urls import path

from accounts.pages import (
    SignInPage,
    SignOutView,
    account,
    account_delete,
    account_email,
    account_email_resend,
    account_password,
    account_preferences,
    account_sign_out_everywhere,
    signup,
)
from accounts.recovery_pages import (
    email_verify_page,
    password_reset,
    password_reset_confirm_page,
    password_reset_sent,
)

urlpatterns = [
    path("login/", SignInPage.as_view(), name="login"),
    path("logout/", SignOutView.as_view(), name="logout"),
    path("signup/", signup, name="signup"),
    path("account/", account, name="account"),
    path("password/reset/", password_reset, name="password-reset"),
    path("password/reset/sent/", password_reset_sent, name="password-reset-sent"),
    # The links in mails: their tokens are query parameters, which the access log leaves out.
    path("password/reset/confirm/", password_reset_confirm_page, name="password-reset-confirm"),
    path("email/verify/", email_verify_page, name="email-verify"),
    path("account/email/", account_email, name="account-email"),
    path("account/email/resend/", account_email_resend, name="account-email-resend"),
    path("account/password/", account_password, name="account-password"),
    path("account/preferences/", account_preferences, name="account-preferences"),
    path(
        "account/sign-out-everywhere/",
        account_sign_out_everywhere,
        name="account-sign-out-everywhere",
    ),
    path("account/delete/", account_delete, name="account-delete"),
]
