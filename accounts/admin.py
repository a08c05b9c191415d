"""Users in the admin: Django's own user admin, with the bounded search every changelist has."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # registers Django's user admin first
from django.contrib.auth.models import User

from config.admin_search import BoundedSearchMixin


class UserAdmin(BoundedSearchMixin, auth_admin.UserAdmin):
    pass


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
