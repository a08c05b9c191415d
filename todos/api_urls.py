from django.urls import path

from todos.apis import TaskDetailApi, TaskListApi

urlpatterns = [
    path("tasks/", TaskListApi.as_view(), name="task-list"),
    path("tasks/<int:task_id>/", TaskDetailApi.as_view(), name="task-detail"),
]
