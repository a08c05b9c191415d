"""Account writes: register, change the password, sign out everywhere, delete the account."""

import asyncio
import time
from uuid import UUID

from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.sessions import sessions_end
from accounts.tokens import tokens_revoke_all
from chat.models import Conversation, Message
from chat.runs.brokers import run_broker
from config.changes import changed
from todos.models import Task, TaskChange

USERNAME_TAKEN = "A user with that username already exists."
# How long deleting an account waits for its cancelled runs to end.
RUN_CANCEL_WAIT_S = 5.0
RUN_CANCEL_POLL_S = 0.05


def username_taken(username: str, *, exclude_pk: int | None = None) -> bool:
    """Usernames are unique regardless of case: `DEMO` is taken when `demo` exists."""
    users = get_user_model().objects.filter(username__iexact=username)
    return users.exclude(pk=exclude_pk).exists() if exclude_pk else users.exists()


def user_register(*, username: str, password: str) -> AbstractBaseUser:
    """Create a user after Django's password validators; a taken username (in any case) is a
    field error."""
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
            # The unique index on LOWER(username) (accounts/migrations) settles a race.
            if username_taken(candidate.username):
                raise ValidationError({"username": [USERNAME_TAKEN]})
            return User.objects.create_user(username=candidate.username, password=password)
    except IntegrityError:
        raise ValidationError({"username": [USERNAME_TAKEN]}) from None


def _announce_signed_out(
    user: AbstractBaseUser, reason: str, keep_session_key: str | None = None
) -> None:
    """The user's credentials ended: their live streams close (after the commit)."""
    ending = {"reason": reason, "keep_session_key": keep_session_key}
    changed.send(get_user_model(), kind="signed_out", user_id=user.pk, subject=ending)


def user_sign_out_everywhere(
    *,
    user: AbstractBaseUser,
    keep_session_key: str | None = None,
    reason: str = "signed_out_everywhere",
) -> None:
    """End every refresh token, access token and web session of `user` (but the session
    `keep_session_key`: the caller's own, after a password change)."""
    with transaction.atomic():
        tokens_revoke_all(user=user)
        sessions_end(user=user, keep_session_key=keep_session_key)
        _announce_signed_out(user, reason, keep_session_key)


def user_password_change(
    *,
    user: AbstractBaseUser,
    old_password: str,
    new_password: str,
    keep_session_key: str | None = None,
) -> None:
    """Check the old password and Django's validators, set the new one, and end every other
    session and every token of the user."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["Your old password is not correct."]})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_sign_out_everywhere(
            user=user, keep_session_key=keep_session_key, reason="password_changed"
        )


def password_confirm(*, user: AbstractBaseUser, password: str) -> None:
    """A destructive request proves it is the person: their password, else a field error."""
    if not user.check_password(password):
        raise ValidationError({"password": ["The password is not correct."]})


def runs_in_progress(*, user: AbstractBaseUser) -> list[UUID]:
    """The run ids of `user`'s replies still streaming."""
    return list(
        Message.objects.filter(
            conversation__owner=user,
            role=Message.Role.ASSISTANT,
            status=Message.Status.STREAMING,
            run_id__isnull=False,
        ).values_list("run_id", flat=True)
    )


def user_delete(*, user: AbstractBaseUser) -> None:
    """Delete `user` and everything stored about them (conversations, messages, tasks, task
    changes, tokens, sessions) in one transaction, after cancelling their runs in progress.
    Self-deletion and the admin both come here."""
    runs_cancel(run_ids=runs_in_progress(user=user))
    with transaction.atomic():
        _announce_signed_out(user, "account_deleted")
        sessions_end(user=user)
        OutstandingToken.objects.filter(user=user).delete()  # simplejwt keeps them (SET_NULL)
        Message.objects.filter(conversation__owner=user).delete()
        Conversation.objects.filter(owner=user).delete()
        TaskChange.objects.filter(owner=user).delete()
        Task.objects.filter(owner=user).delete()
        user.delete()


def runs_cancel(*, run_ids: list[UUID]) -> None:
    """Cancel these runs wherever they execute (the run broker), and wait until they have
    ended, at most RUN_CANCEL_WAIT_S: a tool of theirs then writes nothing after the deletion.
    A run that outlasts the wait ends on its own; its final save finds no row."""
    if run_ids:
        async_to_sync(_runs_cancel_and_wait)([str(run_id) for run_id in run_ids])


async def _runs_cancel_and_wait(run_ids: list[str]) -> None:
    broker = run_broker()
    for run_id in run_ids:
        await broker.cancel(run_id)
    deadline = time.monotonic() + RUN_CANCEL_WAIT_S
    while time.monotonic() < deadline:
        alive = [run_id for run_id in run_ids if await broker.is_alive(run_id)]
        if not alive:
            return
        run_ids = alive
        await asyncio.sleep(RUN_CANCEL_POLL_S)
