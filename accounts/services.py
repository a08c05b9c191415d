"""Account writes."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def user_register(*, username: str, password: str) -> AbstractBaseUser:
    """Create a user after Django's password validators; a taken username is a field error."""
    User = get_user_model()
    username = username.strip()
    candidate = User(username=username)
    errors: dict[str, list[str]] = {}
    try:
        candidate.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password)
    except IntegrityError:
        raise ValidationError({"username": ["A user with that username already exists."]}) from None
