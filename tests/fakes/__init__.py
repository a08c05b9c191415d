"""Test doubles that speak real wire protocols (no in-process mocking)."""

from tests.fakes.openai_server import FakeOpenAI, RecordedRequest, closed_port_base_url

__all__ = ["FakeOpenAI", "RecordedRequest", "closed_port_base_url"]
