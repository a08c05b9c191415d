"""Who may reach a per-user endpoint (/api/<user_id>/...): that user, and nobody else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:  # importing DRF's views here would be circular via the auth settings
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from rest_framework.request import Request
    from rest_framework.views import APIView


def is_path_user(user: AbstractBaseUser | AnonymousUser | None, user_id: int) -> bool:
    """True when the authenticated `user` is the one the URL names."""
    return bool(user and user.is_authenticated and user.pk == user_id)


class IsPathUser(BasePermission):
    """Authenticated (else 401) and the URL's <user_id> is the caller (else 403)."""

    message = "You may only access your own data."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return is_path_user(request.user, view.kwargs.get("user_id"))
