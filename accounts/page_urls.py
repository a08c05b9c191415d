from django.urls import path

from accounts.pages import (
    SignInPage,
    SignOutView,
    account,
    account_delete,
    account_password,
    account_sign_out_everywhere,
    signup,
)

urlpatterns = [
    path("login/", SignInPage.as_view(), name="login"),
    path("logout/", SignOutView.as_view(), name="logout"),
    path("signup/", signup, name="signup"),
    path("account/", account, name="account"),
    path("account/password/", account_password, name="account-password"),
    path(
        "account/sign-out-everywhere/",
        account_sign_out_everywhere,
        name="account-sign-out-everywhere",
    ),
    path("account/delete/", account_delete, name="account-delete"),
]
