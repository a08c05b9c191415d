"""Users in the admin: when each signed up and last signed in, names unique regardless of
case, the bounded search every changelist has, and deletion through the same service as
self-deletion (accounts.services.user_delete)."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # registers Django's user admin first
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from accounts.services import USERNAME_TAKEN, user_delete, username_taken
from config.admin_search import BoundedSearchMixin

User = get_user_model()


class AccountChangeForm(UserChangeForm):
    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if username_taken(username, exclude_pk=self.instance.pk):
            raise ValidationError(USERNAME_TAKEN)
        return username


class UserAdmin(BoundedSearchMixin, auth_admin.UserAdmin):
    form = AccountChangeForm
    list_display = [*auth_admin.UserAdmin.list_display, "date_joined", "last_login"]
    list_filter = [*auth_admin.UserAdmin.list_filter, "date_joined", "last_login"]
    ordering = ["-date_joined"]

    def delete_model(self, request, obj) -> None:
        user_delete(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            user_delete(user=user)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
