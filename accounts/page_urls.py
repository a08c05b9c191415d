from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.pages import (
    SignInPage,
    account,
    account_delete,
    account_password,
    account_sign_out_everywhere,
    signup,
)

urlpatterns = [
    path("login/", SignInPage.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only
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
