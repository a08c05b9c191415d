"""openai-agents' per-run costs that Taskstream pays once per agent instead of on every run.

openai-agents 0.24 derives a stable identity signature for the run's agent on every run, twice
(for the sandbox runtime and the tool-use tracker): it normalizes the instructions, the model
settings (`dataclasses.asdict`) and every tool to JSON and sorts them, about 0.5 ms a run,
a quarter of the per-run budget (docs/PERFORMANCE.md). The signature depends only on the
agent's configuration, which Taskstream never changes after building it (chat/llm/agent.py),
so for agents marked with `freeze_identity` it is computed once and kept on the agent.

This wraps a private SDK function: `install()` fails loudly if a new SDK release renames it,
and tests/chat/test_sdk_costs.py checks the cached signature equals the SDK's own.
"""

from typing import Any

from agents import _run_state_agent_identity as sdk_identity

_CACHE_ATTRIBUTE = "_taskstream_identity_signature"
_sdk_signature = sdk_identity._agent_identity_signature


def freeze_identity(agent: Any) -> None:
    """Promise that `agent`'s configuration no longer changes, and compute its signature now:
    shallow copies of it (chat/llm/agent.py's `agent_for_run`) carry the same one."""
    agent.__dict__[_CACHE_ATTRIBUTE] = _sdk_signature(agent)


def _cached_signature(agent: Any) -> str:
    cached = getattr(agent, "__dict__", {}).get(_CACHE_ATTRIBUTE)
    return _sdk_signature(agent) if cached is None else cached


def install() -> None:
    if sdk_identity._agent_identity_signature is not _cached_signature:
        sdk_identity._agent_identity_signature = _cached_signature
