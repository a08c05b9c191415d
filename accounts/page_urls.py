from django.urls import path

from accounts.pages import SignInPage, SignOutView, signup

urlpatterns = [
    path("login/", SignInPage.as_view(), name="login"),
    path("logout/", SignOutView.as_view(), name="logout"),
    path("signup/", signup, name="signup"),
]
