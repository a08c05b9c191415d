from django.contrib import admin
from django.db.models import Count

from chat.models import Conversation, Message


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "message_count", "created_at", "updated_at"]
    search_fields = ["title", "owner__username"]
    list_select_related = ["owner"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(message_total=Count("messages"))

    @admin.display(description="messages", ordering="message_total")
    def message_count(self, conversation: Conversation) -> int:
        return conversation.message_total


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["conversation", "role", "status", "model_name", "created_at"]
    list_filter = ["role", "status"]
    list_select_related = ["conversation"]
