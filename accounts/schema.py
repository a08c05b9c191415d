"""OpenAPI description of our authentication classes (drf-spectacular extensions)."""

from drf_spectacular.authentication import SessionScheme


class CsrfCodedSessionScheme(SessionScheme):
    target_class = "accounts.authentication.CsrfCodedSessionAuthentication"
