"""What each change publishes: (model, kind) → event type, its fields and its audience.

A kind is `created`, `updated` or `deleted` for the model signals (`register_model`), or what a
service names when it sends `config.changes.changed` — the same three when a queryset write
(bulk_create, bulk_update) made that change without a model signal, else a kind of its own.
Adding a model's events is one `register_model` call in live/publications.py; the publisher
(live/publisher.py) knows no model.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from live.events import EVERYONE, Audience, LiveEvent, LiveEventType

MODEL_KINDS = ("created", "updated", "deleted")


@dataclass(frozen=True)
class Publication:
    event_type: LiveEventType
    # The subject (an instance, or what the service sent) → the event's fields, at commit;
    # None publishes nothing (an instance deleted later in the same transaction).
    fields: Callable[[Any], dict[str, Any] | None]
    # Whose event it is, for the model signals (a service sends `user_id` itself).
    owner_id: Callable[[Any], int] | None = None
    audience: Callable[[Any], Audience] = lambda subject: EVERYONE

    def event(self, subject: Any) -> LiveEvent | None:
        fields = self.fields(subject)
        if fields is None:
            return None
        return LiveEvent.make(self.event_type, self.audience(subject), **fields)


PUBLICATIONS: dict[tuple[type[Model], str], Publication] = {}
# The models whose post_save / post_delete publish (register_model).
SIGNALLED_MODELS: set[type[Model]] = set()


def register(model: type[Model], kind: str, publication: Publication) -> None:
    PUBLICATIONS[(model, kind)] = publication


def register_model(
    model: type[Model],
    *,
    name: str,
    describe: Callable[[Any], dict[str, Any]],
    owner_id: Callable[[Any], int] = lambda instance: instance.owner_id,
) -> None:
    """`<name>.created` and `<name>.updated` carry `{name: describe(instance)}`,
    `<name>.deleted` carries `{name}_id`."""

    def saved(instance: Any) -> dict[str, Any] | None:
        return {name: describe(instance)} if instance.pk is not None else None

    for kind in MODEL_KINDS:
        event_type = LiveEventType(f"{name}.{kind}")
        fields = (lambda instance: {f"{name}_id": instance.pk}) if kind == "deleted" else saved
        register(model, kind, Publication(event_type, fields, owner_id=owner_id))
    SIGNALLED_MODELS.add(model)


def publication_for(model: type[Model], kind: str) -> Publication | None:
    return PUBLICATIONS.get((model, kind))
