"""Chat fixtures: put a scripted model (openai-agents' own test double) behind the agent."""

import pytest
from agents import ModelSettings
from agents.testing import ScriptedModel

from chat.llm import agent
from chat.llm.provider import ModelChoice


@pytest.fixture
def scripted_model(monkeypatch):
    """Returns a function that installs a ScriptedModel with the given steps."""

    def install(*steps) -> ScriptedModel:
        model = ScriptedModel(list(steps))
        choice = ModelChoice(model=model, model_settings=ModelSettings(), name="scripted")
        monkeypatch.setattr(agent, "build_model_choice", lambda: choice)
        agent.model_choice.cache_clear()
        agent.todo_agent.cache_clear()
        return model

    yield install
    agent.model_choice.cache_clear()
    agent.todo_agent.cache_clear()
