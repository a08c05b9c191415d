"""The mails the product sends, one function per kind. Each renders a plain-text and an HTML
body from templates/accounts/email/<kind>.txt and .html (the subject from
<kind>_subject.txt) and sends them through Django's email framework (EMAIL_BACKEND).

They send at once: callers on a request hand them to a background thread
(config.background.run_after_commit), so no reply waits for SMTP; reminders are sent by the
reminder scheduler (reminders/). At most EMAIL_RATE_LIMIT mails that anybody can cause go to
one address (past it, silently none). A mail that fails to send is logged with
its kind and the exception's type only, never its address or link, and fails nothing else.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.timesince import timesince

from config.ratelimit import hit

logger = logging.getLogger("accounts.mail")
TEMPLATES = "accounts/email"


def site_url(request: HttpRequest) -> str:
    """The scheme and host links in mails start with, as the request reached us (Django
    checked the host against ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/").rstrip("/")


def _address_key(address: str) -> str:
    # Rate-limit keys name the address by a keyed digest: no address in the cache's keys.
    return salted_hmac("accounts.mail", address.lower()).hexdigest()


def _deliver(
    kind: str, *, to: str, context: dict, limited: bool = True, headers: dict | None = None
) -> bool:
    """Render and send one mail; True if it went out. `limited`: counted against
    EMAIL_RATE_LIMIT for its address (mail anybody can make us send to any address)."""
    if limited and hit(f"mail:{_address_key(to)}", settings.EMAIL_RATE_LIMIT) is not None:
        logger.info("mail not sent: %s, over EMAIL_RATE_LIMIT for its address", kind)
        return False
    subject = render_to_string(f"{TEMPLATES}/{kind}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"{TEMPLATES}/{kind}.txt", context),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{TEMPLATES}/{kind}.html", context), "text/html")
    try:
        message.send()
    except Exception as exc:  # SMTP refusals, a refused connection, a full disk: all the same
        logger.warning("mail not sent: %s failed with %s", kind, type(exc).__name__)
        return False
    logger.info("mail sent: %s", kind)
    return True


def _lifetime(seconds: int) -> str:
    """`3 days`, `1 hour`: how long a link works, as a mail says it."""
    now = timezone.now()
    return timesince(now - timedelta(seconds=seconds), now, depth=1)


def _link_mail(kind: str, *, to: str, username: str, link: str, lifetime_s: int) -> bool:
    context = {"username": username, "link": link, "valid_for": _lifetime(lifetime_s)}
    return _deliver(kind, to=to, context=context)


def send_email_verification(*, to: str, username: str, link: str) -> bool:
    """The link that verifies `to` as the user's address."""
    return _link_mail(
        "email_verification",
        to=to,
        username=username,
        link=link,
        lifetime_s=settings.EMAIL_VERIFY_TIMEOUT_S,
    )


def send_password_reset(*, to: str, username: str, link: str) -> bool:
    """The one-time link that sets a new password."""
    return _link_mail(
        "password_reset",
        to=to,
        username=username,
        link=link,
        lifetime_s=settings.PASSWORD_RESET_TIMEOUT,
    )


def send_email_changed(*, to: str, username: str) -> bool:
    """To the previous address: the account's address was changed (or removed)."""
    return _deliver("email_changed", to=to, context={"username": username})


def send_reminder(
    *, to: str, username: str, title: str, when: str, late: bool, link: str, message_id: str
) -> bool:
    """A task's reminder, to the owner's verified address; `when` is the moment as the owner
    reads it ("Mon 7 Dec, 5:00 PM"), `link` the page ("" for none: SITE_URL unset). Not counted
    against EMAIL_RATE_LIMIT: it goes only to its owner, at times they chose. `message_id`
    names this reminder's mail, the same on every attempt: a copy sent again after a crash
    (docs/REMINDERS.md) is the same message to mail software that removes duplicates."""
    context = {"username": username, "title": title, "when": when, "late": late, "link": link}
    headers = {"Message-ID": message_id}
    return _deliver("reminder", to=to, context=context, limited=False, headers=headers)
