"""A user's email address: its rules (valid, at most 254 characters, unique regardless of
case when set), whether it is verified, and the signed, time-limited links that verify it
(django.core.signing; EMAIL_VERIFY_TIMEOUT_S)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.mail import send_email_verification
from accounts.models import EmailVerification
from config.background import run_after_commit

EMAIL_MAX_LENGTH = 254
EMAIL_TAKEN = "An account with that email address already exists."
EMAIL_TOO_LONG = f"An email address has at most {EMAIL_MAX_LENGTH} characters."
VERIFY_LINK_INVALID = "This verification link is invalid or has expired."
VERIFY_SALT = "accounts.email-verify"


def email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    users = get_user_model().objects.filter(email__iexact=email)
    return users.exclude(pk=exclude_pk).exists() if exclude_pk else users.exists()


def email_clean(raw: str, *, exclude_pk: int | None = None) -> str:
    """The address as stored (stripped, its domain in lower case), "" for none; else a
    ValidationError on `email` (invalid, too long, or another account's in any case)."""
    email = BaseUserManager.normalize_email(raw.strip())
    if not email:
        return ""
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError({"email": [EMAIL_TOO_LONG]})
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": list(exc.messages)}) from None
    if email_taken(email, exclude_pk=exclude_pk):
        raise ValidationError({"email": [EMAIL_TAKEN]})
    return email


def email_verified(user: AbstractBaseUser) -> bool:
    """The user's address is the one they last proved to receive mail at."""
    if not user.email:
        return False
    try:
        return user.email_verification.email == user.email
    except EmailVerification.DoesNotExist:
        return False


def email_verified_q() -> Q:
    """`email_verified` as a filter on users (the admin's)."""
    verification = EmailVerification.objects.filter(user=OuterRef("pk"), email=OuterRef("email"))
    return Q(Exists(verification)) & ~Q(email="")


def _address_digest(email: str) -> str:
    # The link names the address by a keyed digest, so the address itself is not in it.
    return salted_hmac(VERIFY_SALT, email).hexdigest()[:32]


def email_verification_link(user: AbstractBaseUser, *, site_url: str) -> str:
    token = signing.dumps({"user": user.pk, "email": _address_digest(user.email)}, salt=VERIFY_SALT)
    return f"{site_url}{reverse('email-verify')}?{urlencode({'token': token})}"


def email_verification_send(*, user: AbstractBaseUser, site_url: str) -> None:
    """Mail a verification link to the user's address, off the request path, once the
    transaction commits."""
    if user.email:
        run_after_commit(
            send_email_verification,
            to=user.email,
            username=user.get_username(),
            link=email_verification_link(user, site_url=site_url),
        )


def email_verify(*, token: str) -> AbstractBaseUser:
    """Mark the address a link was made for verified, if the link is genuine, unexpired and
    the address still the user's; else a ValidationError on `token`."""
    invalid = ValidationError({"token": [VERIFY_LINK_INVALID]})
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFY_TIMEOUT_S)
    except signing.BadSignature:  # SignatureExpired included
        raise invalid from None
    user_id = payload.get("user") if isinstance(payload, dict) else None
    digest = payload.get("email") if isinstance(payload, dict) else None
    if type(user_id) is not int or not isinstance(digest, str):
        raise invalid
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        raise invalid
    if not constant_time_compare(digest, _address_digest(user.email)):
        raise invalid
    EmailVerification.objects.update_or_create(
        user=user, defaults={"email": user.email, "verified_at": timezone.now()}
    )
    return user


def email_verification_resend(*, user: AbstractBaseUser, site_url: str) -> None:
    """Mail the verification link again; a ValidationError on `email` when there is nothing
    to verify."""
    if not user.email:
        raise ValidationError({"email": ["Your account has no email address to verify."]})
    if email_verified(user):
        raise ValidationError({"email": ["Your email address is verified already."]})
    email_verification_send(user=user, site_url=site_url)
