from django.urls import re_path

from chat.views import chat_once, chat_stream

urlpatterns = [
    # The exact path existing clients use; a trailing slash works too (no redirect).
    re_path(r"^chat/stream/?$", chat_stream, name="chat-stream"),
    re_path(r"^chat/?$", chat_once, name="chat"),
]
