"""Users in the admin: when each signed up and last signed in, whether their email address is
verified (a column and a filter), names and addresses unique regardless of case, the bounded
search every changelist has, and deletion through the same service as self-deletion
(accounts.services.user_delete). Changing an address here leaves it unverified, as anywhere."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # registers Django's user admin first
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from accounts.addresses import EMAIL_TAKEN, email_taken, email_verified, email_verified_q
from accounts.services import USERNAME_TAKEN, user_delete, username_taken
from config.admin_search import BoundedSearchMixin

User = get_user_model()


class AccountChangeForm(UserChangeForm):
    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if username_taken(username, exclude_pk=self.instance.pk):
            raise ValidationError(USERNAME_TAKEN)
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email and email_taken(email, exclude_pk=self.instance.pk):
            raise ValidationError(EMAIL_TAKEN)
        return email


class EmailVerifiedFilter(admin.SimpleListFilter):
    title = "email verified"
    parameter_name = "email_verified"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(email_verified_q())
        if self.value() == "no":
            return queryset.exclude(email_verified_q())
        return queryset


class UserAdmin(BoundedSearchMixin, auth_admin.UserAdmin):
    form = AccountChangeForm
    list_display = [
        *auth_admin.UserAdmin.list_display,
        "email_verified",
        "date_joined",
        "last_login",
    ]
    list_filter = [
        *auth_admin.UserAdmin.list_filter,
        EmailVerifiedFilter,
        "date_joined",
        "last_login",
    ]
    list_select_related = ["email_verification"]
    ordering = ["-date_joined"]

    @admin.display(boolean=True, description="email verified")
    def email_verified(self, obj) -> bool:
        return email_verified(obj)

    def delete_model(self, request, obj) -> None:
        user_delete(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            user_delete(user=user)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
