"""Tasks in the admin. Moderators (view permission only) read; writes go through todos.services.

The conversation page links here filtered by owner: `?owner__id__exact=<user id>`.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from config.admin_search import BoundedSearchMixin
from todos.models import Task
from todos.services import clean_description, clean_title, task_create, task_delete, task_update


class TaskAdminForm(forms.ModelForm):
    """Shows the services' validation errors next to the fields."""

    class Meta:
        model = Task
        fields = ["owner", "title", "description", "due_date", "completed"]

    def clean_title(self) -> str:
        return _field_rule(clean_title, self.cleaned_data.get("title"), "title")

    def clean_description(self) -> str:
        return _field_rule(clean_description, self.cleaned_data.get("description"), "description")


def _field_rule(rule, value, field: str):
    try:
        return rule(value)
    except ValidationError as error:
        raise ValidationError(error.message_dict[field]) from error


@admin.register(Task)
class TaskAdmin(BoundedSearchMixin, admin.ModelAdmin):
    form = TaskAdminForm
    list_display = [
        "title",
        "number",
        "owner",
        "list",
        "priority",
        "completed",
        "due_date",
        "created_at",
        "updated_at",
        "completed_at",
    ]
    list_filter = [
        "completed",
        "priority",
        "due_date",
        "created_at",
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "description", "owner__username"]
    date_hierarchy = "created_at"
    list_select_related = ["owner", "list"]
    readonly_fields = ["created_at", "updated_at", "completed_at"]
    raw_id_fields = ["owner"]

    def get_readonly_fields(self, request, obj=None):
        # A task keeps its owner; only a new one chooses it.
        if obj is not None:
            return [*self.readonly_fields, "owner"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            # The form already set `completed`; the service must see the old value to stamp
            # (or clear) completed_at on the transition.
            obj.completed = form.initial["completed"]
            task_update(
                task=obj,
                title=data["title"],
                description=data["description"],
                completed=data["completed"],
                due_date=data["due_date"],
                clear_due_date=data["due_date"] is None,
            )
            return
        task = task_create(
            owner=data["owner"],
            title=data["title"],
            description=data["description"],
            due_date=data["due_date"],
        )
        if data["completed"]:
            task_update(task=task, completed=True)
        # The admin goes on with `obj` (log entry, redirect): make it the saved task.
        obj.pk = task.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        task_delete(task=obj)

    def delete_queryset(self, request, queryset):
        for task in queryset:
            task_delete(task=task)
