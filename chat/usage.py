"""Model tokens per user and day: added as each turn's reply is saved, checked against
CHAT_DAILY_TOKEN_BUDGET before a turn starts. A day is a calendar day in TIME_ZONE."""

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from chat.models import DailyTokenUsage


def usage_add(*, user_id: int, input_tokens: int, output_tokens: int) -> None:
    """Add a turn's tokens to its user's day (inside the caller's transaction)."""
    today = timezone.localdate()
    mine = DailyTokenUsage.objects.filter(user_id=user_id, day=today)
    added = {
        "input_tokens": F("input_tokens") + input_tokens,
        "output_tokens": F("output_tokens") + output_tokens,
    }
    if mine.update(**added):
        return
    try:
        with transaction.atomic():
            DailyTokenUsage.objects.create(
                user_id=user_id, day=today, input_tokens=input_tokens, output_tokens=output_tokens
            )
    except IntegrityError:  # a turn of the same user made the row meanwhile
        mine.update(**added)


def tokens_used_today(*, user_id: int) -> int:
    usage = DailyTokenUsage.objects.filter(user_id=user_id, day=timezone.localdate()).first()
    return usage.tokens if usage else 0


def budget_resets_at() -> datetime:
    """The next midnight in TIME_ZONE, when every user's daily budget starts afresh."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min))
