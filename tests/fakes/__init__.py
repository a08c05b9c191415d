"""Test doubles that speak real wire protocols (no in-process mocking)."""

from tests.fakes.openai_server import (
    DEFAULT_API_KEY,
    FAILURES,
    FakeOpenAI,
    RecordedRequest,
    closed_port_base_url,
)

__all__ = ["DEFAULT_API_KEY", "FAILURES", "FakeOpenAI", "RecordedRequest", "closed_port_base_url"]
