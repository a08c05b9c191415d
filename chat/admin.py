"""Moderation in the admin: read every transcript, flag and unflag, export.

Moderators (the `moderators` group: view permissions and chat.flag_conversation) read and
flag but cannot change or delete; superusers can. Flagging goes through chat.moderation and
exports through chat.export: this module only wires them to admin pages and actions.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Func, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from chat import export
from chat.models import Conversation, DailyTokenUsage, Message
from chat.moderation import (
    FLAG_REASON_MAX_LENGTH,
    can_flag,
    clean_flag_reason,
    conversation_flag,
    conversation_unflag,
)
from chat.tool_calls import tool_call_entries, tool_calls_problem
from chat.undo import tool_call_changes
from config.admin_search import BoundedSearchMixin
from config.downloads import streaming_attachment
from todos.models import TaskChange

# How many selected conversations the flag page names before "and N more".
FLAG_PREVIEW_LIMIT = 20
FAILED_REPLY_STATUSES = [
    Message.Status.ERROR,
    Message.Status.CANCELLED,
    Message.Status.INTERRUPTED,
]
# The changelist filter: the failures, and replies still being written (or stuck that way).
FILTERED_REPLY_STATUSES = [*FAILED_REPLY_STATUSES, Message.Status.STREAMING]
TITLE_COLUMN_CHARS = 60


class JSONArrayLength(Func):
    """The length of a JSON array column; 0 when the value is not an array."""

    function = "JSON_LENGTH"  # MySQL / MariaDB
    output_field = IntegerField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's json_array_length is already 0 for a non-array value.
        return self.as_sql(compiler, connection, function="JSON_ARRAY_LENGTH", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        # jsonb_array_length raises on a non-array, which would break the whole changelist.
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(CASE WHEN jsonb_typeof({sql}) = 'array' THEN jsonb_array_length({sql}) ELSE 0 END)",
            (*params, *params),
        )


def with_moderation_stats(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate message count, tool-call count and the last reply's status, each one subquery.

    Subqueries rather than joins: the counts stay right whatever the changelist filters and
    searches join, and the number of queries does not depend on the rows shown.
    """
    own_messages = Message.objects.filter(conversation=OuterRef("pk")).order_by()
    replies = own_messages.filter(role=Message.Role.ASSISTANT)
    per_conversation = own_messages.values("conversation")
    return conversations.annotate(
        message_total=Coalesce(Subquery(per_conversation.annotate(n=Count("pk")).values("n")), 0),
        tool_call_total=Coalesce(
            Subquery(
                replies.values("conversation")
                .annotate(n=Sum(JSONArrayLength("tool_calls")))
                .values("n")
            ),
            0,
        ),
        last_reply_status=Subquery(replies.order_by("-created_at", "-id").values("status")[:1]),
    )


class ReplyStatusFilter(admin.SimpleListFilter):
    title = "last reply status"
    parameter_name = "reply_status"

    def lookups(self, request, model_admin):
        return [(status.value, status.label) for status in FILTERED_REPLY_STATUSES]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(last_reply_status=self.value())
        return queryset


class FlagForm(forms.Form):
    # The rules live in chat.moderation; the form only shows its errors next to the field.
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "maxlength": FLAG_REASON_MAX_LENGTH}),
        help_text=f"Required; at most {FLAG_REASON_MAX_LENGTH} characters.",
    )

    def clean_reason(self) -> str:
        try:
            return clean_flag_reason(self.cleaned_data["reason"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["reason"]) from error


@dataclass(frozen=True)
class TranscriptToolCall:
    name: str
    call_id: str
    arguments: str
    output: str | None  # None: the run stopped before the tool returned
    undo: TaskChange | None = None  # its recorded task change, when undone


@dataclass(frozen=True)
class TranscriptEntry:
    message: Message
    tool_calls: list[TranscriptToolCall]


def transcript_entry(
    message: Message, changes: dict[str, TaskChange] | None = None
) -> TranscriptEntry:
    """`changes`: the recorded task changes by call id (chat.undo.tool_call_changes)."""
    changes = changes or {}
    calls = []
    for call in tool_call_entries(message.tool_calls):
        if isinstance(call, dict):
            change = changes.get(call.get("call_id"))
            calls.append(
                TranscriptToolCall(
                    name=str(call.get("name", "")),
                    call_id=str(call.get("call_id", "")),
                    arguments=export.pretty_json(call.get("arguments")),
                    output=export.pretty_json(call["output"]) if "output" in call else None,
                    undo=change if change is not None and change.undone_at else None,
                )
            )
        else:  # Not the stored shape: show it whole rather than hide it.
            calls.append(TranscriptToolCall("(unrecognised)", "", export.pretty_json(call), ""))
    return TranscriptEntry(message=message, tool_calls=calls)


@admin.register(Conversation)
class ConversationAdmin(BoundedSearchMixin, admin.ModelAdmin):
    # Few, narrow columns: the list fits 1366 px beside its filters. "created" is the date
    # drill-down above the list.
    list_display = [
        "title_or_number",
        "owner",
        "message_count",
        "tool_call_count",
        "flag",
        "last_reply",
        "updated_at",
    ]
    list_filter = [
        "flagged",
        ReplyStatusFilter,
        "created_at",
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "owner__username", "messages__content"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    list_per_page = 50
    actions = ["flag_selected", "unflag_selected", "export_json", "export_markdown"]
    # The flag shows (and changes) in the page's one Moderation box, through chat.moderation.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "owner",
                    "title",
                    ("created_at", "updated_at"),
                    ("message_count", "tool_call_count", "last_reply"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "owner",
        "created_at",
        "updated_at",
        "message_count",
        "tool_call_count",
        "last_reply",
    ]
    change_form_template = "admin/chat/conversation/change_form.html"
    flag_form_template = "admin/chat/conversation/flag.html"

    class Media:
        css = {"all": ["admin/taskstream/transcript.css"]}

    def get_queryset(self, request):
        return with_moderation_stats(super().get_queryset(request))

    # Conversations are created by chatting, never in the admin.
    def has_add_permission(self, request):
        return False

    def has_flag_permission(self, request) -> bool:
        return can_flag(request.user)

    def get_fieldsets(self, request, obj=None):
        """Who cannot edit the title reads it as the heading names it, never a blank."""
        if self.has_change_permission(request, obj):
            return self.fieldsets
        [(name, options)] = self.fieldsets
        fields = ["shown_title" if field == "title" else field for field in options["fields"]]
        return [(name, {**options, "fields": fields})]

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.readonly_fields
        return [*self.readonly_fields, "shown_title"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "title":
            field.help_text = "Empty: the conversation is shown as “Conversation” and its number."
        return field

    @admin.display(description="title", ordering="title")
    def title_or_number(self, conversation: Conversation) -> str:
        title = str(conversation)
        if len(title) <= TITLE_COLUMN_CHARS:
            return title
        return title[: TITLE_COLUMN_CHARS - 1] + "…"

    @admin.display(description="title")
    def shown_title(self, conversation: Conversation) -> str:
        return str(conversation)

    @admin.display(description="flagged", ordering="-flagged")
    def flag(self, conversation: Conversation) -> str:
        """Only the flagged ones say so: a column of ✖ for every clean row reads as alarm."""
        return "⚑ Flagged" if conversation.flagged else ""

    @admin.display(description="messages", ordering="message_total")
    def message_count(self, conversation: Conversation) -> int:
        return conversation.message_total

    @admin.display(description="tool calls", ordering="tool_call_total")
    def tool_call_count(self, conversation: Conversation) -> int:
        return conversation.tool_call_total

    @admin.display(description="last reply", ordering="last_reply_status")
    def last_reply(self, conversation: Conversation) -> str | None:
        return conversation.last_reply_status

    # --- Conversation page: the transcript and the moderation box --------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.transcript_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def transcript_context(self, request, conversation: Conversation) -> dict[str, Any]:
        info = self.opts.app_label, self.opts.model_name
        object_id = quote(conversation.pk)
        messages = list(conversation.messages.all())
        changes = tool_call_changes(conversation_id=conversation.pk, messages=messages)
        context: dict[str, Any] = {
            "transcript": [transcript_entry(m, changes) for m in messages],
            "can_flag": self.has_flag_permission(request),
            "flag_url": reverse("admin:{}_{}_flag".format(*info), args=[object_id]),
            "unflag_url": reverse("admin:{}_{}_unflag".format(*info), args=[object_id]),
            "flag_form": FlagForm(initial={"reason": conversation.flag_reason}),
            "owner_conversations_url": (
                reverse("admin:{}_{}_changelist".format(*info))
                + f"?owner__id__exact={conversation.owner_id}"
            ),
        }
        if request.user.has_perm("todos.view_task"):
            tasks_url = reverse("admin:todos_task_changelist")
            context["owner_tasks_url"] = f"{tasks_url}?owner__id__exact={conversation.owner_id}"
        return context

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            # Before the defaults: their "<path:object_id>/" would swallow these.
            path(
                "<path:object_id>/flag/",
                view(self.flag_view),
                name="{}_{}_flag".format(*info),
            ),
            path(
                "<path:object_id>/unflag/",
                view(self.unflag_view),
                name="{}_{}_unflag".format(*info),
            ),
            *super().get_urls(),
        ]

    def flag_view(self, request, object_id: str) -> HttpResponse:
        conversation = self._conversation_to_moderate(request, object_id)
        if request.method == "POST":
            form = FlagForm(request.POST)
            if form.is_valid():
                conversation_flag(
                    conversation=conversation,
                    moderator=request.user,
                    reason=form.cleaned_data["reason"],
                )
                self.message_user(request, f"Flagged “{conversation}”.", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(conversation))
        else:
            form = FlagForm(initial={"reason": conversation.flag_reason})
        return self._flag_page(
            request,
            form,
            [conversation],
            cancel_url=self._change_url(conversation),
        )

    @method_decorator(require_POST)
    def unflag_view(self, request, object_id: str) -> HttpResponse:
        conversation = self._conversation_to_moderate(request, object_id)
        conversation_unflag(conversation=conversation, moderator=request.user)
        self.message_user(request, f"Unflagged “{conversation}”.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(conversation))

    def _conversation_to_moderate(self, request, object_id: str) -> Conversation:
        conversation = self.get_object(request, unquote(object_id))
        if conversation is None:
            raise Http404("No such conversation.")
        may_flag = self.has_flag_permission(request)
        if not (may_flag and self.has_view_permission(request, conversation)):
            raise PermissionDenied
        return conversation

    def _change_url(self, conversation: Conversation) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse("admin:{}_{}_change".format(*info), args=[quote(conversation.pk)])

    def _flag_page(
        self,
        request,
        form: FlagForm,
        conversations,
        *,
        cancel_url: str,
        selected_pks=(),
        action: str = "",
    ) -> TemplateResponse:
        preview = list(conversations[:FLAG_PREVIEW_LIMIT])
        total = len(selected_pks) if action else len(preview)
        context = {
            **self.admin_site.each_context(request),
            "title": "Flag conversations" if action else f"Flag “{preview[0]}”",
            "opts": self.opts,
            "form": form,
            "preview": preview,
            "more": max(total - len(preview), 0),
            "total": total,
            "selected_pks": selected_pks,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "cancel_url": cancel_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.flag_form_template, context)

    # --- List actions -----------------------------------------------------------------------

    @admin.action(description="Flag selected conversations…", permissions=["flag"])
    def flag_selected(self, request, queryset):
        """Ask for a reason on an intermediate page, then flag every selected conversation."""
        if "apply" in request.POST:
            form = FlagForm(request.POST)
            if form.is_valid():
                count = 0
                with transaction.atomic():
                    for conversation in queryset.select_related(None):
                        conversation_flag(
                            conversation=conversation,
                            moderator=request.user,
                            reason=form.cleaned_data["reason"],
                        )
                        count += 1
                self.message_user(request, f"Flagged {count} conversation(s).", messages.SUCCESS)
                return None  # back to the changelist
        else:
            form = FlagForm()
        return self._flag_page(
            request,
            form,
            queryset.select_related("owner"),
            cancel_url=request.get_full_path(),
            selected_pks=list(queryset.values_list("pk", flat=True)),
            action="flag_selected",
        )

    @admin.action(description="Unflag selected conversations", permissions=["flag"])
    def unflag_selected(self, request, queryset):
        count = 0
        with transaction.atomic():
            for conversation in queryset.filter(flagged=True).select_related(None):
                conversation_unflag(conversation=conversation, moderator=request.user)
                count += 1
        self.message_user(request, f"Unflagged {count} conversation(s).", messages.SUCCESS)

    # Exports are reads: anyone who may view conversations may export them.
    @admin.action(description="Export selected as JSON", permissions=["view"])
    def export_json(self, request, queryset):
        return streaming_attachment(
            request,
            export.export_json(queryset),
            filename=_export_filename("json"),
            content_type="application/json",
        )

    @admin.action(description="Export selected as Markdown transcripts", permissions=["view"])
    def export_markdown(self, request, queryset):
        return streaming_attachment(
            request,
            export.export_markdown(queryset),
            filename=_export_filename("md"),
            content_type="text/markdown; charset=utf-8",
        )


def _export_filename(extension: str) -> str:
    return f"conversations-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


class MessageAdminForm(forms.ModelForm):
    """Refuses tool calls the API, the model's history and the transcript could not show."""

    class Meta:
        model = Message
        fields = [
            "conversation",
            "role",
            "content",
            "status",
            "tool_calls",
            "run_id",
            "model_name",
            "input_tokens",
            "output_tokens",
            "time_to_first_token_ms",
            "duration_ms",
            "error_code",
        ]

    def clean_tool_calls(self) -> list:
        value = self.cleaned_data.get("tool_calls")
        if value is None:  # an emptied field
            return []
        if problem := tool_calls_problem(value):
            raise ValidationError(problem)
        return value


@admin.register(Message)
class MessageAdmin(BoundedSearchMixin, admin.ModelAdmin):
    form = MessageAdminForm
    list_display = ["conversation", "role", "status", "model_name", "error_code", "created_at"]
    list_filter = ["role", "status", "created_at"]
    search_fields = ["content"]
    list_select_related = ["conversation"]
    raw_id_fields = ["conversation"]
    readonly_fields = ["created_at"]

    # Messages are written by chat runs, never in the admin.
    def has_add_permission(self, request):
        return False


@admin.register(DailyTokenUsage)
class DailyTokenUsageAdmin(admin.ModelAdmin):
    """Each user's model tokens per day (CHAT_DAILY_TOKEN_BUDGET), newest day first: read-only,
    the turns write it."""

    list_display = ("user", "day", "input_tokens", "output_tokens", "tokens")
    list_filter = ("day",)
    date_hierarchy = "day"
    search_fields = ("user__username",)
    list_select_related = ("user",)
    ordering = ("-day", "-input_tokens")

    @admin.display(description="tokens")
    def tokens(self, usage: DailyTokenUsage) -> int:
        return usage.tokens

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
