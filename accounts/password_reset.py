"""Forgotten passwords: a request for an address mails a one-time link to it if an account
has it verified, and the link sets a new password once.

A request hands the address to a background thread before anything looks it up
(config.background), so it answers the same, with the same work, whether or not an account
has it. The link's token is Django's PasswordResetTokenGenerator's: it dies when used (the
password changes), after any other password change, sign-in or address change, and after
PASSWORD_RESET_TIMEOUT. Setting the password ends every other session and token of the user
(accounts.services.user_password_set).
"""

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.addresses import email_verified
from accounts.mail import send_password_reset
from accounts.services import user_password_set
from config.background import run_after_commit

RESET_LINK_INVALID = "This password reset link is invalid, used or expired. Ask for a new one."
USER_ID_MAX = 2**63 - 1


def password_reset_request(*, email: str, site_url: str) -> None:
    """Mail a reset link to `email` if an account has it verified, off the request path.
    Nothing here looks the address up: the caller answers the same either way."""
    run_after_commit(_password_reset_mail, email=email.strip(), site_url=site_url)


def _password_reset_mail(*, email: str, site_url: str) -> None:
    matches = list(
        get_user_model()
        .objects.filter(email__iexact=email, is_active=True)
        .select_related("email_verification")[:2]
    )
    # Two accounts with the address in different cases (from before that was refused;
    # accounts.W002): neither gets a link.
    if len(matches) != 1:
        return
    (user,) = matches
    if not email_verified(user) or not user.has_usable_password():
        return
    send_password_reset(
        to=user.email,
        username=user.get_username(),
        link=password_reset_link(user, site_url=site_url),
    )


def password_reset_link(user: AbstractBaseUser, *, site_url: str) -> str:
    query = urlencode(
        {
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
    )
    return f"{site_url}{reverse('password-reset-confirm')}?{query}"


def password_reset_user(*, uid: str, token: str) -> AbstractBaseUser | None:
    """The user a reset link is for while it is valid (unused, no password change since,
    unexpired); else None."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if not 0 < user_id <= USER_ID_MAX:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_confirm(
    *, uid: str, token: str, new_password: str, keep_session_key: str | None = None
) -> AbstractBaseUser:
    """Set the new password a valid link allows (errors on `token` or `new_password`); every
    session and token of the user but `keep_session_key` ends."""
    user = password_reset_user(uid=uid, token=token)
    if user is None:
        raise ValidationError({"token": [RESET_LINK_INVALID]})
    user_password_set(user=user, new_password=new_password, keep_session_key=keep_session_key)
    return user
