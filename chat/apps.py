from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        # Imported for their side effects: the settings-changed receiver and system checks.
        from chat.llm import agent, checks  # noqa: F401
