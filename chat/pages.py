"""The web chat page: one template; everything on it talks to the public JSON/SSE API."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from chat.llm.provider import uses_offline_model
from todos.models import TITLE_MAX_LENGTH


@login_required
@ensure_csrf_cookie  # the page's script sends the csrftoken cookie back as X-CSRFToken
def chat_page(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """`/` (a new chat) or `/c/<id>/` (that conversation, reopened on reload).

    The conversation is not looked up here: the page loads it from the API like any client,
    and says so inline if it is gone.
    """
    return render(
        request,
        "chat/index.html",
        {
            "conversation_id": conversation_id,
            "offline_model": uses_offline_model(),
            "max_message_chars": settings.CHAT_MAX_MESSAGE_CHARS,
            "task_title_max_chars": TITLE_MAX_LENGTH,
        },
    )
