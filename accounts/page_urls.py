from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.pages import signup

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only
    path("signup/", signup, name="signup"),
]
