from config.routing import optional_slash
from todos.apis import TaskDetailApi, TaskListApi

urlpatterns = [
    *optional_slash("tasks/", TaskListApi.as_view(), name="task-list"),
    *optional_slash("tasks/<int:task_id>/", TaskDetailApi.as_view(), name="task-detail"),
]
