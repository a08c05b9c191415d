from django.contrib import admin

from todos.models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "completed", "created_at", "updated_at"]
    list_filter = ["completed", "created_at"]
    search_fields = ["title", "description", "owner__username"]
    list_select_related = ["owner"]
    readonly_fields = ["created_at", "updated_at", "completed_at"]
    raw_id_fields = ["owner"]
