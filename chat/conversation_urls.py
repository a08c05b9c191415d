from django.urls import path

from chat.apis import ConversationDetailApi, ConversationListApi

urlpatterns = [
    path("conversations/", ConversationListApi.as_view(), name="conversation-list"),
    path(
        "conversations/<int:conversation_id>/",
        ConversationDetailApi.as_view(),
        name="conversation-detail",
    ),
]
