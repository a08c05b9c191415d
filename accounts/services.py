"""Account writes: register, change the email address or the password, sign out everywhere,
delete the account. Password reset links are in accounts/password_reset.py."""

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

from accounts.addresses import EMAIL_TAKEN, email_clean, email_verification_send
from accounts.casefold import same_ignoring_case
from accounts.mail import send_email_changed
from accounts.sessions import sessions_end
from accounts.tokens import tokens_revoke_all
from chat.models import Conversation, Message
from chat.runs.brokers import run_broker
from config.background import run_after_commit
from config.changes import changed
from todos.models import Task, TaskChange

USERNAME_TAKEN = "A user with that username already exists."
# How long deleting an account waits for its cancelled runs to end.
RUN_CANCEL_WAIT_S = 5.0
RUN_CANCEL_POLL_S = 0.05


def username_taken(username: str, *, exclude_pk: int | None = None) -> bool:
    """Usernames are unique regardless of case: `DEMO` is taken when `demo` exists."""
    users = get_user_model().objects.filter(same_ignoring_case("username", username))
    return users.exclude(pk=exclude_pk).exists() if exclude_pk else users.exists()


def user_register(
    *, username: str, password: str, email: str = "", site_url: str = ""
) -> AbstractBaseUser:
    """Create a user after Django's password validators; a taken username or email address
    (in any case) is a field error. An address gets its verification link (links start with
    `site_url`)."""
    User = get_user_model()
    username = username.strip()
    candidate = User(username=username)
    errors: dict[str, list[str]] = {}
    try:
        candidate.full_clean(exclude=["password", "email"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        candidate.email = email_clean(email)
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
            # The unique indexes on LOWER(username) and LOWER(email) settle a race.
            if username_taken(candidate.username):
                raise ValidationError({"username": [USERNAME_TAKEN]})
            user = User.objects.create_user(
                username=candidate.username, email=candidate.email, password=password
            )
            email_verification_send(user=user, site_url=site_url)
            return user
    except IntegrityError:
        if username_taken(candidate.username):
            raise ValidationError({"username": [USERNAME_TAKEN]}) from None
        raise ValidationError({"email": [EMAIL_TAKEN]}) from None


def user_email_change(*, user: AbstractBaseUser, email: str, password: str, site_url: str) -> bool:
    """Set (or, with "", remove) the user's address after checking their password; False if
    it is the same. A new address is unverified and gets its verification link; the previous
    one is told."""
    password_confirm(user=user, password=password)
    new_email = email_clean(email, exclude_pk=user.pk)
    old_email = user.email
    if new_email == old_email:
        return False
    try:
        with transaction.atomic():
            user.email = new_email
            user.save(update_fields=["email"])
            email_verification_send(user=user, site_url=site_url)
            if old_email:
                run_after_commit(send_email_changed, to=old_email, username=user.get_username())
    except IntegrityError:
        user.email = old_email
        raise ValidationError({"email": [EMAIL_TAKEN]}) from None
    return True


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
    """Check the old password, then `user_password_set`."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["Your old password is not correct."]})
    user_password_set(user=user, new_password=new_password, keep_session_key=keep_session_key)


def user_password_set(
    *, user: AbstractBaseUser, new_password: str, keep_session_key: str | None = None
) -> None:
    """Set a new password after Django's validators (errors on `new_password`), and end every
    other session and every token of the user (the password change, and a reset link)."""
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
