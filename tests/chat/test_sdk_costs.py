"""The per-run openai-agents costs paid once: the agent identity signature, the tools' routing
check and the run's agent."""

import asyncio

import pytest
from agents import Agent, Runner, UserError, function_tool
from agents import _run_state_agent_identity as sdk_identity
from agents import _tool_identity as sdk_tool_identity

from chat.llm import sdk_costs
from chat.llm.agent import agent_for_run, run_config, todo_agent


def test_the_cached_signature_is_the_sdks_own(db):
    agent = todo_agent()
    assert sdk_identity._agent_identity_signature is sdk_costs._cached_signature
    assert sdk_identity._agent_identity_signature(agent) == sdk_costs._sdk_signature(agent)
    assert sdk_identity._agent_identity_signature(agent_for_run()) == sdk_costs._sdk_signature(
        agent
    )


def test_agents_not_frozen_are_signed_afresh(db):
    todo_agent()  # installs the cache
    agent = Agent(name="Other", instructions="one")
    before = sdk_identity._agent_identity_signature(agent)
    agent.instructions = "two"
    assert sdk_identity._agent_identity_signature(agent) != before


def test_each_run_gets_its_own_agent_with_the_same_configuration(db):
    shared, first, second = todo_agent(), agent_for_run(), agent_for_run()
    assert first is not shared and first is not second
    assert first.tools is shared.tools and first.model is shared.model
    assert (first.name, first.instructions) == (shared.name, shared.instructions)


def test_concurrent_runs_of_copies_all_finish(db):
    async def one_run() -> str:
        result = Runner.run_streamed(agent_for_run(), input="benchmark 3", run_config=run_config())
        async for _ in result.stream_events():
            pass
        return result.final_output

    async def many() -> list[str]:
        return await asyncio.gather(*(one_run() for _ in range(20)))

    assert asyncio.run(many()) == ["t1 t2 t3"] * 20


def _deferred_tool():
    @function_tool(name_override="lookup", defer_loading=True)
    def lookup(query: str) -> str:
        """Look something up."""
        return query

    return lookup


def test_the_agents_tools_are_checked_once(db, monkeypatch):
    tools = todo_agent().tools  # installs the check and freezes the tools
    checked = []
    monkeypatch.setattr(sdk_costs, "_valid_tool_sequences", set())
    monkeypatch.setattr(sdk_costs, "_sdk_validate_tools", lambda tools: checked.append(tools))
    for _ in range(3):
        sdk_tool_identity.validate_function_tool_lookup_configuration(tools)
    assert checked == [tools]


def test_tools_not_frozen_are_checked_every_time_and_refused_as_the_sdk_refuses(db):
    todo_agent()  # installs the check
    ambiguous = [_deferred_tool(), _deferred_tool()]  # two deferred top-level `lookup`s
    for _ in range(2):
        with pytest.raises(UserError, match="lookup"):
            sdk_tool_identity.validate_function_tool_lookup_configuration(ambiguous)
    mixed = [*todo_agent().tools, *ambiguous]
    with pytest.raises(UserError, match="lookup"):
        sdk_tool_identity.validate_function_tool_lookup_configuration(mixed)
