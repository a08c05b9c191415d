"""The API tests' data fixtures, shared with the security tests."""

from tests.api.conftest import make_conversation, make_task

__all__ = ["make_conversation", "make_task"]
