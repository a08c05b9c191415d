from django.apps import AppConfig


class TodosConfig(AppConfig):
    name = "todos"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from todos import search, signals  # noqa: F401  (they connect their receivers)
