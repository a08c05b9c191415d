"""`changed`: a service says what it changed where no model signal does (a bulk write, a
queryset update, a run starting or ending, credentials ending).

Sent inside the transaction that makes the change, like Django's model signals; whoever listens
(live.publisher) acts only once it commits. Below every app, so any service can send it:

    changed.send(sender=Message, kind="run_finished", user_id=7, subject={...})

`kind` names the change for that model, `subject` is what its receiver needs to describe it (an
instance, or a dict), `user_id` whose data it is.
"""

from django.dispatch import Signal

changed = Signal()
