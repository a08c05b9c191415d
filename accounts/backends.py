"""Sign-in by username regardless of case (`Demo` signs in `demo`), for the API's token
endpoint, the sign-in page and the admin alike (they all call `authenticate`)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from accounts.casefold import same_ignoring_case


class CaseInsensitiveModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ) -> AbstractBaseUser | None:
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = _user_named(username)
        if user is None:
            # Hash anyway, so a missing user takes as long as a wrong password (as Django does).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def _user_named(username: str) -> AbstractBaseUser | None:
    """The user with this name in any case; the exact spelling wins while case-duplicates
    from before the rule exist (accounts.checks warns about them), and an ambiguous name
    signs in nobody."""
    users = get_user_model()._default_manager
    matches = list(users.filter(same_ignoring_case("username", username))[:10])
    exact = [user for user in matches if user.get_username() == username]
    if exact:
        return exact[0]
    return matches[0] if len(matches) == 1 else None
