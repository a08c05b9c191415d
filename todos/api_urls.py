from django.urls import path

from config.routing import optional_slash
from todos.apis import TaskBulkApi, TaskChangeUndoApi, TaskDetailApi, TaskListApi
from todos.list_apis import TaskListDetailApi, TaskListListApi
from todos.reminder_apis import TaskRemindersApi

urlpatterns = [
    *optional_slash("tasks/", TaskListApi.as_view(), name="task-list"),
    *optional_slash("tasks/bulk/", TaskBulkApi.as_view(), name="task-bulk"),
    path(
        "tasks/changes/<str:change_id>/undo",
        TaskChangeUndoApi.as_view(),
        name="task-change-undo",
    ),
    *optional_slash("tasks/<int:task_id>/", TaskDetailApi.as_view(), name="task-detail"),
    *optional_slash(
        "tasks/<int:task_id>/reminders/", TaskRemindersApi.as_view(), name="task-reminders"
    ),
    *optional_slash("lists/", TaskListListApi.as_view(), name="list-list"),
    *optional_slash("lists/<int:list_id>/", TaskListDetailApi.as_view(), name="list-detail"),
]
