"""OpenAPI description of our authentication classes (drf-spectacular extensions)."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class CsrfCodedSessionScheme(SessionScheme):
    target_class = "accounts.authentication.CsrfCodedSessionAuthentication"


class AccountJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.AccountJWTAuthentication"
