"""Fixtures the security tests share with the API and chat tests."""

from tests.api.conftest import make_conversation, make_task
from tests.chat.conftest import scripted_model

__all__ = ["make_conversation", "make_task", "scripted_model"]
