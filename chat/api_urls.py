from django.urls import re_path

from chat.views import chat_once, chat_stream, run_cancel, run_events

RUN = r"chat/runs/(?P<run_id>[0-9a-fA-F-]{36})"  # a UUID; the view checks its form

urlpatterns = [
    # The exact paths clients use; a trailing slash works too (no redirect).
    re_path(r"^chat/stream/?$", chat_stream, name="chat-stream"),
    # The reference design's second path: the same endpoint (seed compatibility).
    re_path(r"^chat/stream-tools/?$", chat_stream, name="chat-stream-tools"),
    re_path(r"^chat/?$", chat_once, name="chat"),
    re_path(rf"^{RUN}/events/?$", run_events, name="chat-run-events"),
    re_path(rf"^{RUN}/cancel/?$", run_cancel, name="chat-run-cancel"),
]
