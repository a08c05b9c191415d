"""openai-agents' per-run costs that Taskstream pays once per agent instead of on every run.

openai-agents 0.24 derives a stable identity signature for the run's agent on every run, twice
(for the sandbox runtime and the tool-use tracker): it normalizes the instructions, the model
settings (`dataclasses.asdict`) and every tool to JSON and sorts them, about 0.5 ms a run,
a quarter of the per-run budget (docs/PERFORMANCE.md). The signature depends only on the
agent's configuration, which Taskstream never changes after building it (chat/llm/agent.py),
so for agents marked with `freeze_identity` it is computed once and kept on the agent.

It also checks, two or three times a turn, that the run's function tools route unambiguously
(`validate_function_tool_lookup_configuration`: every tool's public, qualified and deferred
names worked out again, about 200 calls a turn for the agent's tools). The answer depends only
on the tools, which Taskstream never changes after building them: for a sequence made only of
tools marked with `freeze_tools` it is worked out once; anything else is checked every time.

This wraps private SDK functions: `install()` fails loudly if a new SDK release renames them,
and tests/chat/test_sdk_costs.py checks the cached signature equals the SDK's own and the
tools' check still refuses what the SDK refuses.
"""

from collections.abc import Sequence
from typing import Any

from agents import _run_state_agent_identity as sdk_identity
from agents import _tool_identity as sdk_tool_identity

_CACHE_ATTRIBUTE = "_taskstream_identity_signature"
_sdk_signature = sdk_identity._agent_identity_signature
_sdk_validate_tools = sdk_tool_identity.validate_function_tool_lookup_configuration

_frozen_tools: dict[int, Any] = {}  # id → the tool, kept alive so that its id stays its own
_valid_tool_sequences: set[tuple[int, ...]] = set()


def freeze_identity(agent: Any) -> None:
    """Promise that `agent`'s configuration no longer changes, and compute its signature now:
    shallow copies of it (chat/llm/agent.py's `agent_for_run`) carry the same one."""
    agent.__dict__[_CACHE_ATTRIBUTE] = _sdk_signature(agent)


def _cached_signature(agent: Any) -> str:
    cached = getattr(agent, "__dict__", {}).get(_CACHE_ATTRIBUTE)
    return _sdk_signature(agent) if cached is None else cached


def freeze_tools(tools: Sequence[Any]) -> None:
    """Promise that these tool objects no longer change (chat/llm/agent.py's tools)."""
    _frozen_tools.update((id(tool), tool) for tool in tools)


def _validate_tools_once(tools: Sequence[Any]) -> None:
    key = tuple(map(id, tools))
    if key in _valid_tool_sequences:
        return
    _sdk_validate_tools(tools)  # raises for an ambiguous configuration: never remembered
    if all(tool_id in _frozen_tools for tool_id in key):
        _valid_tool_sequences.add(key)


def install() -> None:
    if sdk_identity._agent_identity_signature is not _cached_signature:
        sdk_identity._agent_identity_signature = _cached_signature
    if sdk_tool_identity.validate_function_tool_lookup_configuration is not _validate_tools_once:
        sdk_tool_identity.validate_function_tool_lookup_configuration = _validate_tools_once
