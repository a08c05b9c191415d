from chat.apis import ConversationDetailApi, ConversationListApi
from config.routing import optional_slash

urlpatterns = [
    *optional_slash("conversations/", ConversationListApi.as_view(), name="conversation-list"),
    *optional_slash(
        "conversations/<int:conversation_id>/",
        ConversationDetailApi.as_view(),
        name="conversation-detail",
    ),
]
