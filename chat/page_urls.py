from django.urls import path

from chat.pages import chat_page

urlpatterns = [
    path("", chat_page, name="chat-page"),
    path("c/<int:conversation_id>/", chat_page, name="chat-conversation"),
]
