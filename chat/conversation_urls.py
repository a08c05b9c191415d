from django.urls import path

from chat.apis import ConversationDetailApi, ConversationListApi, ToolCallUndoApi
from config.routing import optional_slash

urlpatterns = [
    *optional_slash("conversations/", ConversationListApi.as_view(), name="conversation-list"),
    *optional_slash(
        "conversations/<int:conversation_id>/",
        ConversationDetailApi.as_view(),
        name="conversation-detail",
    ),
    # Named like POST .../chat, without a trailing slash.
    path(
        "chat/tool-calls/<str:call_id>/undo",
        ToolCallUndoApi.as_view(),
        name="tool-call-undo",
    ),
]
