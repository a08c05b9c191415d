"""The one place changes are published: after their transaction commits, never inside it.

Receivers of the model signals (post_save, post_delete of every model in live.registry) and of
`config.changes.changed` look up what the change publishes and hand it to
`transaction.on_commit`: a transaction rolled back (or a savepoint) publishes nothing, and the
REST API, the agent's tools, undo, admin and account deletion all publish through here because
they all write through the models. Data migrations use historical models and publish nothing.
Inside `config.changes.published_together()` the events are held back to the block's end and
appended then, one append a user (a chat turn's start: three events, one Redis round trip).
"""

import copy
import logging
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from config.changes import changed, committed_together, hold
from live.events import LiveEvent
from live.logs import live_log
from live.registry import SIGNALLED_MODELS, Publication, publication_for

logger = logging.getLogger("live")


def _publish(publication: Publication, user_id: int, subject: Any) -> None:
    try:
        event = publication.event(subject)
        if event is not None and not hold((user_id, event)):
            live_log().append(user_id, event)
    except Exception:
        # Committed is committed: a client that missed this catches up on its next resync.
        logger.exception("publishing %s for user %s failed", publication.event_type, user_id)


def _publish_held(held: list[tuple[int, LiveEvent]], **kwargs) -> None:
    """What a `published_together` block committed: each user's events in one append."""
    by_user: dict[int, list[LiveEvent]] = {}
    for user_id, event in held:
        by_user.setdefault(user_id, []).append(event)
    for user_id, events in by_user.items():
        try:
            live_log().append(user_id, *events)
        except Exception:
            logger.exception("publishing %d events for user %s failed", len(events), user_id)


def publish_on_commit(
    model: type[Model],
    kind: str,
    subject: Any,
    *,
    user_id: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    publication = publication_for(model, kind)
    if publication is None:
        return
    if user_id is None:
        user_id = publication.owner_id(subject)
    transaction.on_commit(partial(_publish, publication, user_id, subject), using=using)


def publish_now(model: type[Model], kind: str, subject: Any, *, user_id: int, once: str) -> bool:
    """Publish a change that is already committed, now, at most once per `once` key; False if
    it was published before. Raises when the live log cannot take it, so the caller can retry
    (the reminder scheduler: an event it must not lose, nor send twice)."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish_now publishes what is committed: call it outside a transaction")
    event = publication_for(model, kind).event(subject)
    return live_log().append(user_id, event, once=once)


def _saved(sender: type[Model], instance: Model, created: bool, raw: bool = False, **kwargs):
    if raw:  # loaddata
        return
    kind = "created" if created else "updated"
    publish_on_commit(sender, kind, instance, using=kwargs.get("using") or DEFAULT_DB_ALIAS)


def _deleted(sender: type[Model], instance: Model, **kwargs) -> None:
    # A copy keeps the pk, which Django clears once the delete is done.
    publish_on_commit(
        sender, "deleted", copy.copy(instance), using=kwargs.get("using") or DEFAULT_DB_ALIAS
    )


def _changed(sender: type[Model], *, kind: str, user_id: int, subject: Any, **kwargs) -> None:
    publish_on_commit(sender, kind, subject, user_id=user_id)


def connect() -> None:
    """Listen to the registered models and to `changed` (from LiveConfig.ready)."""
    for model in SIGNALLED_MODELS:
        post_save.connect(_saved, sender=model, dispatch_uid=f"live.saved.{model._meta.label}")
        post_delete.connect(
            _deleted, sender=model, dispatch_uid=f"live.deleted.{model._meta.label}"
        )
    changed.connect(_changed, dispatch_uid="live.changed")
    committed_together.connect(_publish_held, dispatch_uid="live.committed_together")
