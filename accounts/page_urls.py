from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.pages import SignInPage, signup

urlpatterns = [
    path("login/", SignInPage.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only
    path("signup/", signup, name="signup"),
]
