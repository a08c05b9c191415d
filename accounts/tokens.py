"""The JWTs the API issues and accepts: simplejwt's, carrying the user's credential
generation, and refusing any claim of an unexpected shape as an invalid token (401), never
a 500. Every path that accepts a token (DRF views, the chat views, refresh, logout) asks
`token_user` who it names.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import CredentialGeneration, Preferences

GENERATION_CLAIM = "generation"
# A user id claim longer than this cannot name a row (ids are 64-bit).
USER_ID_MAX_DIGITS = 19
JTI_MAX_LENGTH = 255  # OutstandingToken.jti


class _CheckedClaims:
    """simplejwt trusts the shape of `jti` and `exp` once the signature holds: a refresh token
    without a `jti`, or an `exp` PyJWT lets through (a numeric string, a far-future value)
    would raise KeyError, TypeError or OverflowError (a 500) instead of TokenError."""

    payload: dict

    def verify(self) -> None:
        jti = self.payload.get(api_settings.JTI_CLAIM)
        if not isinstance(jti, str) or not 0 < len(jti) <= JTI_MAX_LENGTH:
            raise TokenError("Token has no id")
        super().verify()

    def check_exp(self, claim: str = "exp", current_time=None) -> None:
        value = self.payload.get(claim)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise TokenError(f"Token '{claim}' claim is not a number")
        try:
            super().check_exp(claim, current_time)
        except (OverflowError, OSError, ValueError) as exc:
            raise TokenError(f"Token '{claim}' claim is out of range") from exc


class AccessToken(_CheckedClaims, tokens.AccessToken):
    pass


class RefreshToken(_CheckedClaims, tokens.RefreshToken):
    access_token_class = AccessToken

    @classmethod
    def for_user(cls, user: AbstractBaseUser) -> "RefreshToken":
        token = super().for_user(user)
        token[GENERATION_CLAIM] = credential_generation(user)
        # simplejwt recorded the token before the claim was added: store what was issued.
        OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM]).update(token=str(token))
        return token


def credential_generation(user: AbstractBaseUser) -> int:
    try:
        return user.credential_generation.number
    except CredentialGeneration.DoesNotExist:
        return 0


def _claimed_user_id(value: object) -> int:
    # simplejwt writes the id as a string; a bool is an int to Python but names nobody.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value) if len(value) <= USER_ID_MAX_DIGITS else None
    if type(value) is not int:
        raise InvalidToken("Token contained no recognizable user identification")
    return value


@cache
def _user_query(alias: str) -> tuple[str, list[str], list[str]]:
    """The SQL of the user row with its credential generation and its preferences, written
    once per database: every authenticated request runs it, and building it through the ORM
    each time cost several times the query itself (docs/PERFORMANCE.md). The preferences
    come along because a chat turn (and the agent's tools) read the account's time zone:
    without them, one more statement a turn."""
    user_model = get_user_model()
    quote = connections[alias].ops.quote_name
    user_fields = user_model._meta.concrete_fields
    preference_fields = Preferences._meta.concrete_fields
    generations = CredentialGeneration._meta
    user_pk = f"u.{quote(user_model._meta.pk.column)}"
    columns = ", ".join(
        [f"u.{quote(field.column)}" for field in user_fields]
        + [f"p.{quote(field.column)}" for field in preference_fields]
        + [f"g.{quote(generations.get_field('number').column)}"]
    )
    sql = (
        f"SELECT {columns} "
        f"FROM {quote(user_model._meta.db_table)} u "
        f"LEFT OUTER JOIN {quote(Preferences._meta.db_table)} p "
        f"ON p.{quote(Preferences._meta.pk.column)} = {user_pk} "
        f"LEFT OUTER JOIN {quote(generations.db_table)} g "
        f"ON g.{quote(generations.get_field('user').column)} = {user_pk} "
        f"WHERE {user_pk} = %s"
    )
    return (
        sql,
        [field.attname for field in user_fields],
        [field.attname for field in preference_fields],
    )


def _user_with_credentials_and_preferences(user_id: int) -> AbstractBaseUser | None:
    """The user row with its CredentialGeneration and its Preferences (each cached on it,
    None when it has none) in one precompiled query; what `select_related` of both reads."""
    user_model = get_user_model()
    alias = router.db_for_read(user_model)
    connection = connections[alias]
    low, high = connection.ops.integer_field_range(user_model._meta.pk.get_internal_type())
    if not (low is None or low <= user_id) or not (high is None or user_id <= high):
        return None  # no row can have it (the ORM answers an empty result too)
    sql, user_attnames, preference_attnames = _user_query(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user = user_model.from_db(alias, user_attnames, row[: len(user_attnames)])
    preference_values = row[len(user_attnames) : -1]
    preferences = None
    if preference_values[0] is not None:  # its primary key: the row exists
        # Not cached back on the preferences (`select_related` would): user and preferences
        # pointing at each other are a reference cycle, left to the full collections.
        preferences = Preferences.from_db(alias, preference_attnames, preference_values)
    user_model._meta.get_field("preferences").set_cached_value(user, preferences)
    generation = None
    if row[-1] is not None:
        generation = CredentialGeneration.from_db(alias, ["user_id", "number"], [user.pk, row[-1]])
    user_model._meta.get_field("credential_generation").set_cached_value(user, generation)
    return user


def token_user(token: tokens.Token) -> AbstractBaseUser:
    """The active user `token` names, if the token is of that user's current credential
    generation; otherwise InvalidToken (401 `token_not_valid`)."""
    user_id = _claimed_user_id(token.payload.get(api_settings.USER_ID_CLAIM))
    generation = token.payload.get(GENERATION_CLAIM, 0)
    user = _user_with_credentials_and_preferences(user_id)
    if user is None or not user.is_active:
        raise InvalidToken("The token's user does not exist or is inactive")
    if type(generation) is not int or generation != credential_generation(user):
        raise InvalidToken("Token has been revoked")
    return user


def tokens_revoke_all(*, user: AbstractBaseUser) -> None:
    """End every token of `user`: access tokens by starting the next credential generation,
    refresh tokens on simplejwt's blacklist as well."""
    with transaction.atomic():
        generation, _ = CredentialGeneration.objects.get_or_create(user=user)
        CredentialGeneration.objects.filter(pk=generation.pk).update(number=F("number") + 1)
        live = OutstandingToken.objects.filter(
            user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
        )
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
        )


def refresh_token_spend(raw: str) -> RefreshToken:
    """Validate a refresh token and put it on the blacklist, once: of two requests spending
    the same token at once, one gets TokenError (the blacklist row is unique per token)."""
    refresh = RefreshToken(raw)
    token_user(refresh)
    _, created = refresh.blacklist()
    if not created:
        raise TokenError("Token is blacklisted")
    return refresh
